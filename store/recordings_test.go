package store

import (
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

func TestAddRecordingToExistingCall(t *testing.T) {
	s, _ := openTemp(t)
	c := sampleCall("rec-1", t0)
	if err := s.PutCall(c); err != nil {
		t.Fatal(err)
	}
	if err := s.PutWrapUp(c.ID, record.WrapUp{Agent: "1001", Disposition: "sale"}); err != nil {
		t.Fatal(err)
	}
	r := record.Recording{File: "2025/03/01/rec-1.wav", Format: "wav/pcm16", Rate: 8000, Channels: 2, Start: t0, End: t0.Add(time.Minute)}
	if err := s.AddRecording(c.ID, r); err != nil {
		t.Fatal(err)
	}
	r2 := r
	r2.Incomplete = true
	if err := s.AddRecording(c.ID, r2); err != nil { // the same file again replaces it
		t.Fatal(err)
	}
	got, err := s.GetCall(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Recordings) != 1 || !got.Recordings[0].Incomplete || got.Recordings[0].File != r.File {
		t.Fatalf("recordings %+v", got.Recordings)
	}
	if got.Disposition != record.DispositionAnswered || got.From != c.From || len(got.WrapUps) != 1 {
		t.Fatalf("the rest of the record changed: %+v", got)
	}
}

func TestAddRecordingWithoutCall(t *testing.T) {
	s, _ := openTemp(t)
	r := record.Recording{File: "2025/03/01/lost.wav", Rate: 8000, Channels: 2, Start: t0, End: t0.Add(30 * time.Second), Incomplete: true}
	if err := s.AddRecording("lost", r); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetCall("lost")
	if err != nil {
		t.Fatal(err)
	}
	// In progress, so that the start closes it as interrupted with the other calls in progress.
	if !got.Start.Equal(t0) || got.Disposition != record.DispositionInProgress ||
		len(got.Recordings) != 1 || !got.End.Equal(r.End) {
		t.Fatalf("record %+v", got)
	}
	if open, err := s.OpenCalls(); err != nil || len(open) != 1 {
		t.Fatalf("open calls %+v, %v", open, err)
	}
	// It lists by its start like any call.
	calls, err := s.ListCalls(record.CallQuery{Since: t0, Until: t0.Add(time.Second)})
	if err != nil || len(calls) != 1 || calls[0].ID != "lost" {
		t.Fatalf("listed %v, %v", calls, err)
	}
	if err := s.AddRecording("", r); !errors.Is(err, ErrInvalid) {
		t.Fatalf("no call id: %v", err)
	}
}

func TestForgetMedia(t *testing.T) {
	s, _ := openTemp(t)
	c := sampleCall("forget", t0)
	c.Recordings = []record.Recording{{File: "2025/03/01/forget.wav"}}
	c.Transcript = []record.Turn{{Speaker: record.SpeakerCaller, Text: "my card is 4111 1111"}}
	c.Transcribed = true
	c.Handoff = &record.Handoff{Reason: "asked for agent", Transcript: c.Transcript}
	c.Analysis = &record.Analysis{Status: record.AnalysisDone, Summary: "card payment", Intent: "pay", Topics: []string{"billing"},
		Actions: []string{"send receipt"}, Categories: []record.Category{{Name: "payment", Evidence: "caller: my card"}},
		Voice: record.VoiceStats{DurationMs: 60000, CallerTalkMs: 20000}, Sentiment: record.Sentiment{Caller: 0.4}}
	if err := s.PutCall(c); err != nil {
		t.Fatal(err)
	}
	if err := s.ForgetMedia(c.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetCall(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := got.Analysis
	if len(got.Recordings) != 0 || len(got.Transcript) != 0 || got.Transcribed || len(got.Handoff.Transcript) != 0 ||
		a.Summary != "" || a.Intent != "" || len(a.Topics) != 0 || len(a.Actions) != 0 || a.Categories[0].Evidence != "" {
		t.Fatalf("text kept: %+v %+v", got, a)
	}
	if a.Error != MediaRemoved || a.Status != record.AnalysisDone || a.Voice.CallerTalkMs != 20000 ||
		a.Categories[0].Name != "payment" || a.Sentiment.Caller != 0.4 {
		t.Fatalf("analysis %+v", a)
	}
	if got.From != c.From || got.Disposition != c.Disposition || got.Handoff.Reason != "asked for agent" || !got.Start.Equal(t0) {
		t.Fatalf("call record changed: %+v", got)
	}
	if err := s.ForgetMedia("nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown call: %v", err)
	}
}

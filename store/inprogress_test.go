package store

import (
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

func inProgress(id string, start time.Time) *record.Call {
	c := sampleCall(id, start)
	c.Disposition, c.HangupCause, c.HangupBy = record.DispositionInProgress, "", ""
	c.Agent, c.AgentAnswer, c.Path = "", time.Time{}, c.Path[:1]
	c.End = start.Add(time.Second)
	return c
}

func TestCheckpointThenEnd(t *testing.T) {
	s, path := openTemp(t)
	c := inProgress("live-1", t0)
	if err := s.CheckpointCall(c); err != nil {
		t.Fatal(err)
	}
	// The next checkpoint: the caller reached an agent.
	c.Path = append(c.Path, record.PathStep{Node: "sales", Type: "queue", At: t0.Add(4 * time.Second)})
	c.Agent, c.End = "1001", t0.Add(9*time.Second)
	if err := s.CheckpointCall(c); err != nil {
		t.Fatal(err)
	}
	open, err := s.OpenCalls()
	if err != nil || len(open) != 1 || open[0].Agent != "1001" || len(open[0].Path) != 2 {
		t.Fatalf("open calls %+v, %v", open, err)
	}
	// The in-progress record is listed, and searchable once it has ended.
	if all, _ := s.ListCalls(record.CallQuery{}); len(all) != 1 || all[0].Disposition != record.DispositionInProgress {
		t.Fatalf("listed %+v", all)
	}
	if page, _, err := s.SearchCalls(record.CallFilter{}); err != nil || len(page) != 0 {
		t.Fatalf("search found a call in progress: %+v, %v", page, err)
	}

	end := sampleCall("live-1", t0)
	if err := s.EndCall(end); err != nil {
		t.Fatal(err)
	}
	// A checkpoint that comes after the end (a slow writer) does not undo it.
	if err := s.CheckpointCall(c); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetCall("live-1")
	if err != nil || got.Disposition != record.DispositionAnswered {
		t.Fatalf("after the end: %+v, %v", got, err)
	}
	if page, _, err := s.SearchCalls(record.CallFilter{Disposition: record.DispositionAnswered}); err != nil || len(page) != 1 {
		t.Fatalf("search after the end: %+v, %v", page, err)
	}
	if open, _ := s.OpenCalls(); len(open) != 0 {
		t.Fatalf("an ended call is still open: %+v", open)
	}
	// And the state is in the file, not only in memory.
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if open, _ := s2.OpenCalls(); len(open) != 0 {
		t.Fatalf("after reopening: %+v", open)
	}
}

func TestCheckpointInvalid(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.CheckpointCall(sampleCall("ended", t0)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a checkpoint of an ended call: %v", err)
	}
	if err := s.CheckpointCall(&record.Call{Outcome: record.Outcome{Disposition: record.DispositionInProgress}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a checkpoint without id: %v", err)
	}
}

func TestOpenCallsSurviveReopen(t *testing.T) {
	s, path := openTemp(t)
	for i, id := range []string{"b", "a", "c"} {
		if err := s.CheckpointCall(inProgress(id, t0.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.EndCall(sampleCall("a", t0.Add(time.Second))); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	open, err := s2.OpenCalls()
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(open); len(got) != 2 || got[0] != "b" || got[1] != "c" {
		t.Fatalf("open calls after reopening: %v", got)
	}
}

// A recording recovered after a crash meets the record its call had in progress: one record.
func TestRecoveredRecordingMeetsOpenCall(t *testing.T) {
	s, _ := openTemp(t)
	c := inProgress("rec-1", t0)
	if err := s.CheckpointCall(c); err != nil {
		t.Fatal(err)
	}
	r := record.Recording{File: "2025/03/01/rec-1.wav", Rate: 8000, Channels: 2, Start: t0.Add(time.Second),
		End: t0.Add(30 * time.Second), Incomplete: true}
	if err := s.AddRecording("rec-1", r); err != nil {
		t.Fatal(err)
	}
	open, err := s.OpenCalls()
	if err != nil || len(open) != 1 || len(open[0].Recordings) != 1 || open[0].Queue != c.Queue {
		t.Fatalf("open calls %+v, %v", open, err)
	}
	all, _ := s.ListCalls(record.CallQuery{})
	if len(all) != 1 {
		t.Fatalf("%d records, want one", len(all))
	}
	closed := open[0]
	closed.Disposition, closed.End = record.DispositionInterrupted, r.End
	if err := s.EndCall(closed, record.Job{Kind: record.JobAnalyze}); err != nil {
		t.Fatal(err)
	}
	if open, _ := s.OpenCalls(); len(open) != 0 {
		t.Fatalf("closed call still open: %+v", open)
	}
	if _, err := s.GetJob(record.JobID(record.JobAnalyze, "rec-1")); err != nil {
		t.Fatalf("no analysis job for the interrupted call: %v", err)
	}
	page, _, err := s.SearchCalls(record.CallFilter{Disposition: record.DispositionInterrupted})
	if err != nil || len(page) != 1 || !page[0].HasRecording {
		t.Fatalf("search interrupted: %+v, %v", page, err)
	}
}

func TestLastAlive(t *testing.T) {
	s, path := openTemp(t)
	if at, err := s.LastAlive(); err != nil || !at.IsZero() {
		t.Fatalf("a new store was alive at %v (%v)", at, err)
	}
	if err := s.MarkAlive(t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if at, err := s2.LastAlive(); err != nil || !at.Equal(t0.Add(time.Second)) {
		t.Fatalf("last alive %v (%v), want %v", at, err, t0.Add(time.Second))
	}
}

package postcall

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/analysis"
	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/jobs"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/recording"
	"github.com/hotline-cc/hotline/redact"
	"github.com/hotline-cc/hotline/rules"
	"github.com/hotline-cc/hotline/store"
)

const rate = 8000

// writeStereo writes a two-channel recording.
func writeStereo(t *testing.T, path string, left, right media.PCM16) {
	t.Helper()
	if err := recording.WriteStereo(path, left, right, rate); err != nil {
		t.Fatal(err)
	}
}

// span places a tone from..to seconds into a channel of total seconds.
func span(total, from, to float64, freq float64) media.PCM16 {
	out := make(media.PCM16, int(total*rate))
	tone := audiotest.Tone(freq, rate, int((to-from)*1000), 0.3)
	copy(out[int(from*rate):], tone)
	return out
}

// scripted answers each utterance in turn, with word times spread over it.
type scripted struct {
	mu    sync.Mutex
	texts []string
	fail  error
	heard int
}

func (s *scripted) Name() string { return "scripted" }
func (s *scripted) Recognize(ctx context.Context, u asr.Utterance) (asr.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return asr.Result{}, s.fail
	}
	text := "hello"
	if s.heard < len(s.texts) {
		text = s.texts[s.heard]
	}
	s.heard++
	words := strings.Fields(text)
	step := u.Duration() / time.Duration(len(words))
	res := asr.Result{Text: text, Confidence: 1, Lang: "en"}
	for i, w := range words {
		res.Words = append(res.Words, asr.Word{Text: w, Start: time.Duration(i) * step, End: time.Duration(i+1) * step})
	}
	return res, nil
}

// seen wraps an analyser and keeps what it was given.
type seen struct {
	analysis.Analyzer
	mu   sync.Mutex
	text []string
}

func (s *seen) Analyze(ctx context.Context, c *record.Call) (analysis.Text, error) {
	s.mu.Lock()
	for _, t := range c.Transcript {
		s.text = append(s.text, t.Text)
	}
	s.mu.Unlock()
	return s.Analyzer.Analyze(ctx, c)
}

type published struct {
	mu     sync.Mutex
	events []string
}

func (p *published) PublishCall(typ string, c *record.Call) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, typ)
	return nil
}

type fixedRules struct{ set *rules.Set }

func (f *fixedRules) Current() *rules.Set { return f.set }

func mustRules(t *testing.T, src string) *rules.Set {
	t.Helper()
	s, err := rules.Parse("rules.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const cancelRule = `rules:
  - id: cancel
    name: Cancellation threat
    phrase: {party: caller, text: [cancel my contract]}
`

// testCall stores a call with a 6 s recording: the caller speaks (a tone) from 0.5 to 3.5 s, the
// agent (answered at 3.8 s) from 4 to 5.5 s.
func testCall(t *testing.T) (*store.Store, *Pipeline, *record.Call, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	recs := filepath.Join(dir, "recordings")
	writeStereo(t, filepath.Join(recs, "2026/12/01/c1.wav"), span(6, 0.5, 3.5, 440), span(6, 4, 5.5, 1000))
	c := &record.Call{ID: "c1", Parties: record.Parties{From: "13800000000", To: "4008001234"},
		Times:      record.Times{Start: start, Answer: start, AgentAnswer: start.Add(3800 * time.Millisecond), End: start.Add(6 * time.Second)},
		Routing:    record.Routing{Queue: "support", Agent: "alice"},
		Outcome:    record.Outcome{Disposition: record.DispositionAnswered},
		Recordings: []record.Recording{{File: "2026/12/01/c1.wav", Format: "wav/pcm16", Rate: rate, Channels: 2, Start: start, End: start.Add(6 * time.Second)}},
		Analysis:   &record.Analysis{Status: record.AnalysisQueued, Run: 1},
	}
	if err := st.EndCall(c, record.Job{ID: record.JobID(record.JobAnalyze, "c1"), Kind: record.JobAnalyze, CallID: "c1"}); err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{Store: st, Recordings: recs, Redactor: redact.New(redact.Config{}), Analyzer: analysis.Embedded(),
		Rules: &fixedRules{mustRules(t, cancelRule)}, MaxAttempts: 3, Log: slog.New(slog.DiscardHandler)}
	return st, p, c, filepath.Join(recs, "2026/12/01/c1.wav")
}

func TestPipelineTranscribesRedactsAnalyses(t *testing.T) {
	st, p, c, wav := testCall(t)
	rec := &scripted{texts: []string{"please cancel my contract my number is 13800138000 thanks", "I will send you the refund today"}}
	an := &seen{Analyzer: analysis.Embedded()}
	hooks := &published{}
	p.Recognizer, p.Analyzer, p.Webhooks, p.Originals = rec, an, hooks, st
	if err := p.Handle(context.Background(), record.Job{ID: "analyze/c1", Kind: record.JobAnalyze, CallID: c.ID, Attempts: 1}); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetCall(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := got.Analysis
	if a == nil || a.Status != record.AnalysisDone || a.Run != 1 {
		t.Fatalf("analysis = %+v", a)
	}
	if !got.Transcribed || len(got.Transcript) != 2 {
		t.Fatalf("transcript = %+v", got.Transcript)
	}
	caller, agent := got.Transcript[0], got.Transcript[1]
	if caller.Speaker != record.SpeakerCaller || !strings.Contains(caller.Text, "[PHONE]") || strings.Contains(caller.Text, "13800138000") {
		t.Errorf("caller turn %+v", caller)
	}
	for _, w := range caller.Words {
		if strings.Contains(w.Text, "138") {
			t.Errorf("a word kept the number: %+v", w)
		}
	}
	if agent.Speaker != record.SpeakerAgent || agent.Start.Sub(c.Start) < 3900*time.Millisecond {
		t.Errorf("agent turn %+v", agent)
	}
	for _, s := range an.text {
		if strings.Contains(s, "13800138000") {
			t.Errorf("the analyser was given %q", s)
		}
	}
	if len(a.Redacted) != 1 || a.Redacted[0].Kind != "PHONE" || a.Redacted[0].Count != 1 {
		t.Errorf("redacted = %+v", a.Redacted)
	}
	if len(a.Categories) != 1 || a.Categories[0].Name != "Cancellation threat" {
		t.Errorf("categories = %+v", a.Categories)
	}
	// Voice analytics from the two channels: 3 s of caller, 1.5 s of agent.
	if d := a.Voice.CallerTalkMs - 3000; d < -150 || d > 150 {
		t.Errorf("caller talk %d ms, want ~3000", a.Voice.CallerTalkMs)
	}
	if d := a.Voice.OtherTalkMs - 1500; d < -150 || d > 150 {
		t.Errorf("other talk %d ms, want ~1500", a.Voice.OtherTalkMs)
	}
	if len(a.Actions) == 0 {
		t.Errorf("no action items from %q", agent.Text)
	}
	// The number's words are silent in the recording; the rest of the caller's speech is not.
	left, _, r, err := recording.ReadStereo(wav)
	if err != nil {
		t.Fatal(err)
	}
	var first, last time.Duration = -1, -1
	for _, w := range caller.Words {
		if w.Text == "[PHONE]" {
			first, last = w.Start.Sub(c.Start), w.End.Sub(c.Start)
		}
	}
	if first < 0 {
		t.Fatalf("no [PHONE] word in %+v", caller.Words)
	}
	seg := left[int(first.Seconds()*float64(r)):int(last.Seconds()*float64(r))]
	for i, v := range seg {
		if v != 0 {
			t.Fatalf("sample %d of the redacted span is %d, want silence", i, v)
		}
	}
	if ok, _ := audiotest.DetectTone(left[int(0.6*float64(r)):int(1.2*float64(r))], 440, r); !ok {
		t.Error("the caller's speech before the number was silenced too")
	}
	if orig, err := st.Originals(c.ID); err != nil || len(orig) == 0 || !strings.Contains(orig[0].Text, "13800138000") {
		t.Errorf("originals kept: %+v %v", orig, err)
	}
	if len(hooks.events) != 1 || hooks.events[0] != record.EventCallAnalyzed {
		t.Errorf("webhooks %v", hooks.events)
	}
}

func TestPipelineEngineFailureRetriesThenFails(t *testing.T) {
	st, p, c, _ := testCall(t)
	p.Recognizer = &scripted{fail: errors.New("asr server down")}
	err := p.Handle(context.Background(), record.Job{ID: "analyze/c1", CallID: c.ID, Attempts: 1})
	if err == nil || !strings.Contains(err.Error(), "asr server down") {
		t.Fatalf("err = %v", err)
	}
	got, _ := st.GetCall(c.ID)
	if got.Analysis.Status != record.AnalysisQueued || !strings.Contains(got.Analysis.Error, "asr server down") {
		t.Errorf("after a failed attempt: %+v", got.Analysis)
	}
	if got.From != "13800000000" || len(got.Recordings) != 1 {
		t.Errorf("the call record lost data: %+v", got)
	}
	_ = p.Handle(context.Background(), record.Job{ID: "analyze/c1", CallID: c.ID, Attempts: 3})
	got, _ = st.GetCall(c.ID)
	if got.Analysis.Status != record.AnalysisFailed {
		t.Errorf("after the last attempt: %+v", got.Analysis)
	}
	if err := p.Handle(context.Background(), record.Job{ID: "analyze/nope", CallID: "nope", Attempts: 1}); !errors.Is(err, jobs.ErrPermanent) {
		t.Errorf("a missing call: %v, want a permanent error", err)
	}
}

func TestPipelineWithoutRecognizerStillMeasuresVoice(t *testing.T) {
	st, p, c, _ := testCall(t)
	if err := p.Handle(context.Background(), record.Job{ID: "analyze/c1", CallID: c.ID, Attempts: 1}); err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetCall(c.ID)
	if got.Analysis.Status != record.AnalysisDone || got.Transcribed || got.Analysis.Voice.CallerTalkMs < 2800 {
		t.Errorf("analysis %+v transcribed %v", got.Analysis, got.Transcribed)
	}
}

func TestRerunRulesChangesCategories(t *testing.T) {
	st, p, c, _ := testCall(t)
	p.Recognizer = &scripted{texts: []string{"this is ridiculous I want a refund", "sorry about that"}}
	if err := p.Handle(context.Background(), record.Job{ID: "analyze/c1", CallID: c.ID, Attempts: 1}); err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetCall(c.ID)
	if len(got.Analysis.Categories) != 0 {
		t.Fatalf("categories before the rule change: %+v", got.Analysis.Categories)
	}
	p.Rules = &fixedRules{mustRules(t, cancelRule+`  - id: refund
    name: Refund request
    phrase: {party: caller, text: [refund]}
`)}
	st0, err := p.Rerun(c.Start.Add(-time.Hour), c.Start.Add(time.Hour), true)
	if err != nil || st0.Total != 1 {
		t.Fatalf("rerun: %+v %v", st0, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.RerunStatus().Running && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s := p.RerunStatus(); s.Done != 1 || s.Changed != 1 || s.Error != "" {
		t.Errorf("rerun status %+v", s)
	}
	got, _ = st.GetCall(c.ID)
	if len(got.Analysis.Categories) != 1 || got.Analysis.Categories[0].Name != "Refund request" {
		t.Errorf("categories after the rerun: %+v", got.Analysis.Categories)
	}
	if got.Analysis.Summary == "" {
		t.Error("a rules-only rerun lost the summary")
	}
}

// A rerun leaves the calls going on alone: their analysis comes when they end.
func TestRerunSkipsCallsInProgress(t *testing.T) {
	st, p, c, _ := testCall(t)
	live := &record.Call{ID: "live", Times: record.Times{Start: c.Start.Add(time.Minute), End: c.Start.Add(2 * time.Minute)},
		Outcome: record.Outcome{Disposition: record.DispositionInProgress}}
	if err := st.CheckpointCall(live); err != nil {
		t.Fatal(err)
	}
	s, err := p.Rerun(c.Start.Add(-time.Hour), c.Start.Add(time.Hour), false)
	if err != nil || s.Total != 1 {
		t.Fatalf("rerun: %+v %v", s, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.RerunStatus().Running && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := st.GetJob(record.JobID(record.JobAnalyze, "live")); err == nil {
		t.Error("the rerun queued an analysis job for a call in progress")
	}
}

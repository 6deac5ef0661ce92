// Package postcall is what happens to a call after it ends: its analysis job reads the recording,
// measures talk and silence on the two channels, transcribes them (when the recognizer can hear
// free speech), redacts personal data from the transcript and silences it in the audio, analyses
// the redacted text (sentiment, intent, summary, action items), applies the category rules, stores
// the result in the call record and announces it to the webhooks.
//
// It owns the order of those steps and the call record's Analysis state (queued → running → done
// or failed, with the reason). It does not own the queue (package jobs runs the handler, with
// retries and bounded concurrency), the analysers (analysis, transcribe, redact, rules) or the
// storage (the store, behind Store).
package postcall

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/analysis"
	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/jobs"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/recording"
	"github.com/hotline-cc/hotline/redact"
	"github.com/hotline-cc/hotline/rules"
	"github.com/hotline-cc/hotline/transcribe"
)

// Store is what the pipeline reads and writes of the stored calls and their jobs.
type Store interface {
	GetCall(id string) (*record.Call, error)
	UpdateCall(id string, fn func(*record.Call) error) error
	ListCalls(q record.CallQuery) ([]*record.Call, error)
	RequeueJob(kind, callID string) error
	JobCounts() (map[string]int, error)
}

// Publisher announces events to the webhooks (the outbox; nil: none).
type Publisher interface {
	PublishCall(eventType string, c *record.Call) error
}

// Pipeline analyses ended calls.
type Pipeline struct {
	Store      Store
	Recordings string         // the recordings directory; records name files relative to it
	Recognizer asr.Recognizer // nil: no transcripts, voice analytics only
	Redactor   *redact.Redactor
	Analyzer   analysis.Analyzer // the embedded analysers or an LLM
	Rules      RuleSource        // nil: no categories
	Webhooks   Publisher
	// Originals keeps what redaction replaced (analysis.redact.keep_original; nil: nothing kept).
	Originals Originals
	// MaxAttempts is the job runner's; the last failed attempt marks the analysis failed.
	MaxAttempts int
	// Wake tells the job runner that jobs were queued (reruns).
	Wake func()
	Log  *slog.Logger

	mu    sync.Mutex
	rerun RerunStatus
}

// Originals keeps a call's turns as they were before redaction, for the admin role.
type Originals interface {
	PutOriginals(id string, turns []record.Turn) error
}

// RuleSource gives the category rules in force (rules.Live).
type RuleSource interface {
	Current() *rules.Set
}

// RerunStatus is the progress of re-running analysis over stored calls.
type RerunStatus struct {
	Since     time.Time `json:"since"`
	Until     time.Time `json:"until"`
	RulesOnly bool      `json:"rules_only"`
	Total     int       `json:"total"`
	Done      int       `json:"done"`
	Changed   int       `json:"changed"` // calls whose categories changed (rules-only reruns)
	Running   bool      `json:"running"`
	Error     string    `json:"error,omitempty"`
}

// Handle runs one analysis job (the jobs.Runner's handler).
func (p *Pipeline) Handle(ctx context.Context, job record.Job) error {
	log := p.Log.With("call_id", job.CallID, "job", job.ID, "attempt", job.Attempts)
	c, err := p.Store.GetCall(job.CallID)
	if errors.Is(err, record.ErrNotFound) {
		return fmt.Errorf("%w: the call record is gone", jobs.ErrPermanent)
	}
	if err != nil {
		return err
	}
	_ = p.Store.UpdateCall(c.ID, func(c *record.Call) error {
		a := analysisOf(c)
		a.Status, a.Attempts = record.AnalysisRunning, job.Attempts
		return nil
	})
	res, err := p.analyse(ctx, c, log)
	if err != nil {
		final := errors.Is(err, jobs.ErrPermanent) || (p.MaxAttempts > 0 && job.Attempts >= p.MaxAttempts)
		_ = p.Store.UpdateCall(c.ID, func(c *record.Call) error {
			a := analysisOf(c)
			a.Status, a.Error, a.Attempts = record.AnalysisQueued, err.Error(), job.Attempts
			if final {
				a.Status = record.AnalysisFailed
			}
			return nil
		})
		log.Warn("call analysis failed", "error", err, "final", final)
		return err
	}
	var stored *record.Call
	if err := p.Store.UpdateCall(c.ID, func(c *record.Call) error {
		res.apply(c)
		stored = c
		return nil
	}); err != nil {
		return err
	}
	log.Info("call analysed", "turns", len(res.turns), "transcribed", res.transcribed, "categories", len(res.analysis.Categories),
		"engine", res.analysis.Engine)
	if p.Webhooks != nil {
		if err := p.Webhooks.PublishCall(record.EventCallAnalyzed, stored); err != nil {
			log.Error("queueing the call.analyzed webhook failed", "error", err)
		}
	}
	return nil
}

// result is what one analysis found, applied to the record in one update.
type result struct {
	analysis    record.Analysis
	turns       []record.Turn
	transcribed bool
	redacted    bool // turns replace the record's transcript
}

func (r *result) apply(c *record.Call) {
	if r.redacted {
		c.Transcript = r.turns
		c.Transcribed = r.transcribed
	}
	a := r.analysis
	a.Status, a.At = record.AnalysisDone, time.Now()
	if c.Analysis != nil {
		a.Attempts, a.Run = c.Analysis.Attempts, c.Analysis.Run
	}
	c.Analysis = &a
}

func analysisOf(c *record.Call) *record.Analysis {
	if c.Analysis == nil {
		c.Analysis = &record.Analysis{}
	}
	return c.Analysis
}

func (p *Pipeline) analyse(ctx context.Context, c *record.Call, log *slog.Logger) (*result, error) {
	res := &result{}
	var notes []string
	var botTurns []record.Turn
	for _, t := range c.Transcript {
		if t.Speaker == record.SpeakerBot {
			botTurns = append(botTurns, t)
		}
	}
	turns := c.Transcript
	if rec := firstRecording(c); rec != nil {
		path, err := recording.Resolve(p.Recordings, rec.File)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", jobs.ErrPermanent, err)
		}
		left, right, rate, err := recording.ReadStereo(path)
		if errors.Is(err, os.ErrNotExist) {
			notes = append(notes, "the recording file is gone")
		} else if err != nil {
			return nil, fmt.Errorf("reading the recording: %w", err)
		} else {
			res.analysis.Voice = analysis.Voice(left, right, rate, analysis.FromCall(c, *rec))
			if p.Recognizer != nil {
				whole, err := transcribe.Transcribe(ctx, p.Recognizer, left, right, rate, rec.Start, transcribe.Options{
					Lang: lang(c), BotTurns: botTurns, Agent: agentSpans(c)})
				switch {
				case errors.Is(err, transcribe.ErrNoTranscriber):
					notes = append(notes, err.Error())
				case err != nil:
					return nil, fmt.Errorf("transcribing: %w", err)
				default:
					turns, res.transcribed = whole, true
				}
			}
			redactedTurns, counts, spans := p.redactTurns(turns)
			if err := p.keepOriginals(c.ID, turns, counts); err != nil {
				return nil, err
			}
			res.turns, res.redacted, res.analysis.Redacted = redactedTurns, true, counts
			if len(spans) > 0 {
				if err := recording.SilenceSpans(path, audioSpans(spans, rec.Start)); err != nil {
					return nil, fmt.Errorf("silencing redacted speech in the recording: %w", err)
				}
			}
			turns = redactedTurns
		}
	}
	if !res.redacted {
		redactedTurns, counts, _ := p.redactTurns(turns)
		res.turns, res.redacted, res.analysis.Redacted = redactedTurns, true, counts
		turns = redactedTurns
	}
	// The analysers get the redacted transcript only.
	view := *c
	view.Transcript = turns
	view.WrapUps = redactWrapUps(p.Redactor, c.WrapUps)
	view.Analysis = &res.analysis
	if p.Analyzer != nil && len(turns) > 0 {
		txt, err := p.Analyzer.Analyze(ctx, &view)
		if err != nil {
			return nil, fmt.Errorf("analysing the transcript (%s): %w", p.Analyzer.Name(), err)
		}
		res.analysis.Engine = p.Analyzer.Name()
		res.analysis.Sentiment, res.analysis.Language = txt.Sentiment, txt.Language
		res.analysis.Summary, res.analysis.Intent = txt.Summary, txt.Intent
		res.analysis.Topics, res.analysis.Actions = txt.Topics, txt.Actions
		for i := range res.turns {
			if i < len(txt.TurnSentiment) {
				v := txt.TurnSentiment[i]
				res.turns[i].Sentiment = &v
			}
		}
	} else if c.Handoff != nil && c.Handoff.Intent != "" {
		res.analysis.Intent = c.Handoff.Intent
	}
	if res.analysis.Engine == "" {
		res.analysis.Engine = "embedded"
	}
	if p.Rules != nil {
		if set := p.Rules.Current(); set != nil {
			view.Transcript = res.turns
			res.analysis.Categories = set.Evaluate(&view)
		}
	}
	if len(notes) > 0 {
		res.analysis.Error = strings.Join(notes, "; ")
		log.Info("call analysed in part", "note", res.analysis.Error)
	}
	return res, nil
}

// keepOriginals stores the turns before redaction when they had something redacted and the
// configuration keeps originals.
func (p *Pipeline) keepOriginals(id string, turns []record.Turn, counts []record.Redaction) error {
	if p.Originals == nil || len(counts) == 0 {
		return nil
	}
	if err := p.Originals.PutOriginals(id, turns); err != nil {
		return fmt.Errorf("keeping the originals: %w", err)
	}
	return nil
}

func (p *Pipeline) redactTurns(turns []record.Turn) ([]record.Turn, []record.Redaction, []redact.AudioSpan) {
	if p.Redactor == nil || len(turns) == 0 {
		return turns, nil, nil
	}
	return p.Redactor.Turns(turns)
}

func redactWrapUps(r *redact.Redactor, ws []record.WrapUp) []record.WrapUp {
	if r == nil || len(ws) == 0 {
		return ws
	}
	out := make([]record.WrapUp, len(ws))
	for i, w := range ws {
		w.Notes, _ = r.Text(w.Notes)
		out[i] = w
	}
	return out
}

// audioSpans maps redacted words' times to the recording's channels: the caller's on the left,
// everyone else's on the right.
func audioSpans(spans []redact.AudioSpan, start time.Time) []recording.Span {
	out := make([]recording.Span, 0, len(spans))
	for _, s := range spans {
		ch := 1
		if s.Speaker == record.SpeakerCaller {
			ch = 0
		}
		// A little before and after: word timestamps are approximate.
		from, to := s.Start.Sub(start)-150*time.Millisecond, s.End.Sub(start)+150*time.Millisecond
		out = append(out, recording.Span{Channel: ch, From: max(0, from), To: to})
	}
	return out
}

func firstRecording(c *record.Call) *record.Recording {
	if len(c.Recordings) == 0 {
		return nil
	}
	return &c.Recordings[0]
}

// agentSpans are the spans a human was on the other side: an agent from their answer, an external
// number the caller was transferred to from its answer, to the end of the call.
func agentSpans(c *record.Call) []record.Interval {
	var out []record.Interval
	if !c.AgentAnswer.IsZero() {
		out = append(out, record.Interval{Start: c.AgentAnswer, End: c.End})
	}
	for _, t := range c.Transfers {
		if !t.Answer.IsZero() {
			out = append(out, record.Interval{Start: t.Answer, End: c.End})
		}
	}
	return out
}

func lang(c *record.Call) string {
	if v := c.Vars["language"]; v != "" {
		return v
	}
	return ""
}

// Jobs counts the analysis jobs by state.
func (p *Pipeline) Jobs() (map[string]int, error) { return p.Store.JobCounts() }

// RerunStatus is the progress of the last rerun.
func (p *Pipeline) RerunStatus() RerunStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rerun
}

// ErrRerunning: a rerun is already going on.
var ErrRerunning = errors.New("a rerun is already running; wait for it to finish")

// Rerun analyses again the calls that started in [since, until). With rulesOnly it applies the
// category rules in force to the stored analyses (fast, in the background, progress in
// RerunStatus); otherwise it queues each call's analysis job again.
func (p *Pipeline) Rerun(since, until time.Time, rulesOnly bool) (RerunStatus, error) {
	p.mu.Lock()
	if p.rerun.Running {
		st := p.rerun
		p.mu.Unlock()
		return st, ErrRerunning
	}
	p.rerun = RerunStatus{Since: since, Until: until, RulesOnly: rulesOnly, Running: true}
	p.mu.Unlock()
	calls, err := p.Store.ListCalls(record.CallQuery{Since: since, Until: until})
	if err != nil {
		p.finishRerun(err)
		return p.RerunStatus(), err
	}
	// A call going on is analysed when it ends: a job queued now would take the place of that one.
	calls = slices.DeleteFunc(calls, func(c *record.Call) bool { return c.Disposition == record.DispositionInProgress })
	p.mu.Lock()
	p.rerun.Total = len(calls)
	st := p.rerun
	p.mu.Unlock()
	go p.runRerun(calls, rulesOnly)
	return st, nil
}

func (p *Pipeline) runRerun(calls []*record.Call, rulesOnly bool) {
	var set *rules.Set
	if p.Rules != nil {
		set = p.Rules.Current()
	}
	for _, c := range calls {
		changed := false
		var err error
		if rulesOnly {
			err = p.Store.UpdateCall(c.ID, func(c *record.Call) error {
				a := analysisOf(c)
				var cats []record.Category
				if set != nil {
					view := *c
					cats = set.Evaluate(&view)
				}
				changed = !sameCategories(a.Categories, cats)
				a.Categories = cats
				return nil
			})
		} else {
			err = p.Store.RequeueJob(record.JobAnalyze, c.ID)
			if err == nil {
				err = p.Store.UpdateCall(c.ID, func(c *record.Call) error {
					a := analysisOf(c)
					a.Status, a.Attempts = record.AnalysisQueued, 0
					a.Run++
					return nil
				})
			}
		}
		p.mu.Lock()
		p.rerun.Done++
		if changed {
			p.rerun.Changed++
		}
		p.mu.Unlock()
		if err != nil {
			p.finishRerun(fmt.Errorf("call %s: %w", c.ID, err))
			return
		}
	}
	if !rulesOnly && p.Wake != nil {
		p.Wake()
	}
	p.finishRerun(nil)
}

func (p *Pipeline) finishRerun(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rerun.Running = false
	if err != nil {
		p.rerun.Error = err.Error()
	}
	p.Log.Info("analysis rerun finished", "rules_only", p.rerun.RulesOnly, "calls", p.rerun.Done, "changed", p.rerun.Changed, "error", p.rerun.Error)
}

func sameCategories(a, b []record.Category) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name {
			return false
		}
	}
	return true
}

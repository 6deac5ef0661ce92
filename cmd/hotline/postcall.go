package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hotline-cc/hotline/analysis"
	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/engines"
	"github.com/hotline-cc/hotline/jobs"
	"github.com/hotline-cc/hotline/postcall"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/redact"
	"github.com/hotline-cc/hotline/rules"
	"github.com/hotline-cc/hotline/store"
	"github.com/hotline-cc/hotline/transcribe"
	"github.com/hotline-cc/hotline/web"
	"github.com/hotline-cc/hotline/webhook"
	"github.com/prometheus/client_golang/prometheus"
)

// afterCall is what runs once calls end: their records are redacted and committed with an
// analysis job, the job runner analyses them (postcall), and the webhooks hear of both.
type afterCall struct {
	st       *store.Store
	keepOrig bool // analysis.redact.keep_original
	redactor *redact.Redactor
	pipeline *postcall.Pipeline // nil: analysis off
	runner   *jobs.Runner
	hooks    *webhook.Dispatcher // nil: no endpoints
	rules    *rules.Live         // nil: no rules file
	log      *slog.Logger
}

func newAfterCall(ctx context.Context, cfg *config.Config, st *store.Store, eng *engines.Set, recordingsDir string,
	activeCalls func() int, log *slog.Logger) (*afterCall, error) {
	a := &afterCall{st: st, keepOrig: cfg.Analysis.Redact.KeepOriginal, log: log}
	keep := map[string]bool{}
	for _, k := range cfg.Analysis.Redact.Keep {
		keep[k] = false
	}
	a.redactor = redact.New(redact.Config{Entities: keep})
	// Callers' words reach a bot's language model only redacted.
	eng.Redact(func(s string) string { t, _ := a.redactor.Text(s); return t })

	if len(cfg.Webhooks.Endpoints) > 0 {
		wc := webhook.Config{MaxAge: cfg.Webhooks.MaxAge.D(), Timeout: cfg.Webhooks.Timeout.D()}
		for _, e := range cfg.Webhooks.Endpoints {
			wc.Endpoints = append(wc.Endpoints, webhook.Endpoint{Name: e.Name, URL: e.URL, Secret: e.SecretValue(), Events: e.Events})
		}
		var err error
		if a.hooks, err = webhook.NewDispatcher(wc, st, log); err != nil {
			return nil, fmt.Errorf("%s: webhooks: %w", cfg.File, err)
		}
	}
	if cfg.Analysis.Off {
		log.Info("post-call analysis is off (analysis.off)")
		return a, nil
	}
	if path := cfg.Path(cfg.Analysis.Rules); cfg.Analysis.Rules != "" {
		var err error
		if a.rules, err = rules.Watch(ctx, path, log); err != nil {
			return nil, fmt.Errorf("analysis.rules: %w", err)
		}
	}
	analyzer := analysis.Embedded()
	if cfg.Analysis.Analyzer == "llm" {
		ep, _ := eng.LLM()
		var err error
		if analyzer, err = analysis.NewLLM(ep, ep.Model, log); err != nil {
			return nil, fmt.Errorf("analysis.analyzer llm: %w", err)
		}
	}
	a.pipeline = &postcall.Pipeline{Store: st, Recordings: recordingsDir, Recognizer: eng.Recognizer(), Redactor: a.redactor,
		Analyzer: analyzer, MaxAttempts: cfg.Analysis.MaxAttempts, Log: log}
	if a.keepOrig {
		a.pipeline.Originals = st
		log.Warn("analysis.redact.keep_original is on: what redaction replaces is kept, for the admin role")
	}
	if a.rules != nil {
		a.pipeline.Rules = a.rules
	}
	if a.hooks != nil {
		a.pipeline.Webhooks = callEvents{a.hooks}
	}
	yieldAbove := cfg.Analysis.YieldAboveCalls
	a.runner = &jobs.Runner{Queue: st, Handler: a.pipeline.Handle, Concurrency: cfg.Analysis.Concurrency,
		MaxAttempts: cfg.Analysis.MaxAttempts, Log: log,
		// Live calls come first: at a peak the analysis queue waits and catches up after.
		Yield: func() bool { return activeCalls() > yieldAbove }}
	a.pipeline.Wake = a.runner.Notify
	asr := "none (voice analytics only)"
	if r := eng.Recognizer(); r != nil {
		asr = r.Name()
		if err := transcribe.Check(r); err != nil {
			asr = "none (voice analytics only): " + err.Error()
		}
	}
	log.Info("post-call analysis", "analyzer", analyzer.Name(), "transcripts", asr, "rules", cfg.Analysis.Rules,
		"concurrency", cfg.Analysis.Concurrency, "webhooks", len(cfg.Webhooks.Endpoints))
	return a, nil
}

// run runs the job runner and the webhook dispatcher until ctx ends.
func (a *afterCall) run(ctx context.Context) {
	if a.runner != nil {
		go a.runner.Run(ctx)
	}
	if a.hooks != nil {
		go a.hooks.Run(ctx)
	}
}

// PutCall is the IVR's record writer: the call's words are redacted before they are stored, the
// record is committed with its analysis job in one transaction, and call.ended is announced.
func (a *afterCall) PutCall(c *record.Call) error { return a.end(c, false) }

// end stores the record of an ended call with its analysis job and announces call.ended, after
// the record is committed or, with announceFirst, before.
func (a *afterCall) end(c *record.Call, announceFirst bool) error {
	a.redactRecord(c)
	var queued []record.Job
	if a.pipeline != nil {
		c.Analysis = &record.Analysis{Status: record.AnalysisQueued, Run: 1}
		queued = append(queued, record.Job{ID: record.JobID(record.JobAnalyze, c.ID), Kind: record.JobAnalyze, CallID: c.ID})
	}
	announce := func() {
		if a.hooks == nil {
			return
		}
		if err := (callEvents{a.hooks}).PublishCall(record.EventCallEnded, c); err != nil {
			a.log.Error("queueing the call.ended webhook failed", "call_id", c.ID, "error", err)
		}
	}
	if announceFirst {
		announce()
	}
	if err := a.st.EndCall(c, queued...); err != nil {
		return err
	}
	if a.runner != nil {
		a.runner.Notify()
	}
	if !announceFirst {
		announce()
	}
	return nil
}

// redactRecord replaces personal data in what the call's record says in words: the transcript
// the bot kept, its handoff to the agent.
func (a *afterCall) redactRecord(c *record.Call) {
	if len(c.Transcript) > 0 {
		orig := c.Transcript
		var counts []record.Redaction
		c.Transcript, counts, _ = a.redactor.Turns(c.Transcript)
		if a.keepOrig && len(counts) > 0 {
			if err := a.st.PutOriginals(c.ID, orig); err != nil {
				a.log.Error("keeping the originals of the transcript failed", "call_id", c.ID, "error", err)
			}
		}
	}
	if h := c.Handoff; h != nil {
		h.Summary, _ = a.redactor.Text(h.Summary)
		if len(h.Transcript) > 0 {
			h.Transcript, _, _ = a.redactor.Turns(h.Transcript)
		}
		for k, v := range h.Slots {
			h.Slots[k], _ = a.redactor.Text(v)
		}
	}
}

// callEvents publishes call events with the call record as their data.
type callEvents struct{ d *webhook.Dispatcher }

func (e callEvents) PublishCall(typ string, c *record.Call) error {
	version := 0
	if typ == record.EventCallAnalyzed && c.Analysis != nil {
		version = c.Analysis.Run
	}
	_, _, err := e.d.Publish(typ, c.ID, version, c)
	return err
}

// collectors are the post-call figures on /metrics: analysis jobs and webhook deliveries by
// state, read from the store's counters when scraped.
func (a *afterCall) collectors() []prometheus.Collector {
	jobsDesc := prometheus.NewDesc("hotline_analysis_jobs", "Post-call analysis jobs by state.", []string{"state"}, nil)
	hooksDesc := prometheus.NewDesc("hotline_webhook_deliveries", "Webhook deliveries by state.", []string{"state"}, nil)
	return []prometheus.Collector{stateCounts{jobsDesc, a.st.JobCounts, record.JobStates},
		stateCounts{hooksDesc, a.st.DeliveryCounts, []string{record.DeliveryPending, record.DeliveryDelivered, record.DeliveryFailed}}}
}

// stateCounts is a gauge per state, read from a count function.
type stateCounts struct {
	desc   *prometheus.Desc
	counts func() (map[string]int, error)
	states []string
}

func (s stateCounts) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

func (s stateCounts) Collect(ch chan<- prometheus.Metric) {
	m, err := s.counts()
	if err != nil {
		return
	}
	for _, st := range s.states {
		ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, float64(m[st]), st)
	}
}

// analysisAdmin is the pipeline as the staff API drives it.
type analysisAdmin struct{ p *postcall.Pipeline }

func (a analysisAdmin) Jobs() (map[string]int, error) { return a.p.Jobs() }

func (a analysisAdmin) Rerun(since, until time.Time, rulesOnly bool) (web.RerunStatus, error) {
	st, err := a.p.Rerun(since, until, rulesOnly)
	return web.RerunStatus(st), err
}

func (a analysisAdmin) RerunStatus() web.RerunStatus { return web.RerunStatus(a.p.RerunStatus()) }

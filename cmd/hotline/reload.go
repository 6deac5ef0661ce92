package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/dialplan/sim"
	"github.com/hotline-cc/hotline/record"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	reloadsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hotline_dialplan_reloads_total", Help: "Dialplan reload attempts, by result (ok, invalid, unchanged).",
	}, []string{"result"})
	planVersion = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "hotline_dialplan_version", Help: "Version number of the dialplan new calls get.",
	})
)

// planManager owns the live dialplan: it validates candidates, stores every
// accepted version and swaps the pointer new calls read. Calls in progress
// keep the *Plan they started with, so a swap never touches them.
type planManager struct {
	s    *server
	file string

	mu      sync.Mutex // serialises reloads; readers never take it
	lastErr error
	lastAt  time.Time
}

// ReloadResult says what a reload did.
type ReloadResult struct {
	Version  int               `json:"version"`
	Hash     string            `json:"hash"`
	Changed  bool              `json:"changed"`
	Warnings []*dialplan.Error `json:"warnings,omitempty"`
}

// Apply validates source and, if valid, stores it as a new version and makes
// it live. Invalid source leaves the running plan as it is.
func (m *planManager) Apply(source []byte, who string) (ReloadResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	plan, warnings, err := dialplan.Parse(m.file, source, dialplan.Options{KnownAgents: m.s.knownAgents(), BaseDir: filepath.Dir(m.file)})
	m.lastAt = time.Now()
	if err != nil {
		m.lastErr = err
		reloadsTotal.WithLabelValues("invalid").Inc()
		m.s.log.Error("dialplan rejected; the running version stays", "who", who, "errors", err.Error())
		return ReloadResult{Warnings: warnings}, err
	}
	m.lastErr = nil
	cur := m.s.plan.Load()
	if cur != nil && cur.Hash == plan.Hash {
		reloadsTotal.WithLabelValues("unchanged").Inc()
		return ReloadResult{Version: cur.Version, Hash: cur.Hash, Warnings: warnings}, nil
	}
	n, err := m.s.store.PutDialplanVersion(&record.DialplanVersion{Source: plan.Source, File: m.file, Who: who})
	if err != nil {
		return ReloadResult{}, fmt.Errorf("storing dialplan version: %w", err)
	}
	plan.Version = n
	m.s.plan.Store(plan)
	planVersion.Set(float64(n))
	reloadsTotal.WithLabelValues("ok").Inc()
	for _, w := range warnings {
		m.s.log.Warn("dialplan", "warning", w.Error())
	}
	m.s.log.Info("dialplan live", "version", n, "hash", plan.Hash[:12], "who", who, "routes", len(plan.Routes), "flows", len(plan.Flows))
	return ReloadResult{Version: n, Hash: plan.Hash, Changed: true, Warnings: warnings}, nil
}

// ReloadFile re-reads the dialplan file.
func (m *planManager) ReloadFile(who string) (ReloadResult, error) {
	b, err := os.ReadFile(m.file)
	if err != nil {
		m.mu.Lock()
		m.lastErr = err
		m.mu.Unlock()
		reloadsTotal.WithLabelValues("invalid").Inc()
		m.s.log.Error("dialplan reload: cannot read the file; the running version stays", "file", m.file, "error", err)
		return ReloadResult{}, err
	}
	return m.Apply(b, who)
}

// Deploy validates source, writes it to the dialplan file (atomically, so
// the file on disk always matches a valid plan) and makes it live.
func (m *planManager) Deploy(source []byte, who string) (int, error) {
	if _, err := m.Validate(source); err != nil {
		return 0, err
	}
	if err := writeFileAtomic(m.file, source); err != nil {
		return 0, err
	}
	r, err := m.Apply(source, who)
	return r.Version, err
}

// Rollback makes version n live again (as a new version, so history is never rewritten).
func (m *planManager) Rollback(n int, who string) (int, error) {
	v, err := m.s.store.GetDialplanVersion(n)
	if err != nil {
		return 0, err
	}
	return m.Deploy(v.Source, fmt.Sprintf("%s (rollback to %d)", who, n))
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dialplan-*.yaml")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if fi, err := os.Stat(path); err == nil {
		_ = os.Chmod(tmp.Name(), fi.Mode().Perm())
	}
	return os.Rename(tmp.Name(), path)
}

// watch reloads on SIGHUP and when the dialplan file changes. Editors save
// by writing a new file and renaming it, so the directory is watched and
// events are debounced.
func (m *planManager) watch(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	var events <-chan fsnotify.Event
	var errs <-chan error
	w, err := fsnotify.NewWatcher()
	if err == nil {
		if err = w.Add(filepath.Dir(m.file)); err == nil {
			events, errs = w.Events, w.Errors
			defer w.Close()
		} else {
			w.Close()
		}
	}
	if err != nil {
		m.s.log.Warn("dialplan file watching unavailable; reload with SIGHUP or the API", "error", err)
	}
	var debounce <-chan time.Time
	target := filepath.Clean(m.file)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			m.s.log.Info("SIGHUP: reloading dialplan")
			_, _ = m.ReloadFile("SIGHUP")
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if filepath.Clean(ev.Name) == target && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) != 0 {
				debounce = time.After(200 * time.Millisecond)
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			m.s.log.Warn("dialplan watch", "error", err)
		case <-debounce:
			debounce = nil
			if _, err := os.Stat(m.file); errors.Is(err, os.ErrNotExist) {
				continue // mid-save; the create event follows
			}
			_, _ = m.ReloadFile("file change")
		}
	}
}

// web.DialplanAdmin

func (m *planManager) Current() *dialplan.Plan { return m.s.plan.Load() }

func (m *planManager) Validate(source []byte) ([]*dialplan.Error, error) {
	_, warnings, err := dialplan.Parse(m.file, source, dialplan.Options{KnownAgents: m.s.knownAgents(), BaseDir: filepath.Dir(m.file)})
	return warnings, err
}

func (m *planManager) LastReload() (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastAt, m.lastErr
}

// Simulate runs a scripted call through source (or the live plan), offline:
// http nodes get the demo CRM in-process and fail otherwise.
func (m *planManager) Simulate(source []byte, script json.RawMessage) (any, []*dialplan.Error, error) {
	plan := m.s.plan.Load()
	var warnings []*dialplan.Error
	if len(bytes.TrimSpace(source)) > 0 {
		p, w, err := dialplan.Parse(m.file, source, dialplan.Options{KnownAgents: m.s.knownAgents(), BaseDir: filepath.Dir(m.file)})
		if err != nil {
			return nil, w, err
		}
		plan, warnings = p, w
	}
	var in struct {
		To      string            `json:"to"`
		From    string            `json:"from"`
		At      string            `json:"at"`
		Headers map[string]string `json:"headers"`
		DTMF    []string          `json:"dtmf"`
		Say     []string          `json:"say"`
		Queue   string            `json:"queue"`
		Agent   string            `json:"agent"`
	}
	if len(script) > 0 {
		if err := json.Unmarshal(script, &in); err != nil {
			return nil, warnings, fmt.Errorf("script: %w", err)
		}
	}
	sc := sim.Script{To: in.To, From: in.From, Headers: in.Headers, DTMF: in.DTMF, Say: in.Say, Queue: in.Queue, Agent: in.Agent}
	if in.At != "" {
		loc := time.Local
		if plan.Settings.Location != nil {
			loc = plan.Settings.Location
		}
		at, err := parseAt(in.At, loc)
		if err != nil {
			return nil, warnings, err
		}
		sc.At = at
	}
	sc.HTTPFunc = offlineHTTP(false, true)
	trace, err := sim.Simulate(plan, sc)
	return trace, warnings, err
}

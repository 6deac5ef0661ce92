package live

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/dialplan/sim"
	"github.com/hotline-cc/hotline/record"
	"github.com/prometheus/client_golang/prometheus"
)

// Versions keeps every dialplan version that went live.
type Versions interface {
	// PutDialplanVersion stores v and returns its number (from 1).
	PutDialplanVersion(v *record.DialplanVersion) (int, error)
	// GetDialplanVersion returns version n, or an error wrapping record.ErrNotFound.
	GetDialplanVersion(n int) (*record.DialplanVersion, error)
}

// Config configures a Manager.
type Config struct {
	File     string   // the dialplan file; relative paths in it resolve against its directory
	Versions Versions // where accepted versions are stored
	// KnownAgents lists the agent ids queues may name; nil: any.
	KnownAgents func() map[string]bool
	// SimulateHTTP answers the http nodes of simulated calls that no scripted reply matched (see
	// sim.Offline); nil: they fail.
	SimulateHTTP func(dialplan.HTTPRequest) (dialplan.HTTPResponse, error)
	Log          *slog.Logger
}

// Result says what a reload did.
type Result struct {
	Version  int               `json:"version"`
	Hash     string            `json:"hash"`
	Changed  bool              `json:"changed"`
	Warnings []*dialplan.Error `json:"warnings,omitempty"`
}

// Manager holds the live dialplan. Its methods are safe for concurrent use; reloads are
// serialised, and Current never waits for one.
type Manager struct {
	cfg  Config
	plan atomic.Pointer[dialplan.Plan]

	mu      sync.Mutex // serialises reloads; guards lastAt and lastErr
	lastErr error
	lastAt  time.Time

	reloads *prometheus.CounterVec
	version prometheus.Gauge
}

// New makes a manager with no plan yet: load one with ReloadFile.
func New(cfg Config) *Manager {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Manager{cfg: cfg,
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_dialplan_reloads_total", Help: "Dialplan reload attempts, by result (ok, invalid, unchanged).",
		}, []string{"result"}),
		version: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hotline_dialplan_version", Help: "Version number of the dialplan new calls get.",
		}),
	}
}

// Collectors are the manager's metrics, for the server's registry.
func (m *Manager) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.reloads, m.version}
}

// Current is the plan new calls get; nil before the first successful load.
func (m *Manager) Current() *dialplan.Plan { return m.plan.Load() }

// File is the dialplan file the manager reloads.
func (m *Manager) File() string { return m.cfg.File }

func (m *Manager) parse(source []byte) (*dialplan.Plan, []*dialplan.Error, error) {
	opts := dialplan.Options{BaseDir: filepath.Dir(m.cfg.File)}
	if m.cfg.KnownAgents != nil {
		opts.KnownAgents = m.cfg.KnownAgents()
	}
	return dialplan.Parse(m.cfg.File, source, opts)
}

// Validate parses source without making it live.
func (m *Manager) Validate(source []byte) ([]*dialplan.Error, error) {
	_, warnings, err := m.parse(source)
	return warnings, err
}

// Apply validates source and, if valid, stores it as a new version and makes it live. Invalid
// source leaves the running plan as it is; source equal to the running plan changes nothing.
func (m *Manager) Apply(source []byte, who string) (Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	plan, warnings, err := m.parse(source)
	m.lastAt = time.Now()
	if err != nil {
		m.lastErr = err
		m.reloads.WithLabelValues("invalid").Inc()
		m.cfg.Log.Error("dialplan rejected; the running version stays", "who", who, "errors", err.Error())
		return Result{Warnings: warnings}, err
	}
	m.lastErr = nil
	if cur := m.plan.Load(); cur != nil && cur.Hash == plan.Hash {
		m.reloads.WithLabelValues("unchanged").Inc()
		return Result{Version: cur.Version, Hash: cur.Hash, Warnings: warnings}, nil
	}
	n, err := m.cfg.Versions.PutDialplanVersion(&record.DialplanVersion{Source: plan.Source, File: m.cfg.File, Who: who})
	if err != nil {
		m.lastErr = err
		return Result{}, fmt.Errorf("storing dialplan version: %w", err)
	}
	plan.Version = n
	m.plan.Store(plan)
	m.version.Set(float64(n))
	m.reloads.WithLabelValues("ok").Inc()
	for _, w := range warnings {
		m.cfg.Log.Warn("dialplan", "warning", w.Error())
	}
	m.cfg.Log.Info("dialplan live", "version", n, "hash", plan.Hash[:12], "who", who, "routes", len(plan.Routes), "flows", len(plan.Flows))
	return Result{Version: n, Hash: plan.Hash, Changed: true, Warnings: warnings}, nil
}

// ReloadFile re-reads the dialplan file and applies it.
func (m *Manager) ReloadFile(who string) (Result, error) {
	b, err := os.ReadFile(m.cfg.File)
	if err != nil {
		m.mu.Lock()
		m.lastAt, m.lastErr = time.Now(), err
		m.mu.Unlock()
		m.reloads.WithLabelValues("invalid").Inc()
		m.cfg.Log.Error("dialplan reload: cannot read the file; the running version stays", "file", m.cfg.File, "error", err)
		return Result{}, err
	}
	return m.Apply(b, who)
}

// Deploy validates source, writes it to the dialplan file (atomically, so the file on disk always
// holds a valid plan) and makes it live.
func (m *Manager) Deploy(source []byte, who string) (int, error) {
	if _, err := m.Validate(source); err != nil {
		return 0, err
	}
	if err := writeFileAtomic(m.cfg.File, source); err != nil {
		return 0, fmt.Errorf("writing %s: %w", m.cfg.File, err)
	}
	r, err := m.Apply(source, who)
	return r.Version, err
}

// Rollback makes version n live again, as a new version: history is never rewritten.
func (m *Manager) Rollback(n int, who string) (int, error) {
	v, err := m.cfg.Versions.GetDialplanVersion(n)
	if err != nil {
		return 0, err
	}
	return m.Deploy(v.Source, fmt.Sprintf("%s (rollback to %d)", who, n))
}

// LastReload is the last reload's time and its error (nil when it succeeded).
func (m *Manager) LastReload() (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastAt, m.lastErr
}

// ErrNoPlan is returned by Simulate before any plan is live and none was given.
var ErrNoPlan = errors.New("no dialplan is live")

// Simulate runs a scripted call (sim.ParseScript's JSON) through source, or through the live
// plan when source is empty, offline, and returns the trace.
func (m *Manager) Simulate(source []byte, script []byte) (any, []*dialplan.Error, error) {
	plan := m.plan.Load()
	var warnings []*dialplan.Error
	if len(bytes.TrimSpace(source)) > 0 {
		p, w, err := m.parse(source)
		if err != nil {
			return nil, w, err
		}
		plan, warnings = p, w
	}
	if plan == nil {
		return nil, nil, ErrNoPlan
	}
	sc, err := sim.ParseScript(script, plan.Settings.Location)
	if err != nil {
		return nil, warnings, err
	}
	sc.HTTPFunc = m.cfg.SimulateHTTP
	trace, err := sim.Simulate(plan, sc)
	return trace, warnings, err
}

// writeFileAtomic replaces path with data: a temporary file in the same directory, synced, then
// renamed over it, keeping the old file's permissions.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dialplan-*.yaml")
	if err != nil {
		return err
	}
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
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

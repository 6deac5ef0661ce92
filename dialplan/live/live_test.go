package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan/sim"
	"github.com/hotline-cc/hotline/record"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// versions is an in-memory Versions.
type versions struct {
	mu   sync.Mutex
	list []*record.DialplanVersion
	fail error
}

func (v *versions) PutDialplanVersion(d *record.DialplanVersion) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fail != nil {
		return 0, v.fail
	}
	c := *d
	c.Number = len(v.list) + 1
	v.list = append(v.list, &c)
	return c.Number, nil
}

func (v *versions) GetDialplanVersion(n int) (*record.DialplanVersion, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if n < 1 || n > len(v.list) {
		return nil, fmt.Errorf("version %d: %w", n, record.ErrNotFound)
	}
	return v.list[n-1], nil
}

func plan(greeting string) string {
	return fmt.Sprintf(`version: 1
routes: [{name: main, to: "4000", flow: main}]
flows:
  main:
    start: hello
    nodes:
      - {id: hello, type: say, text: %q}
`, greeting)
}

func newManager(t *testing.T, src string) (*Manager, *versions, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "dialplan.yaml")
	if err := os.WriteFile(file, []byte(src), 0o640); err != nil {
		t.Fatal(err)
	}
	v := &versions{}
	m := New(Config{File: file, Versions: v, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return m, v, file
}

func TestReloadKeepsTheRunningPlanOnError(t *testing.T) {
	m, v, file := newManager(t, plan("Welcome"))
	if m.Current() != nil {
		t.Fatal("a plan before the first load")
	}
	r, err := m.ReloadFile("startup")
	if err != nil || !r.Changed || r.Version != 1 || m.Current().Version != 1 {
		t.Fatalf("first load: %+v %v", r, err)
	}
	first := m.Current() // what a call in progress holds

	// An invalid file: the error names the line, the running plan stays.
	if err := os.WriteFile(file, []byte(plan("Welcome")+"      - {id: bye, type: hangup, nxt: x}\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := m.ReloadFile("file change"); err == nil || !strings.Contains(err.Error(), "dialplan.yaml:8") {
		t.Fatalf("invalid plan: %v", err)
	}
	if m.Current() != first || len(v.list) != 1 {
		t.Fatalf("an invalid plan replaced the live one (version %d, %d stored)", m.Current().Version, len(v.list))
	}
	if at, err := m.LastReload(); err == nil || at.IsZero() {
		t.Fatalf("last reload: %v %v", at, err)
	}

	// The same source again changes nothing and stores nothing.
	if r, err := m.Apply([]byte(plan("Welcome")), "ops"); err != nil || r.Changed || r.Version != 1 || len(v.list) != 1 {
		t.Fatalf("unchanged: %+v %v", r, err)
	}
	// A new valid source is a new version; the old plan value is untouched.
	if r, err := m.Apply([]byte(plan("Hello")), "ops"); err != nil || !r.Changed || r.Version != 2 {
		t.Fatalf("second version: %+v %v", r, err)
	}
	if first.Version != 1 || m.Current() == first || m.Current().Version != 2 {
		t.Fatalf("swap: first %d, current %d", first.Version, m.Current().Version)
	}
	if v.list[1].Who != "ops" || !strings.Contains(string(v.list[1].Source), "Hello") {
		t.Fatalf("stored: %+v", v.list[1])
	}
	if got := testutil.ToFloat64(m.version); got != 2 {
		t.Fatalf("version gauge %v", got)
	}
	if got := testutil.ToFloat64(m.reloads.WithLabelValues("invalid")); got != 1 {
		t.Fatalf("invalid reloads %v", got)
	}
}

func TestStoreFailureKeepsThePlan(t *testing.T) {
	m, v, _ := newManager(t, plan("Welcome"))
	if _, err := m.ReloadFile("startup"); err != nil {
		t.Fatal(err)
	}
	v.fail = errors.New("disk full")
	if _, err := m.Apply([]byte(plan("Hello")), "ops"); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("store failure: %v", err)
	}
	if m.Current().Version != 1 {
		t.Fatalf("a plan that was not stored went live")
	}
}

func TestDeployAndRollback(t *testing.T) {
	m, v, file := newManager(t, plan("Welcome"))
	if _, err := m.ReloadFile("startup"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Deploy([]byte("version: 1\nroutes: [{name: r, flow: nowhere}]\n"), "editor"); err == nil {
		t.Fatal("deployed an invalid plan")
	}
	if b, _ := os.ReadFile(file); !strings.Contains(string(b), "Welcome") {
		t.Fatalf("an invalid deploy touched the file:\n%s", b)
	}
	n, err := m.Deploy([]byte(plan("Hello")), "editor")
	if err != nil || n != 2 {
		t.Fatalf("deploy: %d %v", n, err)
	}
	b, _ := os.ReadFile(file)
	fi, _ := os.Stat(file)
	if !strings.Contains(string(b), "Hello") || fi.Mode().Perm() != 0o640 {
		t.Fatalf("file after deploy (%v):\n%s", fi.Mode(), b)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".dialplan-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	n, err = m.Rollback(1, "ops")
	if err != nil || n != 3 || !strings.Contains(string(v.list[2].Source), "Welcome") || v.list[2].Who != "ops (rollback to 1)" {
		t.Fatalf("rollback: %d %v %+v", n, err, v.list)
	}
	if b, _ := os.ReadFile(file); !strings.Contains(string(b), "Welcome") {
		t.Fatalf("file after rollback:\n%s", b)
	}
	if _, err := m.Rollback(9, "ops"); !errors.Is(err, record.ErrNotFound) {
		t.Fatalf("rollback to a missing version: %v", err)
	}
}

func TestWatchReloadsOnSaveAndSIGHUP(t *testing.T) {
	m, _, file := newManager(t, plan("Welcome"))
	if _, err := m.ReloadFile("startup"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal, 1)
	done := make(chan struct{})
	go func() { defer close(done); m.Watch(ctx, hup) }()
	waitVersion := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for m.Current().Version != n {
			if time.Now().After(deadline) {
				t.Fatalf("version %d never went live (at %d)", n, m.Current().Version)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// An editor's save: a new file renamed over the old one. The watcher may need a moment to start.
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; m.Current().Version == 1; i++ {
		if err := writeFileAtomic(file, []byte(plan(fmt.Sprintf("Hello %d", i)))); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("a saved file was never reloaded")
		}
		time.Sleep(400 * time.Millisecond)
	}
	at := m.Current().Version
	// SIGHUP reloads too (here the file is changed while nothing watches it, then the signal comes).
	cancel()
	<-done
	if err := os.WriteFile(file, []byte(plan("After the signal")), 0o640); err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go m.Watch(ctx2, hup)
	hup <- os.Interrupt
	waitVersion(at + 1)
}

func TestSimulate(t *testing.T) {
	m, _, _ := newManager(t, plan("Welcome"))
	if _, _, err := m.Simulate(nil, nil); !errors.Is(err, ErrNoPlan) {
		t.Fatalf("before a plan: %v", err)
	}
	if _, err := m.ReloadFile("startup"); err != nil {
		t.Fatal(err)
	}
	tr, _, err := m.Simulate(nil, []byte(`{"to": "4000", "from": "1001"}`))
	if err != nil {
		t.Fatal(err)
	}
	if trace := tr.(sim.Trace); trace.Route != "main" || len(trace.Steps) != 1 || !strings.Contains(strings.Join(trace.Steps[0].Prompts, " "), "Welcome") {
		t.Fatalf("live plan trace: %+v", trace)
	}
	tr, _, err = m.Simulate([]byte(plan("Candidate")), []byte(`{"to": "4000"}`))
	if err != nil || !strings.Contains(strings.Join(tr.(sim.Trace).Steps[0].Prompts, " "), "Candidate") {
		t.Fatalf("candidate trace: %+v %v", tr, err)
	}
	if _, _, err := m.Simulate([]byte("version: 1\nroutes: [{name: r, flow: nowhere}]\n"), nil); err == nil {
		t.Fatal("simulated an invalid candidate")
	}
	if _, _, err := m.Simulate(nil, []byte(`{"to": 4000}`)); err == nil || !strings.Contains(err.Error(), "script") {
		t.Fatalf("bad script: %v", err)
	}
}

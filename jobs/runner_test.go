package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/store"
)

func openStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hotline.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func enqueue(t *testing.T, s *store.Store, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, err := s.EnqueueJob(record.Job{Kind: record.JobAnalyze, CallID: id}); err != nil {
			t.Fatal(err)
		}
	}
}

// waitState polls the store until job id is in state, or fails after 10 s.
func waitState(t *testing.T, s *store.Store, id, state string) record.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := s.GetJob(id)
		if err == nil && j.State == state {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: %+v (err %v), want state %s", id, j, err, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func start(t *testing.T, r *Runner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	}
}

func TestRunsJobsAndNotifyWakes(t *testing.T) {
	s, _ := openStore(t)
	var ran sync.Map
	r := &Runner{Queue: s, Poll: time.Hour, Log: quiet(), Handler: func(ctx context.Context, j record.Job) error {
		ran.Store(j.CallID, true)
		return nil
	}}
	stop := start(t, r)
	defer stop()
	enqueue(t, s, "a", "b")
	r.Notify() // with an hour's poll, only the notify can start them
	waitState(t, s, "analyze/a", record.JobDone)
	waitState(t, s, "analyze/b", record.JobDone)
	if _, ok := ran.Load("a"); !ok {
		t.Fatal("handler did not see call a")
	}
	if c := r.Counts(); c.Done != 2 || c.Failed != 0 {
		t.Fatalf("counts %+v", c)
	}
}

func TestCrashResume(t *testing.T) {
	s, path := openStore(t)
	enqueue(t, s, "c")
	started := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &Runner{Queue: s, Poll: 10 * time.Millisecond, Log: quiet(), Handler: func(ctx context.Context, j record.Job) error {
		close(started)
		select {} // the process "dies" while the handler runs
	}}
	go r.Run(ctx)
	<-started
	if j, _ := s.GetJob("analyze/c"); j.State != record.JobRunning {
		t.Fatalf("before the crash: %+v", j)
	}
	// Simulate the crash: the file is closed with the job still marked running. bbolt's Close
	// waits for open transactions only, and the handler holds none.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var runs atomic.Int32
	r2 := &Runner{Queue: s2, Poll: 10 * time.Millisecond, Log: quiet(), Handler: func(ctx context.Context, j record.Job) error {
		runs.Add(1)
		return nil
	}}
	stop := start(t, r2)
	defer stop()
	j := waitState(t, s2, "analyze/c", record.JobDone)
	if runs.Load() != 1 || j.Attempts != 2 {
		t.Fatalf("after restart: %d runs, job %+v; want 1 run, attempts 2", runs.Load(), j)
	}
}

func TestRetryWithBackoffThenDone(t *testing.T) {
	s, _ := openStore(t)
	enqueue(t, s, "r")
	var mu sync.Mutex
	var at []time.Time
	r := &Runner{Queue: s, Poll: 5 * time.Millisecond, Backoff: 40 * time.Millisecond, Log: quiet(),
		Handler: func(ctx context.Context, j record.Job) error {
			mu.Lock()
			defer mu.Unlock()
			at = append(at, time.Now())
			if len(at) < 3 {
				return fmt.Errorf("engine unreachable (attempt %d)", j.Attempts)
			}
			return nil
		}}
	stop := start(t, r)
	defer stop()
	r.Notify()
	j := waitState(t, s, "analyze/r", record.JobDone)
	mu.Lock()
	defer mu.Unlock()
	if len(at) != 3 || j.Attempts != 3 {
		t.Fatalf("%d runs, attempts %d; want 3", len(at), j.Attempts)
	}
	// The waits only have a lower bound: the retry must not come before its backoff.
	if d := at[1].Sub(at[0]); d < 40*time.Millisecond {
		t.Errorf("first retry after %v, want ≥ 40ms", d)
	}
	if d := at[2].Sub(at[1]); d < 80*time.Millisecond {
		t.Errorf("second retry after %v, want ≥ 80ms (doubled)", d)
	}
	if c := r.Counts(); c.Retried != 2 || c.Done != 1 {
		t.Fatalf("counts %+v", c)
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	s, _ := openStore(t)
	enqueue(t, s, "x")
	r := &Runner{Queue: s, Poll: 5 * time.Millisecond, Backoff: time.Millisecond, MaxAttempts: 3, Log: quiet(),
		Handler: func(ctx context.Context, j record.Job) error { return errors.New("still down") }}
	stop := start(t, r)
	defer stop()
	j := waitState(t, s, "analyze/x", record.JobFailed)
	if j.Attempts != 3 || j.Error != "still down" {
		t.Fatalf("failed job %+v, want 3 attempts with the reason", j)
	}
}

func TestPermanentErrorFailsAtOnce(t *testing.T) {
	s, _ := openStore(t)
	enqueue(t, s, "p")
	r := &Runner{Queue: s, Poll: 5 * time.Millisecond, Backoff: time.Millisecond, Log: quiet(),
		Handler: func(ctx context.Context, j record.Job) error {
			return fmt.Errorf("call has no recording: %w", ErrPermanent)
		}}
	stop := start(t, r)
	defer stop()
	j := waitState(t, s, "analyze/p", record.JobFailed)
	if j.Attempts != 1 {
		t.Fatalf("permanent failure took %d attempts, want 1", j.Attempts)
	}
	if c := r.Counts(); c.Failed != 1 || c.Retried != 0 {
		t.Fatalf("counts %+v", c)
	}
}

func TestConcurrencyBound(t *testing.T) {
	s, _ := openStore(t)
	const jobs, limit = 12, 3
	for i := range jobs {
		enqueue(t, s, fmt.Sprintf("c%02d", i))
	}
	var cur, peak atomic.Int32
	release := make(chan struct{})
	r := &Runner{Queue: s, Concurrency: limit, Poll: 5 * time.Millisecond, Log: quiet(),
		Handler: func(ctx context.Context, j record.Job) error {
			n := cur.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			<-release
			cur.Add(-1)
			return nil
		}}
	stop := start(t, r)
	defer stop()
	deadline := time.Now().Add(10 * time.Second)
	for cur.Load() < limit && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // give an unbounded runner the chance to start more
	counts, _ := s.JobCounts()
	if got := cur.Load(); got != limit || counts[record.JobRunning] != limit {
		t.Fatalf("%d handlers running, %d jobs running in the store; want %d", got, counts[record.JobRunning], limit)
	}
	close(release)
	for i := range jobs {
		waitState(t, s, fmt.Sprintf("analyze/c%02d", i), record.JobDone)
	}
	if p := peak.Load(); p != limit {
		t.Fatalf("peak concurrency %d, want %d", p, limit)
	}
}

func TestHandlerPanicIsRetried(t *testing.T) {
	s, _ := openStore(t)
	enqueue(t, s, "boom")
	var n atomic.Int32
	r := &Runner{Queue: s, Poll: 5 * time.Millisecond, Backoff: time.Millisecond, Log: quiet(),
		Handler: func(ctx context.Context, j record.Job) error {
			if n.Add(1) == 1 {
				panic("bad input")
			}
			return nil
		}}
	stop := start(t, r)
	defer stop()
	j := waitState(t, s, "analyze/boom", record.JobDone)
	if j.Attempts != 2 {
		t.Fatalf("attempts %d, want 2", j.Attempts)
	}
}

func TestRetryDelay(t *testing.T) {
	r := &Runner{}
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}
	for i, w := range want {
		if got := r.RetryDelay(i + 1); got != w {
			t.Errorf("RetryDelay(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := r.RetryDelay(40); got != DefaultMaxBackoff {
		t.Errorf("RetryDelay(40) = %v, want the cap %v", got, DefaultMaxBackoff)
	}
}

// While Yield says so, no job starts; once it stops, the queued jobs run.
func TestYieldHoldsBackNewJobs(t *testing.T) {
	s, _ := openStore(t)
	enqueue(t, s, "c1")
	var busy atomic.Bool
	busy.Store(true)
	var ran atomic.Int64
	r := &Runner{Queue: s, Log: quiet(), Poll: 10 * time.Millisecond, Yield: busy.Load,
		Handler: func(ctx context.Context, j record.Job) error { ran.Add(1); return nil }}
	defer start(t, r)()
	time.Sleep(200 * time.Millisecond)
	if ran.Load() != 0 {
		t.Fatalf("a job ran while the runner had to yield")
	}
	if j := waitState(t, s, record.JobID(record.JobAnalyze, "c1"), record.JobQueued); j.Attempts != 0 {
		t.Fatalf("job %+v", j)
	}
	busy.Store(false)
	waitState(t, s, record.JobID(record.JobAnalyze, "c1"), record.JobDone)
}

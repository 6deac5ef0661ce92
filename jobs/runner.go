package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// Queue is what a Runner needs of the job store; *store.Store has these methods.
type Queue interface {
	ClaimJob(now time.Time) (record.Job, bool, error)
	FinishJob(id string) error
	FailJob(id, reason string, retryAt time.Time) error
}

// Defaults of a Runner's zero fields.
const (
	DefaultBackoff     = 10 * time.Second
	DefaultMaxBackoff  = 30 * time.Minute
	DefaultMaxAttempts = 5
	DefaultPoll        = time.Second
)

// Runner runs queued jobs. Set its fields, then call Run once; Notify and Counts may be called
// from any goroutine.
type Runner struct {
	Queue   Queue
	Handler func(ctx context.Context, j record.Job) error
	// Concurrency bounds the handlers running at once; 0 means runtime.NumCPU().
	Concurrency int
	// Backoff is the wait before the first retry, doubled for each further one up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// MaxAttempts is how many times a job runs before it fails for good.
	MaxAttempts int
	// Poll is how often an idle runner looks for due jobs (retries come due without a Notify).
	Poll time.Duration
	Now  func() time.Time // the clock; time.Now when nil
	Log  *slog.Logger
	// Yield, when set and true, holds back new jobs (those running go on): background work
	// gives way to what cannot wait, such as live calls at a peak. It is asked before each claim
	// and again every Poll.
	Yield func() bool

	once    sync.Once
	wake    chan struct{}
	running atomic.Int64
	done    atomic.Uint64
	failed  atomic.Uint64
	retried atomic.Uint64
}

// Counts are a runner's progress since it started, for the UI and Prometheus.
type Counts struct {
	Running int64  // handlers running now
	Done    uint64 // jobs finished
	Failed  uint64 // jobs failed for good
	Retried uint64 // failed attempts queued for another try
}

func (r *Runner) init() {
	r.once.Do(func() { r.wake = make(chan struct{}, 1) })
}

// Notify wakes the runner to look for jobs now: call it after enqueueing. It never blocks.
func (r *Runner) Notify() {
	r.init()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Counts returns the runner's progress.
func (r *Runner) Counts() Counts {
	return Counts{Running: r.running.Load(), Done: r.done.Load(), Failed: r.failed.Load(), Retried: r.retried.Load()}
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

// RetryDelay is the wait after a job's attempt-th failed attempt.
func (r *Runner) RetryDelay(attempt int) time.Duration {
	d, limit := r.Backoff, r.MaxBackoff
	if d <= 0 {
		d = DefaultBackoff
	}
	if limit <= 0 {
		limit = DefaultMaxBackoff
	}
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// Run claims and runs jobs until ctx ends, then waits for the running handlers (whose context
// ends too) and returns ctx's error. A job cut short that way is queued again at once.
func (r *Runner) Run(ctx context.Context) error {
	if r.Queue == nil || r.Handler == nil {
		return errors.New("jobs: runner needs a Queue and a Handler")
	}
	r.init()
	n := r.Concurrency
	if n <= 0 {
		n = runtime.NumCPU()
	}
	poll := r.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	slots := make(chan struct{}, n)
	freed := make(chan struct{}, n)
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		// Fill the free slots with due jobs, unless the runner must give way.
		for len(slots) < n && (r.Yield == nil || !r.Yield()) {
			j, ok, err := r.Queue.ClaimJob(r.now())
			if err != nil {
				r.log().Error("jobs: claim", "err", err)
				break
			}
			if !ok {
				break
			}
			slots <- struct{}{}
			r.running.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.run(ctx, j)
				r.running.Add(-1)
				<-slots
				freed <- struct{}{}
			}()
		}
		timer.Reset(poll)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.wake:
		case <-freed:
		case <-timer.C:
		}
		timer.Stop() // since Go 1.23 a stopped timer delivers no stale tick after Reset
	}
}

// run runs one job's handler and records its outcome.
func (r *Runner) run(ctx context.Context, j record.Job) {
	log := r.log().With("job", j.ID, "attempt", j.Attempts)
	// Counters move before the store does, so whoever sees the outcome stored sees it counted.
	err := r.call(ctx, j)
	var rerr error
	switch {
	case err == nil:
		r.done.Add(1)
		rerr = r.Queue.FinishJob(j.ID)
	case ctx.Err() != nil:
		// Shutting down: not the job's fault, try again when the runner next runs.
		rerr = r.Queue.FailJob(j.ID, "interrupted: "+err.Error(), r.now())
	case errors.Is(err, ErrPermanent) || j.Attempts >= r.maxAttempts():
		log.Warn("jobs: failed", "err", err)
		r.failed.Add(1)
		rerr = r.Queue.FailJob(j.ID, err.Error(), time.Time{})
	default:
		delay := r.RetryDelay(j.Attempts)
		log.Info("jobs: will retry", "err", err, "in", delay)
		r.retried.Add(1)
		rerr = r.Queue.FailJob(j.ID, err.Error(), r.now().Add(delay))
	}
	if rerr != nil {
		// The job stays running in the store; the next Open queues it again.
		log.Error("jobs: record outcome", "err", rerr)
	}
}

func (r *Runner) maxAttempts() int {
	if r.MaxAttempts <= 0 {
		return DefaultMaxAttempts
	}
	return r.MaxAttempts
}

// call runs the handler, turning a panic into an error so one bad call cannot stop the runner.
func (r *Runner) call(ctx context.Context, j record.Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return r.Handler(ctx, j)
}

package media

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Paced is a sender the shared pacer drives: every 20 ms it sends one frame.
// RTP sessions and WebRTC legs are both paced this way.
type Paced interface {
	// Tick sends the next frame; now is when the pacer's tick fired. Tick
	// runs on the pacer's goroutine, shared with other senders: it must not
	// block, and it must not call the stop function Pace returned for it.
	Tick(now time.Time)
}

// Pace has the shared pacer call p.Tick every 20 ms until stop is called.
// After stop returns, Tick is not running for p and is not called again;
// calling stop more than once is harmless.
func Pace(p Paced) (stop func()) { return pacer.add(p) }

// pacer drives every paced sender from a few shared tickers (one shard per
// CPU) instead of a ticker and goroutine per call.
//
// Each shard splits the 20 ms frame period into pacerSlots slots and gives
// every sender a fixed slot: on each slot tick the shard ticks the senders
// of that slot only. A sender is therefore served every 20 ms at the same
// offset, the work is spread evenly over the period instead of one burst
// per frame, and each walk is short, so a preemption of the shard's thread
// delays few packets.
//
// Each shard runs on a thread of its own, above normal priority where the
// process may raise it (pacer_priority_linux.go), and sleeps to an
// absolute schedule of the monotonic clock (pacer_clock_linux.go: no
// drift, no Go timer in between). RTP timing is what a busy machine
// degrades first; this keeps the kernel's scheduler on the pacer's side.
var pacer = newPacerPool(runtime.GOMAXPROCS(0))

const pacerSlots = 10

type pacerPool struct {
	shards []*pacerShard
	next   atomic.Uint32
}

type pacerShard struct {
	mu      sync.Mutex // guards slots and started; held for a whole slot walk
	slots   [pacerSlots][]*pacedEntry
	started bool
}

// pacedEntry is one registration: the same sender may be paced twice, and
// each stop must remove its own.
type pacedEntry struct{ p Paced }

func newPacerPool(n int) *pacerPool {
	if n < 1 {
		n = 1
	}
	p := &pacerPool{shards: make([]*pacerShard, n)}
	for i := range p.shards {
		p.shards[i] = &pacerShard{}
	}
	return p
}

func (pl *pacerPool) add(p Paced) (stop func()) {
	sh := pl.shards[int(pl.next.Add(1))%len(pl.shards)]
	e := &pacedEntry{p}
	sh.mu.Lock()
	// The least busy slot keeps the load even across the period.
	slot := 0
	for i := range sh.slots {
		if len(sh.slots[i]) < len(sh.slots[slot]) {
			slot = i
		}
	}
	sh.slots[slot] = append(sh.slots[slot], e)
	if !sh.started {
		sh.started = true
		go sh.run()
	}
	sh.mu.Unlock()
	return func() { sh.remove(slot, e) }
}

// remove takes e out of its slot. The slot walk holds the lock, so once
// remove has it, e's Tick is not running; afterwards it is not in the slot.
// A slot holds a few dozen senders, so finding e by a scan costs less than
// keeping an index up to date.
func (sh *pacerShard) remove(slot int, e *pacedEntry) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	list := sh.slots[slot]
	for i, x := range list {
		if x == e {
			last := len(list) - 1
			list[i] = list[last]
			list[last] = nil
			sh.slots[slot] = list[:last]
			return
		}
	}
}

// CheckPacerPriority tells whether the pacer's threads can run above
// normal priority (nice pacerNice), and if not, why: it raises a thread of
// its own the same way and lets it end. For the startup log.
func CheckPacerPriority() (nice int, err error) {
	ch := make(chan error, 1)
	go func() {
		// The goroutine ends locked, which ends its thread and the
		// priority with it.
		runtime.LockOSThread()
		ch <- raiseThreadPriority()
	}()
	if err := <-ch; err != nil {
		return 0, err
	}
	return pacerNice, nil
}

func (sh *pacerShard) run() {
	// A thread of its own at a higher priority (pacer_priority_*.go). The
	// thread ends with the goroutine when the shard goes idle, which is
	// also how its priority is dropped.
	runtime.LockOSThread()
	if os.Getenv("HOTLINE_PACER_PRIORITY") != "normal" {
		_ = raiseThreadPriority() // CheckPacerPriority reports a failure at startup
	}
	const period = FrameDurationMs * time.Millisecond / pacerSlots
	if os.Getenv("HOTLINE_PACER") == "ticker" {
		sh.runTicker(period)
		return
	}
	clock := newPacerClock(period)
	var done int64 // slot ticks served so far
	for {
		// Serve every slot whose time has come: after a stall the late
		// slots are served at once rather than skipped (up to one period).
		due := clock.sleepUntil(done + 1)
		if due-done > pacerSlots {
			done = due - pacerSlots
		}
		now := time.Now()
		for ; done < due; done++ {
			if sh.tickSlot(done, now) {
				return
			}
		}
	}
}

// tickSlot ticks the senders of slot tick k; it reports true when the shard
// has nothing left to pace and has stopped.
func (sh *pacerShard) tickSlot(k int64, now time.Time) (stopped bool) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for _, e := range sh.slots[k%pacerSlots] {
		e.p.Tick(now)
	}
	if sh.idleLocked() {
		// Nothing to pace: stop waking up; the next add starts again.
		sh.started = false
		return true
	}
	return false
}

func (sh *pacerShard) runTicker(period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	start := time.Now()
	var done int64 // slot ticks served so far
	for now := range t.C {
		due := int64(now.Sub(start) / period)
		if due-done > pacerSlots {
			done = due - pacerSlots
		}
		for ; done < due; done++ {
			if sh.tickSlot(done, now) {
				return
			}
		}
	}
}

func (sh *pacerShard) idleLocked() bool {
	for i := range sh.slots {
		if len(sh.slots[i]) > 0 {
			return false
		}
	}
	return true
}

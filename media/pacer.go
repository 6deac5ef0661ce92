package media

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// pacer drives every RTP session's sender from a few shared tickers (one
// shard per CPU) instead of a ticker and goroutine per call.
//
// Each shard splits the 20 ms frame period into pacerSlots slots and gives
// every session a fixed slot: on each slot tick the shard sends one packet
// for the sessions of that slot only. A session is therefore served every
// 20 ms at the same offset, the work is spread evenly over the period
// instead of one burst per frame, and each walk is short, so a preemption of
// the shard's thread delays few packets. time.Ticker keeps an absolute
// schedule (no drift) and drops ticks rather than bunching them.
var pacer = newPacerPool(runtime.GOMAXPROCS(0))

const pacerSlots = 10

type pacerPool struct {
	shards []*pacerShard
	next   atomic.Uint32
}

type pacerShard struct {
	mu      sync.Mutex
	slots   [pacerSlots][]*RTPSession
	started bool
}

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

func (p *pacerPool) add(s *RTPSession) {
	sh := p.shards[int(p.next.Add(1))%len(p.shards)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	// The least busy slot keeps the load even across the period.
	best := 0
	for i := range sh.slots {
		if len(sh.slots[i]) < len(sh.slots[best]) {
			best = i
		}
	}
	s.pacerShard, s.pacerSlot, s.pacerIndex = sh, best, len(sh.slots[best])
	sh.slots[best] = append(sh.slots[best], s)
	if !sh.started {
		sh.started = true
		go sh.run()
	}
}

// remove takes s out of its shard; after it returns, tick is not running
// for s and will not be called again.
func (p *pacerPool) remove(s *RTPSession) {
	sh := s.pacerShard
	if sh == nil {
		return
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	list := sh.slots[s.pacerSlot]
	i := s.pacerIndex
	if i < 0 || i >= len(list) || list[i] != s {
		return
	}
	last := len(list) - 1
	list[i] = list[last]
	list[i].pacerIndex = i
	list[last] = nil
	sh.slots[s.pacerSlot] = list[:last]
	s.pacerIndex = -1
}

func (sh *pacerShard) run() {
	const period = FrameDurationMs * time.Millisecond / pacerSlots
	t := time.NewTicker(period)
	defer t.Stop()
	start := time.Now()
	var done int64 // slot ticks served so far
	for now := range t.C {
		// Serve every slot whose time has come: a tick the ticker dropped
		// (the process was starved) is served late rather than skipped.
		due := int64(now.Sub(start) / period)
		if due-done > pacerSlots {
			done = due - pacerSlots
		}
		for ; done < due; done++ {
			// The lock is held for the whole walk so remove() can
			// guarantee that a closed session is never ticked again.
			sh.mu.Lock()
			for _, s := range sh.slots[done%pacerSlots] {
				s.tick(now)
			}
			sh.mu.Unlock()
		}
	}
}

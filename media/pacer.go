package media

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// pacer drives every RTP session's sender from a few shared tickers (one
// shard per CPU) instead of a ticker and goroutine per call. Each shard
// walks its sessions in a stable order on every 20 ms tick, so a session's
// packets leave at a steady offset within the tick and its send interval
// stays at 20 ms however many calls are up. time.Ticker keeps an absolute
// schedule (no drift) and drops ticks rather than bunching them.
var pacer = newPacerPool(runtime.GOMAXPROCS(0))

type pacerPool struct {
	shards []*pacerShard
	next   atomic.Uint32
}

type pacerShard struct {
	mu       sync.Mutex
	sessions []*RTPSession
	started  bool
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
	s.pacerShard = sh
	s.pacerSlot = len(sh.sessions)
	sh.sessions = append(sh.sessions, s)
	if !sh.started {
		sh.started = true
		go sh.run()
	}
	sh.mu.Unlock()
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
	i := s.pacerSlot
	if i < 0 || i >= len(sh.sessions) || sh.sessions[i] != s {
		return
	}
	last := len(sh.sessions) - 1
	sh.sessions[i] = sh.sessions[last]
	sh.sessions[i].pacerSlot = i
	sh.sessions[last] = nil
	sh.sessions = sh.sessions[:last]
	s.pacerSlot = -1
}

func (sh *pacerShard) run() {
	t := time.NewTicker(FrameDurationMs * time.Millisecond)
	defer t.Stop()
	for now := range t.C {
		// The lock is held for the whole walk so remove() can guarantee
		// that a closed session is never ticked again.
		sh.mu.Lock()
		for _, s := range sh.sessions {
			s.tick(now)
		}
		sh.mu.Unlock()
	}
}

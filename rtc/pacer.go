package rtc

import (
	"runtime"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// The shared pacer sends every WebRTC leg's next frame from one ticker per
// core, instead of a ticker and a goroutine wake-up per leg every 20 ms.
type pacer struct {
	once   sync.Once
	shards []*pacerShard
	mu     sync.Mutex
	next   int
}

type pacerShard struct {
	mu   sync.Mutex
	legs map[*Leg]struct{}
	list []*Leg // reused snapshot
}

var legPacer pacer

func (p *pacer) add(l *Leg) {
	p.once.Do(func() {
		for range runtime.GOMAXPROCS(0) {
			sh := &pacerShard{legs: map[*Leg]struct{}{}}
			p.shards = append(p.shards, sh)
			go sh.run()
		}
	})
	p.mu.Lock()
	sh := p.shards[p.next%len(p.shards)]
	p.next++
	p.mu.Unlock()
	sh.mu.Lock()
	sh.legs[l] = struct{}{}
	sh.mu.Unlock()
	go func() {
		<-l.ctx.Done()
		sh.mu.Lock()
		delete(sh.legs, l)
		sh.mu.Unlock()
	}()
}

func (sh *pacerShard) run() {
	t := time.NewTicker(media.FrameDurationMs * time.Millisecond)
	defer t.Stop()
	for range t.C {
		sh.mu.Lock()
		sh.list = sh.list[:0]
		for l := range sh.legs {
			sh.list = append(sh.list, l)
		}
		sh.mu.Unlock()
		for _, l := range sh.list {
			l.sendFrame()
		}
	}
}

// sendFrame encodes the next queued frame, or silence, and sends it to the
// browser.
func (l *Leg) sendFrame() {
	if l.ctx.Err() != nil {
		return
	}
	f := l.silence
	select {
	case f = <-l.outQ:
	default:
	}
	if err := l.enc.WriteFrame(f); err != nil && !l.encFailed && l.ctx.Err() == nil {
		l.encFailed = true // once per leg: the pacer runs every 20 ms
		l.log.Warn("webrtc send failed", "leg", l.id, "err", err)
	}
}

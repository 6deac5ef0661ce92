package media

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tickLog is a Paced that notes when it is ticked; hold keeps each tick
// busy for that long.
type tickLog struct {
	hold    time.Duration
	running atomic.Bool
	mu      sync.Mutex
	at      []time.Time
}

func (l *tickLog) Tick(time.Time) {
	l.running.Store(true)
	if l.hold > 0 {
		time.Sleep(l.hold)
	}
	l.mu.Lock()
	l.at = append(l.at, time.Now())
	l.mu.Unlock()
	l.running.Store(false)
}

func (l *tickLog) ticks() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.at)
}

// A paced sender is ticked every 20 ms.
func TestPaceTicksEvery20ms(t *testing.T) {
	var l tickLog
	stop := Pace(&l)
	start := time.Now()
	time.Sleep(400 * time.Millisecond)
	stop()
	ticks := l.ticks()
	if n := len(ticks); n < 15 || n > 21 {
		t.Fatalf("%d ticks in %v, want about 20", n, time.Since(start))
	}
	var gaps []time.Duration
	for i := 1; i < len(ticks); i++ {
		gaps = append(gaps, ticks[i].Sub(ticks[i-1]))
	}
	slices.Sort(gaps)
	if med := gaps[len(gaps)/2]; med < 18*time.Millisecond || med > 22*time.Millisecond {
		t.Errorf("median interval %v, want 20 ms (intervals %v)", med, gaps)
	}
}

// Once stop returns, the sender's Tick is not running and is not called
// again, even when stop is called in the middle of a tick.
func TestPaceStopWaitsForTick(t *testing.T) {
	pool := newPacerPool(1)
	for range 5 {
		l := &tickLog{hold: 3 * time.Millisecond}
		stop := pool.add(l)
		deadline := time.Now().Add(time.Second)
		for !l.running.Load() {
			if time.Now().After(deadline) {
				t.Fatal("never ticked")
			}
			time.Sleep(100 * time.Microsecond)
		}
		stop()
		if l.running.Load() {
			t.Fatal("Tick still running after stop returned")
		}
		n := len(l.ticks())
		time.Sleep(60 * time.Millisecond)
		if m := len(l.ticks()); m != n {
			t.Fatalf("%d ticks after stop", m-n)
		}
		stop() // twice: harmless
	}
}

// Senders are spread evenly over a shard's slots, stop removes exactly the
// registration it belongs to, and a shard with nothing to pace stops.
func TestPacerSlots(t *testing.T) {
	pool := newPacerPool(1)
	sh := pool.shards[0]
	sizes := func() []int {
		sh.mu.Lock()
		defer sh.mu.Unlock()
		var n []int
		for i := range sh.slots {
			n = append(n, len(sh.slots[i]))
		}
		return n
	}
	var l tickLog
	var stops []func()
	for range 10 * pacerSlots {
		stops = append(stops, pool.add(&l)) // the same sender, registered 100 times
	}
	for i, n := range sizes() {
		if n != 10 {
			t.Fatalf("slot %d holds %d senders, want 10 (%v)", i, n, sizes())
		}
	}
	for _, stop := range stops[:pacerSlots] { // one from each slot
		stop()
		stop()
	}
	for i, n := range sizes() {
		if n != 9 {
			t.Fatalf("after 10 stops slot %d holds %d senders, want 9 (%v)", i, n, sizes())
		}
	}
	for _, stop := range stops {
		stop()
	}
	deadline := time.Now().Add(time.Second)
	for {
		sh.mu.Lock()
		started := sh.started
		sh.mu.Unlock()
		if !started {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the shard keeps running with nothing to pace")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// It starts again for the next sender.
	stop := pool.add(&l)
	defer stop()
	n := len(l.ticks())
	time.Sleep(100 * time.Millisecond)
	if m := len(l.ticks()); m-n < 3 {
		t.Fatalf("%d ticks in 100 ms after a restart", m-n)
	}
}

package admission

import (
	"math"
	"net/netip"
	"sync"
	"time"
)

// Rate is a token bucket: PerSecond tokens are added each second up to Burst; each request takes
// one. PerSecond 0 turns the limit off.
type Rate struct {
	PerSecond float64
	Burst     int
}

// bucketKey: one bucket per source address and method.
type bucketKey struct {
	addr   netip.Addr
	method Method
}

type bucket struct {
	tokens float64
	last   int64 // unix nanoseconds of the last refill
}

// take refills b at r up to now and takes a token; without one it says how long until there is.
func (b *bucket) take(r Rate, now int64) (ok bool, wait time.Duration) {
	if elapsed := now - b.last; elapsed > 0 {
		b.tokens = math.Min(float64(r.Burst), b.tokens+float64(elapsed)/1e9*r.PerSecond)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / r.PerSecond * 1e9)
}

// buckets is the table of per-source buckets. Its memory is bounded: a bucket that has been idle
// long enough to be full again is the same as no bucket, so sweeps delete those; and when the table
// holds max buckets even after a sweep, the sources it has no room for share one overflow bucket
// per method, so a flood from many (spoofed) addresses is limited too, at the cost of new sources
// sharing that bucket until old ones expire.
type buckets struct {
	rates [methods]Rate

	mu        sync.Mutex
	m         map[bucketKey]*bucket
	overflow  [methods]bucket
	max       int
	lastSweep int64
	overflows uint64 // requests that used an overflow bucket
}

// sweepEvery is how often idle buckets are deleted, and the least time between sweeps when the
// table is full (so a full table does not make every request walk it).
const sweepEvery = int64(time.Second)

func newBuckets(invite, register Rate, max int) *buckets {
	b := &buckets{m: map[bucketKey]*bucket{}, max: max}
	b.rates[Invite], b.rates[Register] = invite, register
	for i := range b.overflow {
		b.overflow[i].tokens = float64(b.rates[i].Burst)
	}
	return b
}

// limited reports whether m has a bucket at all.
func (b *buckets) limited(m Method) bool { return b.rates[m].PerSecond > 0 }

// take takes a token from src's bucket for m.
func (b *buckets) take(src netip.Addr, m Method, now int64) (bool, time.Duration) {
	r := b.rates[m]
	k := bucketKey{src, m}
	b.mu.Lock()
	defer b.mu.Unlock()
	if now-b.lastSweep >= sweepEvery {
		b.sweep(now)
	}
	bk := b.m[k]
	if bk == nil {
		if len(b.m) >= b.max {
			b.overflows++
			return b.overflow[m].take(r, now)
		}
		bk = &bucket{tokens: float64(r.Burst), last: now}
		b.m[k] = bk
	}
	return bk.take(r, now)
}

// sweep deletes the buckets that are full again.
func (b *buckets) sweep(now int64) {
	b.lastSweep = now
	for k, bk := range b.m {
		r := b.rates[k.method]
		if float64(now-bk.last)/1e9*r.PerSecond+bk.tokens >= float64(r.Burst) {
			delete(b.m, k)
		}
	}
}

// size is the number of buckets held.
func (b *buckets) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}

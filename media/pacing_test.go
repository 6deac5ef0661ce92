package media

import (
	"math"
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	var h durationHistogram
	for _, tc := range []struct {
		d      time.Duration
		bucket int
	}{
		{-time.Millisecond, 0},
		{0, 0},
		{249 * time.Microsecond, 0},
		{250 * time.Microsecond, 1},
		{20 * time.Millisecond, 80},
		{20*time.Millisecond + 249*time.Microsecond, 80},
		{60*time.Millisecond - 1, 239},
		{60 * time.Millisecond, 240}, // the overflow bucket
		{time.Hour, 240},
	} {
		before := h.snapshot()
		h.observe(tc.d)
		got := h.snapshot().Since(before)
		if got.Total() != 1 || got[tc.bucket] != 1 {
			t.Errorf("%v: counted in %v, want bucket %d", tc.d, nonEmpty(got), tc.bucket)
		}
	}
	c := h.snapshot()
	if lo, hi := c.BucketBounds(80); lo != 20*time.Millisecond || hi != 20*time.Millisecond+PacingBucketWidth {
		t.Errorf("bucket 80 is [%v, %v)", lo, hi)
	}
	if lo, hi := c.BucketBounds(240); lo != 60*time.Millisecond || hi != math.MaxInt64 {
		t.Errorf("the overflow bucket is [%v, %v)", lo, hi)
	}
}

func nonEmpty(h HistogramCounts) map[int]uint64 {
	m := map[int]uint64{}
	for i, c := range h {
		if c > 0 {
			m[i] = c
		}
	}
	return m
}

func TestHistogramQuantile(t *testing.T) {
	var h durationHistogram
	if _, _, ok := h.snapshot().Quantile(0.5); ok {
		t.Error("a quantile of an empty histogram")
	}
	// 100 intervals: 97 of 20.1 ms, 2 of 22.6 ms, 1 of 70 ms.
	for range 97 {
		h.observe(20100 * time.Microsecond)
	}
	h.observe(22600 * time.Microsecond)
	h.observe(22600 * time.Microsecond)
	h.observe(70 * time.Millisecond)
	c := h.snapshot()
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	for _, tc := range []struct {
		q      float64
		lo, hi time.Duration
	}{
		{0.01, ms(20), ms(20.25)},
		{0.5, ms(20), ms(20.25)},
		{0.97, ms(20), ms(20.25)}, // the 97th smallest: still 20.1 ms
		{0.98, ms(22.5), ms(22.75)},
		{0.99, ms(22.5), ms(22.75)}, // rank 99 exactly, not 100 (0.99 × 100 rounds up in floating point)
		{0.999, ms(60), math.MaxInt64},
		{1, ms(60), math.MaxInt64},
	} {
		lo, hi, ok := c.Quantile(tc.q)
		if !ok || lo != tc.lo || hi != tc.hi {
			t.Errorf("q%v: [%v, %v) %v, want [%v, %v)", tc.q, lo, hi, ok, tc.lo, tc.hi)
		}
	}
	// Since keeps only what came later.
	h.observe(ms(5))
	later := h.snapshot().Since(c)
	if later.Total() != 1 {
		t.Fatalf("%d observations since the snapshot, want 1", later.Total())
	}
	if lo, _, _ := later.Quantile(0.5); lo != ms(5) {
		t.Errorf("median since the snapshot %v, want 5 ms", lo)
	}
}

// The meter measures intervals between packets written, not across a tick
// that wrote none, and one audio start per talkspurt.
func TestSendMeter(t *testing.T) {
	var iv, st durationHistogram
	m := newSendMeter(&iv, &st)
	t0 := time.Now()
	at := func(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }

	m.Took(false)
	m.Sent(at(0), time.Time{})
	m.Took(false)
	m.Sent(at(20), time.Time{})
	m.Took(false)
	m.Skipped() // held: no packet
	m.Took(false)
	m.Sent(at(60), time.Time{}) // 40 ms after the last packet, but not an interval of the pacer's
	m.Took(false)
	m.Sent(at(81), time.Time{})
	c := iv.snapshot()
	if c.Total() != 2 || c[80] != 1 || c[84] != 1 {
		t.Fatalf("intervals %v, want one of 20 ms and one of 21 ms", nonEmpty(c))
	}

	// A talkspurt: three frames queued after a silence.
	m.Queued()
	queued := time.Now()
	m.Queued()
	start := m.Took(true)
	if start.IsZero() || start.After(queued) {
		t.Fatalf("the first frame of a talkspurt starts at %v, queued by %v", start, queued)
	}
	m.Sent(start.Add(7*time.Millisecond), start)
	for range 2 {
		if s := m.Took(true); !s.IsZero() {
			t.Fatal("a frame in the middle of a talkspurt counts as a start")
		}
	}
	// Audio flowing some other way (a relay) is not idle either: what waits
	// in the queue meanwhile starts nothing.
	m.Took(false)
	m.Took(true)
	m.Queued()
	if s := m.Took(true); !s.IsZero() {
		t.Fatal("a frame queued while audio flowed counts as a start")
	}
	// Flushed frames start nothing; a later frame does.
	m.Took(false)
	m.Queued()
	m.Flushed()
	if s := m.Took(true); !s.IsZero() {
		t.Fatal("a flushed frame counts as a start")
	}
	m.Took(false)
	m.Queued()
	if s := m.Took(true); s.IsZero() {
		t.Fatal("no start after a silence")
	}
	c = st.snapshot()
	if c.Total() != 1 || c[28] != 1 {
		t.Fatalf("audio starts %v, want one of 7 ms", nonEmpty(c))
	}
}

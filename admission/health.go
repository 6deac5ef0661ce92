package admission

import (
	"runtime/metrics"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// MediaProbe measures the media path from figures the process keeps anyway: media's RTP
// send-interval histogram (written when each paced packet is written, so it sees the pacer's
// lateness, the scheduler's and the socket's) and the Go runtime's scheduler-latency histogram.
// Each sample is the difference from the previous one, so it describes the last window only.
type MediaProbe struct {
	mu        sync.Mutex
	intervals media.HistogramCounts
	sched     []uint64
	samples   []metrics.Sample
}

// NewMediaProbe starts measuring from now.
func NewMediaProbe() *MediaProbe {
	p := &MediaProbe{samples: []metrics.Sample{{Name: "/sched/latencies:seconds"}}}
	p.Sample()
	return p
}

// Sample implements Probe.
func (p *MediaProbe) Sample() Health {
	p.mu.Lock()
	defer p.mu.Unlock()
	var h Health
	now := sendIntervals()
	if len(p.intervals) == len(now) {
		diff := make(media.HistogramCounts, len(now))
		for i := range now {
			diff[i] = now[i] - p.intervals[i]
			h.Intervals += diff[i]
		}
		h.SendJitter = jitterP99(diff)
	}
	p.intervals = now
	metrics.Read(p.samples)
	if p.samples[0].Value.Kind() == metrics.KindFloat64Histogram {
		sh := p.samples[0].Value.Float64Histogram()
		if len(p.sched) == len(sh.Counts) {
			h.SchedLatency = schedP99(sh, p.sched)
		}
		p.sched = append(p.sched[:0], sh.Counts...)
	}
	return h
}

// sendIntervals sums the send-interval histograms of every kind of leg.
func sendIntervals() media.HistogramCounts {
	var out media.HistogramCounts
	for _, k := range media.PacingKinds() {
		h := media.SendIntervalHistogram(k)
		if out == nil {
			out = h
			continue
		}
		for i := range h {
			out[i] += h[i]
		}
	}
	return out
}

// jitterP99 is the p99 of |interval − 20 ms| of a send-interval histogram, rounded up to the
// histogram's resolution: it walks outward from 20 ms one bucket on each side at a time until 99 %
// of the intervals are inside.
func jitterP99(h media.HistogramCounts) time.Duration {
	var total uint64
	for _, c := range h {
		total += c
	}
	if total == 0 {
		return 0
	}
	need := total - total/100 // at least 99 %
	mid := int(media.FrameDurationMs * time.Millisecond / media.PacingBucketWidth)
	var in uint64
	for ring := 0; ; ring++ {
		hi, lo := mid+ring, mid-1-ring
		if hi < len(h) {
			in += h[hi]
		}
		if lo >= 0 {
			in += h[lo]
		}
		if in >= need || (hi >= len(h) && lo < 0) {
			return time.Duration(ring+1) * media.PacingBucketWidth
		}
	}
}

// schedP99 is the p99 of the scheduler latencies counted since prev, at the upper bound of its bucket.
func schedP99(h *metrics.Float64Histogram, prev []uint64) time.Duration {
	var total uint64
	for i, c := range h.Counts {
		total += c - prev[i]
	}
	if total == 0 {
		return 0
	}
	need := total - total/100
	var in uint64
	for i, c := range h.Counts {
		in += c - prev[i]
		if in >= need {
			up := h.Buckets[i+1]
			if up > 3600 { // +Inf
				up = h.Buckets[i]
			}
			return time.Duration(up * 1e9)
		}
	}
	return 0
}

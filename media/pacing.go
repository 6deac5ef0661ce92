package media

import (
	"sync/atomic"
	"time"
)

// PacingBucketWidth is the resolution of the pacing histograms.
const PacingBucketWidth = 250 * time.Microsecond

const pacingBuckets = 241 // 0 … 60 ms, the last bucket holds everything above

// durationHistogram counts durations of up to 60 ms in PacingBucketWidth
// buckets: one atomic add per observation.
type durationHistogram [pacingBuckets]atomic.Uint64

func (h *durationHistogram) observe(d time.Duration) {
	i := int(d / PacingBucketWidth)
	if i >= pacingBuckets {
		i = pacingBuckets - 1
	}
	if i < 0 {
		i = 0
	}
	h[i].Add(1)
}

func (h *durationHistogram) snapshot() []uint64 {
	out := make([]uint64, pacingBuckets)
	for i := range h {
		out[i] = h[i].Load()
	}
	return out
}

// pacing counts the intervals between consecutive paced RTP packets of
// every session, read by metrics and benchmarks to show that 20 ms stays
// 20 ms under load. audioStart counts how long the first frame of outbound
// audio (a prompt, a bot reply) waits for its packet to leave after a
// silence: the pacer's share of every answer's latency.
var pacing, audioStart durationHistogram

func observePacing(d time.Duration) { pacing.observe(d) }

// PacingHistogram returns the counts of send intervals; bucket i covers
// [i, i+1) × PacingBucketWidth, the last bucket everything longer.
func PacingHistogram() []uint64 { return pacing.snapshot() }

// AudioStartHistogram returns the counts of delays from queuing the first
// frame of outbound audio to sending its packet, bucketed as PacingHistogram.
func AudioStartHistogram() []uint64 { return audioStart.snapshot() }

// PacingQuantile returns the q-quantile (0..1) of a histogram from PacingHistogram.
func PacingQuantile(h []uint64, q float64) time.Duration {
	var total uint64
	for _, c := range h {
		total += c
	}
	if total == 0 {
		return 0
	}
	want := uint64(q * float64(total))
	var acc uint64
	for i, c := range h {
		acc += c
		if acc > want {
			return time.Duration(i)*PacingBucketWidth + PacingBucketWidth/2
		}
	}
	return time.Duration(len(h)) * PacingBucketWidth
}

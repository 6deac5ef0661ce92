package media

import (
	"sync/atomic"
	"time"
)

// PacingBucketWidth is the resolution of the pacing histogram.
const PacingBucketWidth = 250 * time.Microsecond

const pacingBuckets = 241 // 0 … 60 ms, the last bucket holds everything above

// pacing counts the intervals between consecutive paced RTP packets of
// every session: one atomic add per packet, read by metrics and benchmarks
// to show that 20 ms stays 20 ms under load.
var pacing [pacingBuckets]atomic.Uint64

func observePacing(d time.Duration) {
	i := int(d / PacingBucketWidth)
	if i >= pacingBuckets {
		i = pacingBuckets - 1
	}
	if i < 0 {
		i = 0
	}
	pacing[i].Add(1)
}

// PacingHistogram returns the counts of send intervals; bucket i covers
// [i, i+1) × PacingBucketWidth, the last bucket everything longer.
func PacingHistogram() []uint64 {
	out := make([]uint64, pacingBuckets)
	for i := range pacing {
		out[i] = pacing[i].Load()
	}
	return out
}

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

package media

import (
	"math"
	"sync/atomic"
	"time"
)

// The pacing histograms show that 20 ms stays 20 ms under load, for each
// kind of leg: the interval between consecutive packets a paced sender
// writes, and how long the first frame of outbound audio after a silence (a
// prompt, a bot reply) waits until its packet is written, the pacer's share
// of every answer's latency. Metrics and benchmarks read them.

// PacingKind is the kind of leg a paced stream belongs to.
type PacingKind uint8

const (
	PacingSIP    PacingKind = iota // RTP sessions: SIP legs
	PacingWebRTC                   // WebRTC legs
	pacingKinds
)

// PacingKinds lists every kind, for exporting the histograms.
func PacingKinds() []PacingKind { return []PacingKind{PacingSIP, PacingWebRTC} }

func (k PacingKind) String() string {
	switch k {
	case PacingSIP:
		return "sip"
	case PacingWebRTC:
		return "webrtc"
	}
	return "unknown"
}

// PacingBucketWidth is the resolution of the pacing histograms.
const PacingBucketWidth = 250 * time.Microsecond

// pacingBuckets: 240 buckets of 0.25 ms cover 0 … 60 ms; the last one, the
// overflow bucket, holds everything from 60 ms up.
const pacingBuckets = 241

// durationHistogram counts durations in PacingBucketWidth buckets: one
// atomic add per observation.
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

func (h *durationHistogram) snapshot() HistogramCounts {
	out := make(HistogramCounts, pacingBuckets)
	for i := range h {
		out[i] = h[i].Load()
	}
	return out
}

var sendInterval, audioStart [pacingKinds]durationHistogram

// SendIntervalHistogram returns the counts of intervals between consecutive
// packets written by the paced senders of kind k, since the process started.
func SendIntervalHistogram(k PacingKind) HistogramCounts { return sendInterval[k].snapshot() }

// AudioStartHistogram returns the counts of delays from queuing the first
// frame of outbound audio after a silence to writing its packet, for the
// legs of kind k.
func AudioStartHistogram(k PacingKind) HistogramCounts { return audioStart[k].snapshot() }

// HistogramCounts is a snapshot of a pacing histogram: bucket i counts
// durations in [i, i+1) × PacingBucketWidth; the last bucket counts
// everything from (len-1) × PacingBucketWidth up.
type HistogramCounts []uint64

// Total is the number of observations.
func (h HistogramCounts) Total() uint64 {
	var n uint64
	for _, c := range h {
		n += c
	}
	return n
}

// Since returns what was counted after the earlier snapshot.
func (h HistogramCounts) Since(earlier HistogramCounts) HistogramCounts {
	out := make(HistogramCounts, len(h))
	for i, c := range h {
		if i < len(earlier) {
			c -= earlier[i]
		}
		out[i] = c
	}
	return out
}

// BucketBounds returns bucket i's range [lo, hi); for the overflow bucket
// hi is math.MaxInt64 (no bound).
func (h HistogramCounts) BucketBounds(i int) (lo, hi time.Duration) {
	lo = time.Duration(i) * PacingBucketWidth
	if i == len(h)-1 {
		return lo, math.MaxInt64
	}
	return lo, lo + PacingBucketWidth
}

// Quantile returns the range [lo, hi) of the bucket holding the q-quantile
// (0 < q ≤ 1) by nearest rank: the bucket of the ⌈q·n⌉-th smallest of the n
// observations. ok is false for an empty histogram.
func (h HistogramCounts) Quantile(q float64) (lo, hi time.Duration, ok bool) {
	n := h.Total()
	if n == 0 {
		return 0, 0, false
	}
	// The small slack keeps q·n from rounding up past an exact rank
	// (0.99 × 100 is 99.00000000000001 in floating point).
	rank := uint64(math.Ceil(q*float64(n) - 1e-9))
	rank = max(1, min(rank, n))
	var acc uint64
	for i, c := range h {
		if acc += c; acc >= rank {
			lo, hi = h.BucketBounds(i)
			return lo, hi, true
		}
	}
	return 0, 0, false // unreachable: acc reaches n
}

// A SendMeter times one paced stream for the histograms of its kind. The
// stream's writers call Queued and Flushed; everything else is the pacer's,
// called from the stream's Tick.
type SendMeter struct {
	interval, start *durationHistogram
	queued          atomic.Int64 // unix ns when the first frame after a silence was queued; 0 while none waits
	last            time.Time    // the pacer's: when the previous packet was written; zero after a tick that wrote none
	idle            bool         // the pacer's: the last tick found no audio queued
}

// NewSendMeter returns a meter for a stream of kind k. The stream starts
// idle: its first audio counts as an audio start.
func NewSendMeter(k PacingKind) *SendMeter { return newSendMeter(&sendInterval[k], &audioStart[k]) }

func newSendMeter(interval, start *durationHistogram) *SendMeter {
	return &SendMeter{interval: interval, start: start, idle: true}
}

// Queued records that a writer queued a frame: the first one after a
// silence starts the audio-start clock.
func (m *SendMeter) Queued() {
	if m.queued.Load() == 0 {
		m.queued.CompareAndSwap(0, time.Now().UnixNano())
	}
}

// Flushed records that the queued frames were dropped: they start nothing.
func (m *SendMeter) Flushed() { m.queued.Store(0) }

// Took records what the tick found in the stream's queue: audio (a frame,
// or audio the stream carries otherwise, such as a relay) or none (the
// stream goes silent, and its next audio is a start). It returns when the
// frame that starts audio was queued, zero if this tick starts none, for
// Sent.
func (m *SendMeter) Took(audio bool) (startQueued time.Time) {
	if !audio {
		m.idle = true
		m.queued.Store(0)
		return time.Time{}
	}
	if !m.idle {
		return time.Time{}
	}
	m.idle = false
	if q := m.queued.Load(); q != 0 {
		return time.Unix(0, q)
	}
	return time.Time{}
}

// Sent records that the tick's packet was written at at (taken right after
// the write returned); startQueued is what Took returned, zero for a packet
// that starts no audio.
func (m *SendMeter) Sent(at, startQueued time.Time) {
	if !m.last.IsZero() {
		m.interval.observe(at.Sub(m.last))
	}
	m.last = at
	if !startQueued.IsZero() {
		m.start.observe(at.Sub(startQueued))
	}
}

// Skipped records a tick that wrote no packet (held, relaying, the write
// failed): the interval across it is not measured.
func (m *SendMeter) Skipped() { m.last = time.Time{} }

package main

import (
	"bufio"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// The server's pacing histograms come from /metrics, as cumulative counts
// at bucket bounds (le); between two snapshots their difference is what
// happened in the window. A quantile is known only to its bucket, so it is
// reported as the bucket's bounds.

// promHist is one series of a cumulative /metrics histogram: upper bound in
// seconds → count, +Inf as math.Inf(1).
type promHist map[float64]float64

// metricHistogram reads the series of one kind of leg (sip, webrtc) of a
// histogram from /metrics.
func metricHistogram(addr, name, kind string) promHist {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	h := promHist{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), name+`_bucket{kind="`+kind+`",le="`)
		if !ok {
			continue
		}
		le, val, _ := strings.Cut(rest, `"} `)
		v, _ := strconv.ParseFloat(val, 64)
		b := math.Inf(1)
		if le != "+Inf" {
			b, _ = strconv.ParseFloat(le, 64)
		}
		h[b] = v
	}
	return h
}

// pacingHistogram reads the SIP legs' send-interval histogram.
func pacingHistogram(addr string) promHist {
	return metricHistogram(addr, "hotline_rtp_send_interval_seconds", "sip")
}

// metricValue sums the samples of a counter or gauge (all its series) on /metrics.
func metricValue(addr, name string) (float64, bool) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var sum float64
	found := false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		l := sc.Text()
		if !strings.HasPrefix(l, name+" ") && !strings.HasPrefix(l, name+"{") {
			continue
		}
		f := strings.Fields(l)
		if v, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
			sum += v
			found = true
		}
	}
	return sum, found
}

// bucket is where a quantile lies: in (lo, hi] ms, as /metrics buckets
// count (hi is +Inf above the last finite bound). ok is false when nothing
// was counted.
type bucket struct {
	lo, hi float64
	ok     bool
}

func (b bucket) String() string {
	switch {
	case !b.ok:
		return "–"
	case math.IsInf(b.hi, 1):
		return fmt.Sprintf("> %s ms", fmtMs(b.lo))
	}
	return fmt.Sprintf("%s–%s ms", fmtMs(b.lo), fmtMs(b.hi))
}

func fmtMs(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// within reports whether the whole bucket lies in [lo, hi] ms: only then is
// a quantile in it known to meet a target of lo … hi.
func (b bucket) within(lo, hi float64) bool { return b.ok && b.lo >= lo && b.hi <= hi }

// histDelta returns a histogram's bounds in order and what it counted up
// to each between two snapshots.
func histDelta(h0, h1 promHist) (bounds, cum []float64) {
	for b := range h1 {
		bounds = append(bounds, b)
	}
	sort.Float64s(bounds)
	cum = make([]float64, len(bounds))
	for i, b := range bounds {
		cum[i] = h1[b] - h0[b]
	}
	return bounds, cum
}

func bucketAt(bounds []float64, i int) bucket {
	b := bucket{hi: bounds[i] * 1000, ok: true}
	if i > 0 {
		b.lo = bounds[i-1] * 1000
	}
	return b
}

// histCount is how many observations the histogram counted between two snapshots.
func histCount(h0, h1 promHist) uint64 {
	_, cum := histDelta(h0, h1)
	if len(cum) == 0 {
		return 0
	}
	return uint64(cum[len(cum)-1])
}

// histQuantile is the bucket holding the q-quantile (by nearest rank: the
// ⌈q·n⌉-th smallest of n) of what was counted between two snapshots.
func histQuantile(h0, h1 promHist, q float64) bucket {
	bounds, cum := histDelta(h0, h1)
	if len(cum) == 0 || cum[len(cum)-1] == 0 {
		return bucket{}
	}
	rank := max(1, math.Ceil(q*cum[len(cum)-1]-1e-9))
	for i, c := range cum {
		if c >= rank {
			return bucketAt(bounds, i)
		}
	}
	return bucket{}
}

// histMax is the highest bucket that counted anything between two snapshots.
func histMax(h0, h1 promHist) bucket {
	bounds, cum := histDelta(h0, h1)
	for i := len(cum) - 1; i >= 0; i-- {
		prev := 0.0
		if i > 0 {
			prev = cum[i-1]
		}
		if cum[i] > prev {
			return bucketAt(bounds, i)
		}
	}
	return bucket{}
}

// verdict says whether a figure met its target.
func verdict(met bool) string {
	if met {
		return "met"
	}
	return "**missed**"
}

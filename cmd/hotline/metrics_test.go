package main

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Each kind of leg is its own series; a fine bucket counts in every bound
// at or above its upper edge, the overflow bucket in +Inf only.
func TestMediaHistogramByKind(t *testing.T) {
	counts := map[media.PacingKind]media.HistogramCounts{}
	for _, k := range media.PacingKinds() {
		counts[k] = make(media.HistogramCounts, len(media.SendIntervalHistogram(k)))
	}
	sip, web := counts[media.PacingSIP], counts[media.PacingWebRTC]
	sip[80] = 3                                              // [20, 20.25) ms
	sip[len(sip)-1] = 1                                      // ≥ 60 ms
	web[int(8*time.Millisecond/media.PacingBucketWidth)] = 2 // [8, 8.25) ms
	m := mediaHistogram{
		desc: prometheus.NewDesc("test_seconds", "test", []string{"kind"}, nil),
		read: func(k media.PacingKind) media.HistogramCounts { return counts[k] },
		bounds: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 20*time.Millisecond + media.PacingBucketWidth,
			60 * time.Millisecond},
	}
	want := map[string]struct {
		buckets []uint64 // cumulative, at the bounds above
		count   uint64
		sum     float64
	}{
		"sip":    {[]uint64{0, 0, 3, 3}, 4, 3*0.020125 + 0.060},
		"webrtc": {[]uint64{2, 2, 2, 2}, 2, 2 * 0.008125},
	}
	ch := make(chan prometheus.Metric, 4)
	m.Collect(ch)
	close(ch)
	seen := 0
	for metric := range ch {
		var pb dto.Metric
		if err := metric.Write(&pb); err != nil {
			t.Fatal(err)
		}
		kind := pb.GetLabel()[0].GetValue()
		w, ok := want[kind]
		if !ok {
			t.Fatalf("series with kind %q", kind)
		}
		seen++
		h := pb.GetHistogram()
		if h.GetSampleCount() != w.count || h.GetSampleSum() < w.sum-1e-9 || h.GetSampleSum() > w.sum+1e-9 {
			t.Errorf("%s: count %d sum %v, want %d and %v", kind, h.GetSampleCount(), h.GetSampleSum(), w.count, w.sum)
		}
		for i, b := range h.GetBucket() {
			if b.GetUpperBound() != m.bounds[i].Seconds() || b.GetCumulativeCount() != w.buckets[i] {
				t.Errorf("%s: bucket le=%v holds %d, want le=%v holding %d", kind, b.GetUpperBound(), b.GetCumulativeCount(),
					m.bounds[i].Seconds(), w.buckets[i])
			}
		}
	}
	if seen != len(want) {
		t.Fatalf("%d series, want %d", seen, len(want))
	}
}

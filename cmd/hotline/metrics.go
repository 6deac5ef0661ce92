package main

import (
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/prometheus/client_golang/prometheus"
)

// pacingCollector exports media's RTP send-interval histogram. Buckets are
// fine (0.25 ms) around 20 ms, where the interesting part is.
type pacingCollector struct{ desc *prometheus.Desc }

func newPacingCollector() pacingCollector {
	return pacingCollector{prometheus.NewDesc("hotline_rtp_send_interval_seconds",
		"Interval between consecutive paced RTP packets of a session.", nil, nil)}
}

func (p pacingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- p.desc }

func (p pacingCollector) Collect(ch chan<- prometheus.Metric) {
	h := media.PacingHistogram()
	var bounds []time.Duration
	for d := 5 * time.Millisecond; d < 15*time.Millisecond; d += 5 * time.Millisecond {
		bounds = append(bounds, d)
	}
	for d := 15 * time.Millisecond; d <= 25*time.Millisecond; d += media.PacingBucketWidth {
		bounds = append(bounds, d)
	}
	bounds = append(bounds, 30*time.Millisecond, 40*time.Millisecond, 60*time.Millisecond)
	buckets := map[float64]uint64{}
	var count uint64
	var sum float64
	for i, c := range h {
		count += c
		upper := time.Duration(i+1) * media.PacingBucketWidth
		sum += float64(c) * (upper - media.PacingBucketWidth/2).Seconds()
		for _, b := range bounds {
			if upper <= b {
				buckets[b.Seconds()] += c
			}
		}
	}
	ch <- prometheus.MustNewConstHistogram(p.desc, count, sum, buckets)
}

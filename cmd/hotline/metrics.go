package main

import (
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/prometheus/client_golang/prometheus"
)

// mediaHistogram exports one of media's fixed-width duration histograms
// (media.PacingBucketWidth buckets) with the given bucket bounds.
type mediaHistogram struct {
	desc   *prometheus.Desc
	read   func() []uint64
	bounds []time.Duration
}

// newPacingCollector exports the RTP send-interval histogram. Buckets are
// fine (0.25 ms) around 20 ms, where the interesting part is.
func newPacingCollector() mediaHistogram {
	var bounds []time.Duration
	for d := 5 * time.Millisecond; d < 15*time.Millisecond; d += 5 * time.Millisecond {
		bounds = append(bounds, d)
	}
	for d := 15 * time.Millisecond; d <= 25*time.Millisecond; d += media.PacingBucketWidth {
		bounds = append(bounds, d)
	}
	bounds = append(bounds, 30*time.Millisecond, 40*time.Millisecond, 60*time.Millisecond)
	return mediaHistogram{prometheus.NewDesc("hotline_rtp_send_interval_seconds",
		"Interval between consecutive paced RTP packets of a session.", nil, nil), media.PacingHistogram, bounds}
}

// newAudioStartCollector exports how long the first frame of outbound audio
// (a prompt, a bot reply) waits for its RTP packet to leave.
func newAudioStartCollector() mediaHistogram {
	var bounds []time.Duration
	for d := time.Millisecond; d <= 25*time.Millisecond; d += time.Millisecond {
		bounds = append(bounds, d)
	}
	bounds = append(bounds, 30*time.Millisecond, 40*time.Millisecond, 60*time.Millisecond)
	return mediaHistogram{prometheus.NewDesc("hotline_rtp_audio_start_delay_seconds",
		"Time from queuing the first frame of outbound audio after a silence to sending its RTP packet.", nil, nil),
		media.AudioStartHistogram, bounds}
}

func (m mediaHistogram) Describe(ch chan<- *prometheus.Desc) { ch <- m.desc }

func (m mediaHistogram) Collect(ch chan<- prometheus.Metric) {
	buckets := map[float64]uint64{}
	var count uint64
	var sum float64
	for i, c := range m.read() {
		count += c
		upper := time.Duration(i+1) * media.PacingBucketWidth
		sum += float64(c) * (upper - media.PacingBucketWidth/2).Seconds()
		for _, b := range m.bounds {
			if upper <= b {
				buckets[b.Seconds()] += c
			}
		}
	}
	ch <- prometheus.MustNewConstHistogram(m.desc, count, sum, buckets)
}

// reinviteCollector exports the SIP server's re-INVITE counts by result.
type reinviteCollector struct {
	desc   *prometheus.Desc
	counts func() map[string]uint64
}

func newReinviteCollector(counts func() map[string]uint64) reinviteCollector {
	return reinviteCollector{prometheus.NewDesc("hotline_sip_reinvites_total",
		"re-INVITEs of calls (callers, agents' phones, trunk legs) by result: applied, kept (the answer in the ACK was missing or unusable: "+
			"the previous session stands), no_ack (hung up), rejected.", []string{"result"}, nil), counts}
}

func (r reinviteCollector) Describe(ch chan<- *prometheus.Desc) { ch <- r.desc }

func (r reinviteCollector) Collect(ch chan<- prometheus.Metric) {
	for result, n := range r.counts() {
		ch <- prometheus.MustNewConstMetric(r.desc, prometheus.CounterValue, float64(n), result)
	}
}

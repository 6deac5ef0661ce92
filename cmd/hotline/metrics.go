package main

import (
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/recording"
	"github.com/prometheus/client_golang/prometheus"
)

// mediaHistogram exports one of media's fixed-width duration histograms
// (media.PacingBucketWidth buckets), one series per kind of leg (label
// kind: sip, webrtc), with the given bucket bounds.
type mediaHistogram struct {
	desc   *prometheus.Desc
	read   func(media.PacingKind) media.HistogramCounts
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
		"Interval between consecutive paced RTP packets of a leg, taken when each packet is written, by kind of leg (sip, webrtc).",
		[]string{"kind"}, nil), media.SendIntervalHistogram, bounds}
}

// newAudioStartCollector exports how long the first frame of outbound audio
// (a prompt, a bot reply) waits for its RTP packet to be written.
func newAudioStartCollector() mediaHistogram {
	var bounds []time.Duration
	for d := time.Millisecond; d <= 25*time.Millisecond; d += time.Millisecond {
		bounds = append(bounds, d)
	}
	bounds = append(bounds, 30*time.Millisecond, 40*time.Millisecond, 60*time.Millisecond)
	return mediaHistogram{prometheus.NewDesc("hotline_rtp_audio_start_delay_seconds",
		"Time from queuing the first frame of outbound audio after a silence to writing its RTP packet, by kind of leg (sip, webrtc).",
		[]string{"kind"}, nil), media.AudioStartHistogram, bounds}
}

func (m mediaHistogram) Describe(ch chan<- *prometheus.Desc) { ch <- m.desc }

func (m mediaHistogram) Collect(ch chan<- prometheus.Metric) {
	for _, k := range media.PacingKinds() {
		count, sum, buckets := m.buckets(m.read(k))
		ch <- prometheus.MustNewConstHistogram(m.desc, count, sum, buckets, k.String())
	}
}

// buckets turns fine counts into cumulative counts at m.bounds. The sum
// takes each observation at its bucket's middle (the overflow bucket's
// lower bound), so it is an estimate.
func (m mediaHistogram) buckets(h media.HistogramCounts) (count uint64, sum float64, buckets map[float64]uint64) {
	buckets = map[float64]uint64{}
	for i, c := range h {
		count += c
		lo, hi := h.BucketBounds(i)
		if i == len(h)-1 {
			sum += float64(c) * lo.Seconds()
			continue // counted in +Inf only
		}
		sum += float64(c) * (lo + (hi-lo)/2).Seconds()
		for _, b := range m.bounds {
			if hi <= b {
				buckets[b.Seconds()] += c
			}
		}
	}
	return count, sum, buckets
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

// recordingCollector exports the recording manager's counters.
type recordingCollector struct {
	m                                     *recording.Manager
	active, written, dropped, bytes, errs *prometheus.Desc
}

func newRecordingCollector(m *recording.Manager) recordingCollector {
	d := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }
	return recordingCollector{m: m,
		active:  d("hotline_recordings_active", "Whole-call recordings in progress."),
		written: d("hotline_recording_frames_written_total", "Audio payloads decoded into recording files."),
		dropped: d("hotline_recording_frames_dropped_total", "Audio payloads lost to recordings (a full tap queue, or too late to place): silence in the file."),
		bytes:   d("hotline_recording_bytes_written_total", "Sample bytes written to recording files."),
		errs:    d("hotline_recording_errors_total", "Recordings stopped by a write error (kept, marked incomplete)."),
	}
}

func (c recordingCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.active
	ch <- c.written
	ch <- c.dropped
	ch <- c.bytes
	ch <- c.errs
}

func (c recordingCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.m.Stats()
	ch <- prometheus.MustNewConstMetric(c.active, prometheus.GaugeValue, float64(s.Active))
	ch <- prometheus.MustNewConstMetric(c.written, prometheus.CounterValue, float64(s.FramesWritten))
	ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(s.FramesDropped))
	ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(s.BytesWritten))
	ch <- prometheus.MustNewConstMetric(c.errs, prometheus.CounterValue, float64(s.Errors))
}

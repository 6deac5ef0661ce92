package bot

import (
	"time"

	"github.com/hotline-cc/hotline/record"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics turns bot turns into Prometheus histograms of the stages of a
// reply. Register it once and pass Observe as Config.OnTurn.
type Metrics struct {
	stage       *prometheus.HistogramVec
	interrupted prometheus.Counter
	turns       prometheus.Counter
}

// NewMetrics creates the collectors:
//
//	hotline_bot_latency_seconds{stage="asr|llm_first_token|tts_first_audio|first_audio_out|voice_to_voice"}
//	hotline_bot_turns_total, hotline_bot_interrupted_turns_total
//
// "voice_to_voice" runs from the end-of-turn decision to the first reply
// frame handed to the leg; the other stages are measured from the stage
// before them.
func NewMetrics() *Metrics {
	return &Metrics{
		stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hotline_bot_latency_seconds",
			Help:    "Time spent in each stage of a bot reply.",
			Buckets: []float64{.01, .025, .05, .1, .2, .3, .5, .75, 1, 1.5, 2, 3, 5},
		}, []string{"stage"}),
		turns:       prometheus.NewCounter(prometheus.CounterOpts{Name: "hotline_bot_turns_total", Help: "Bot turns spoken."}),
		interrupted: prometheus.NewCounter(prometheus.CounterOpts{Name: "hotline_bot_interrupted_turns_total", Help: "Bot turns cut short by the caller."}),
	}
}

// Describe and Collect make Metrics a prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.stage.Describe(ch)
	m.turns.Describe(ch)
	m.interrupted.Describe(ch)
}

func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.stage.Collect(ch)
	m.turns.Collect(ch)
	m.interrupted.Collect(ch)
}

// Observe records one bot turn (use as Config.OnTurn).
func (m *Metrics) Observe(t record.Turn) {
	m.turns.Inc()
	if t.Interrupted {
		m.interrupted.Inc()
	}
	tm := t.Timing
	if tm == nil {
		return
	}
	obs := func(stage string, from, to time.Time) {
		if !from.IsZero() && !to.IsZero() && !to.Before(from) {
			m.stage.WithLabelValues(stage).Observe(to.Sub(from).Seconds())
		}
	}
	obs("asr", tm.EndOfSpeech, tm.ASRFinal)
	obs("llm_first_token", tm.ASRFinal, tm.LLMFirstToken)
	obs("tts_first_audio", tm.LLMFirstToken, tm.FirstTTSAudio)
	obs("first_audio_out", tm.FirstTTSAudio, tm.FirstRTPOut)
	obs("voice_to_voice", tm.EndOfSpeech, tm.FirstRTPOut)
}

var _ prometheus.Collector = (*Metrics)(nil)

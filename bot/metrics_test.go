package bot_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/record"
)

func TestMetrics(t *testing.T) {
	m := bot.NewMetrics()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	t0 := time.Unix(1000, 0)
	m.Observe(record.Turn{Speaker: "bot", Timing: &record.TurnTiming{
		EndOfSpeech: t0, ASRFinal: t0.Add(100 * time.Millisecond), LLMFirstToken: t0.Add(300 * time.Millisecond),
		FirstTTSAudio: t0.Add(400 * time.Millisecond), FirstRTPOut: t0.Add(410 * time.Millisecond)}})
	m.Observe(record.Turn{Speaker: "bot", Interrupted: true})
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, met := range f.GetMetric() {
			switch {
			case met.GetCounter() != nil:
				got[f.GetName()] = met.GetCounter().GetValue()
			case met.GetHistogram() != nil:
				got[f.GetName()+"/"+met.GetLabel()[0].GetValue()] = met.GetHistogram().GetSampleSum()
			}
		}
	}
	want := map[string]float64{
		"hotline_bot_turns_total": 2, "hotline_bot_interrupted_turns_total": 1,
		"hotline_bot_latency_seconds/asr": 0.1, "hotline_bot_latency_seconds/llm_first_token": 0.2,
		"hotline_bot_latency_seconds/tts_first_audio": 0.1, "hotline_bot_latency_seconds/first_audio_out": 0.01,
		"hotline_bot_latency_seconds/voice_to_voice": 0.41,
	}
	for k, v := range want {
		if d := got[k] - v; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

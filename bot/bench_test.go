package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/bot/openaitest"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/media/legtest"
	"github.com/hotline-cc/hotline/openaicompat"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/tts"
)

// Instant engines: what is left of the latency is the bot's own.
type instantASR struct{}

func (instantASR) Name() string { return "instant" }
func (instantASR) Recognize(context.Context, asr.Utterance) (asr.Result, error) {
	return asr.Result{Text: "what are your opening hours", Confidence: 1}, nil
}

type instantDialog struct{ reply string }

func (d instantDialog) Respond(context.Context, dialog.Request) (dialog.Stream, error) {
	return dialog.NewStaticStream(dialog.Event{Text: d.reply}), nil
}

type instantTTS struct{ audio tts.Audio }

func (t instantTTS) Name() string { return "instant" }
func (t instantTTS) Synthesize(context.Context, string, string) (tts.Audio, error) {
	return t.audio, nil
}

// percentile is the nearest-rank p-quantile: the smallest sample with at
// least p of all samples at or below it (with 20 samples p95 is the 19th).
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[max(0, min(len(s)-1, int(math.Ceil(p*float64(len(s))))-1))]
}

// BenchmarkVoiceToVoice100 measures the server's share of voice-to-voice
// latency: from the end-of-turn decision to the first reply frame handed to
// the leg, with instant engines, while 100 bot sessions run at once. Each
// iteration is one caller turn on every session (about 1 s of real time).
func BenchmarkVoiceToVoice100(b *testing.B) {
	b.Run("inprocess", func(b *testing.B) {
		benchVoiceToVoice(b, bot.Config{
			ASR: instantASR{}, Dialog: instantDialog{"We are open from 8 am to 8 pm."},
			TTS: instantTTS{tts.Audio{Samples: audiotest.Tone(440, 8000, 200, 0.3), Rate: 8000}},
		})
	})
	// Through go-openai and HTTP to a local server that answers at once:
	// the engine time that remains is loopback HTTP, WAV and JSON.
	b.Run("openai-local", func(b *testing.B) {
		srv := openaitest.New()
		defer srv.Close()
		srv.SpeechMsPerChar = 5
		srv.Transcripts(openaitest.Transcript{Text: "what are your opening hours"})
		srv.Script(openaitest.Reply{Deltas: []string{"We are open ", "from 8 am to 8 pm."}})
		rec, _ := asr.NewOpenAI(asr.Config{Endpoint: openaicompat.Endpoint{BaseURL: srv.BaseURL()}})
		eng, _ := dialog.NewOpenAI(dialog.Config{Endpoint: openaicompat.Endpoint{BaseURL: srv.BaseURL(), Model: "m"}})
		syn, _ := tts.NewOpenAI(tts.OpenAIConfig{Endpoint: openaicompat.Endpoint{BaseURL: srv.BaseURL()}})
		benchVoiceToVoice(b, bot.Config{ASR: rec, Dialog: eng, TTS: syn})
	})
}

func benchVoiceToVoice(b *testing.B, cfg bot.Config) {
	const sessions = 100
	var mu sync.Mutex
	var lat, asrT, llmT, ttsT, outT []float64
	turnsSeen := make(chan struct{}, sessions*1000)
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.OnTurn = func(t record.Turn) {
		if t.Timing == nil {
			return
		}
		mu.Lock()
		tm := t.Timing
		lat = append(lat, float64(tm.FirstRTPOut.Sub(tm.EndOfSpeech))/1e6)
		asrT = append(asrT, float64(tm.ASRFinal.Sub(tm.EndOfSpeech))/1e6)
		llmT = append(llmT, float64(tm.LLMFirstToken.Sub(tm.ASRFinal))/1e6)
		ttsT = append(ttsT, float64(tm.FirstTTSAudio.Sub(tm.LLMFirstToken))/1e6)
		outT = append(outT, float64(tm.FirstRTPOut.Sub(tm.FirstTTSAudio))/1e6)
		mu.Unlock()
		turnsSeen <- struct{}{}
	}
	p := bot.Profile{Name: "bench", BargeIn: true, EndOfTurnSilence: 300 * time.Millisecond}
	legs := make([]*legtest.Leg, sessions)
	var wg sync.WaitGroup
	for i := range legs {
		legs[i] = legtest.New("bench", legtest.Options{Rate: 8000})
		wg.Add(1)
		go func(l *legtest.Leg) { defer wg.Done(); bot.Run(context.Background(), l, cfg, p) }(legs[i])
	}
	speech := audiotest.Tone(220, 8000, 300, 0.3)
	for b.Loop() {
		for _, l := range legs {
			l.Say(speech)
		}
		for range sessions {
			select {
			case <-turnsSeen:
			case <-time.After(10 * time.Second):
				b.Fatal("a session did not answer")
			}
		}
		time.Sleep(300 * time.Millisecond) // let the replies finish playing
	}
	for _, l := range legs {
		l.Close()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	b.ReportMetric(percentile(lat, 0.5), "p50-ms")
	b.ReportMetric(percentile(lat, 0.95), "p95-ms")
	b.ReportMetric(percentile(lat, 1), "max-ms")
	// Where the time goes (p95 of each stage).
	b.ReportMetric(percentile(asrT, 0.95), "asr-p95-ms")
	b.ReportMetric(percentile(llmT, 0.95), "llm-p95-ms")
	b.ReportMetric(percentile(ttsT, 0.95), "tts-p95-ms")
	b.ReportMetric(percentile(outT, 0.95), "out-p95-ms")
}

// BenchmarkBargeIn measures, in process, how the bot stops when the
// caller talks over it. 20 sessions on fake legs each read a long reply and
// are talked over once per iteration (400 ms of speech; MinBargeIn 300 ms),
// so every figure rests on at least 20 barge-ins, however few iterations
// run. Reported:
//
//	react-p50-us, react-p95-us: from the caller frame that completes 300 ms
//	    of speech being handed to the bot to the flush of the bot's audio —
//	    the endpointer's decision and the cut-off, on the leg's goroutine
//	late-frames-max: bot frames with voice written after that caller frame
//	    (1 at most: the frame the leg was already taking)
//	barge-ins: how many the figures rest on
//
// What a caller hears over SIP, RTP pacing included, is measured by the
// bench command (go run ./bench -only bargein).
func BenchmarkBargeIn(b *testing.B) {
	const sessions = 20
	long := "Standard delivery takes three to five working days, express delivery arrives the next working day, and large items come with our own carrier."
	cfg := bot.Config{
		ASR: instantASR{}, Dialog: instantDialog{long},
		TTS:    instantTTS{tts.Audio{Samples: audiotest.Tone(440, 8000, 5000, 0.3), Rate: 8000}},
		Logger: slog.New(slog.DiscardHandler),
	}
	p := bot.Profile{Name: "bench", BargeIn: true, MinBargeIn: 300 * time.Millisecond, EndOfTurnSilence: 300 * time.Millisecond}
	speech := func(ms int) media.PCM16 { return audiotest.Tone(220, 8000, ms, 0.3) }
	legs := make([]*legtest.Leg, sessions)
	var wg sync.WaitGroup
	for i := range legs {
		legs[i] = legtest.New(fmt.Sprintf("bench-%d", i), legtest.Options{Rate: 8000})
		wg.Add(1)
		go func(l *legtest.Leg) { defer wg.Done(); bot.Run(context.Background(), l, cfg, p) }(legs[i])
		legs[i].Say(speech(300)) // the first question
	}
	var react, late []float64
	type mark struct{ out, in, flushes int }
	marks := make([]mark, sessions)
	for b.Loop() {
		// Wait for every bot to be talking, then talk over each.
		for i, l := range legs {
			marks[i].out = len(l.Out())
		}
		for i, l := range legs {
			if !poll(func() bool { return len(l.Out()) > marks[i].out+10 }) {
				b.Fatalf("session %d: the bot did not answer", i)
			}
		}
		for i, l := range legs {
			marks[i].in, marks[i].flushes = len(l.In()), len(l.Flushes())
			l.Say(speech(400))
		}
		for i, l := range legs {
			if !poll(func() bool { return len(l.Flushes()) > marks[i].flushes }) {
				b.Fatalf("session %d: no barge-in", i)
			}
		}
		time.Sleep(60 * time.Millisecond) // any late frame shows
		for i, l := range legs {
			var cross time.Time
			loud := 0
			for _, f := range l.In()[marks[i].in:] {
				if f.Loud {
					if loud++; loud == 15 {
						cross = f.At
						break
					}
				}
			}
			if cross.IsZero() {
				b.Fatalf("session %d: flushed before 300 ms of speech", i)
			}
			react = append(react, float64(l.Flushes()[marks[i].flushes].Sub(cross))/1e3)
			n := 0
			for _, f := range l.Out() {
				if f.Loud && f.At.After(cross) && f.At.Before(cross.Add(200*time.Millisecond)) {
					n++
				}
			}
			late = append(late, float64(n))
		}
		// Each bot answers its barge-in with the long reply again: the next round.
	}
	b.StopTimer()
	for _, l := range legs {
		l.Close()
	}
	wg.Wait()
	b.ReportMetric(percentile(react, 0.5), "react-p50-us")
	b.ReportMetric(percentile(react, 0.95), "react-p95-us")
	b.ReportMetric(percentile(late, 1), "late-frames-max")
	b.ReportMetric(float64(len(react)), "barge-ins")
}

// poll checks cond every 5 ms for up to 10 s.
func poll(cond func() bool) bool {
	for range 2000 {
		if cond() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

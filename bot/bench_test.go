package bot_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/bot/bottest"
	"github.com/hotline-cc/hotline/bot/openaitest"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
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

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
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
	legs := make([]*bottest.Leg, sessions)
	var wg sync.WaitGroup
	for i := range legs {
		legs[i] = bottest.NewLeg("bench", 8000)
		wg.Add(1)
		go func(l *bottest.Leg) { defer wg.Done(); bot.Run(context.Background(), l, cfg, p) }(legs[i])
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

// BenchmarkBargeIn measures barge-in reaction: from the caller frame that
// completes MinBargeIn of speech to the flush of the bot's audio, and how
// many bot frames were still written after it.
func BenchmarkBargeIn(b *testing.B) {
	long := "Standard delivery takes three to five working days, express delivery arrives the next working day, and large items come with our own carrier."
	cfg := bot.Config{
		ASR: instantASR{}, Dialog: instantDialog{long},
		TTS:    instantTTS{tts.Audio{Samples: audiotest.Tone(440, 8000, 5000, 0.3), Rate: 8000}},
		Logger: slog.New(slog.DiscardHandler),
	}
	p := bot.Profile{Name: "bench", BargeIn: true, MinBargeIn: 300 * time.Millisecond, EndOfTurnSilence: 300 * time.Millisecond}
	leg := bottest.NewLeg("bench", 8000)
	done := make(chan struct{})
	go func() { bot.Run(context.Background(), leg, cfg, p); close(done) }()
	speech := func(ms int) media.PCM16 { return audiotest.Tone(220, 8000, ms, 0.3) }
	var react, late []float64

	leg.Say(speech(300))
	for b.Loop() {
		// Wait for the bot to talk, then talk over it.
		start := len(leg.Out())
		for range 500 {
			if len(leg.Out()) > start+10 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		nIn, nFlush := len(leg.In()), len(leg.Flushes())
		leg.Say(speech(400))
		for range 500 {
			if len(leg.Flushes()) > nFlush {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(60 * time.Millisecond)
		fl := leg.Flushes()
		if len(fl) <= nFlush {
			b.Fatal("no barge-in")
		}
		var cross time.Time
		loud := 0
		for _, f := range leg.In()[nIn:] {
			if f.Loud {
				if loud++; loud == 15 {
					cross = f.At
					break
				}
			}
		}
		react = append(react, float64(fl[nFlush].Sub(cross))/1e6)
		n := 0
		for _, f := range leg.Out() {
			if f.Loud && f.At.After(cross) && f.At.Before(cross.Add(200*time.Millisecond)) {
				n++
			}
		}
		late = append(late, float64(n))
		// The barge-in utterance is answered with the long reply again: the next round.
	}
	leg.Close()
	<-done
	b.ReportMetric(percentile(react, 0.5), "p50-ms")
	b.ReportMetric(percentile(react, 0.95), "p95-ms")
	b.ReportMetric(percentile(late, 1), "max-late-frames")
}

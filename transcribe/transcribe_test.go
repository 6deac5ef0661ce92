package transcribe

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/record"
)

const rate = 8000

type span struct {
	from, to float64 // seconds
	freq     float64
}

func channel(secs float64, spans ...span) media.PCM16 {
	pcm := make(media.PCM16, int(secs*rate))
	for _, s := range spans {
		for i := int(s.from * rate); i < int(s.to*rate); i++ {
			pcm[i] = int16(0.3 * 32767 * math.Sin(2*math.Pi*s.freq*float64(i)/rate))
		}
	}
	return pcm
}

// fake recognises a tone by its frequency (each scripted utterance has
// its own) and gives two words: the first at the tone's onset in the
// utterance, the second 200 ms later.
type fake struct {
	script map[float64]string
	heard  []float64 // the frequency of each utterance asked for
	lang   string
	err    error
}

func (f *fake) Name() string { return "fake" }

func (f *fake) Recognize(ctx context.Context, u asr.Utterance) (asr.Result, error) {
	if f.err != nil {
		return asr.Result{}, f.err
	}
	best, bestP := 0.0, 0.0
	for freq := range f.script {
		if p := audiotest.Goertzel(u.Samples, freq, u.Rate); p > bestP {
			best, bestP = freq, p
		}
	}
	f.heard = append(f.heard, best)
	onset := 0
	for onset < len(u.Samples) && u.Samples[onset] > -1000 && u.Samples[onset] < 1000 {
		onset++
	}
	at := time.Duration(onset) * time.Second / time.Duration(u.Rate)
	text := f.script[best]
	w := strings.Fields(text)
	return asr.Result{Text: text, Lang: f.lang, Confidence: 1, Words: []asr.Word{
		{Text: w[0], Start: at, End: at + 150*time.Millisecond},
		{Text: w[len(w)-1], Start: at + 200*time.Millisecond, End: at + 350*time.Millisecond},
	}}, nil
}

func TestTranscribe(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	sec := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	left := channel(16, span{1, 3, 300}, span{12, 14, 500})
	right := channel(16,
		span{4, 6, 700},        // the bot speaking
		span{7, 10, 900},       // hold music, no agent yet
		span{10.5, 11.8, 1100}, // the agent
		span{14.5, 15.8, 1300}, // music while the agent has the caller on hold
	)
	f := &fake{lang: "en", script: map[float64]string{
		300: "I want a refund", 500: "thanks a lot", 700: "BOT RE-TRANSCRIBED", 900: "MUSIC TRANSCRIBED", 1100: "let me check", 1300: "HOLD MUSIC TRANSCRIBED",
	}}
	bot := record.Turn{Speaker: record.SpeakerBot, Text: "How can I help?", Start: sec(4), End: sec(6)}
	turns, err := Transcribe(context.Background(), f, left, right, rate, t0, Options{
		Lang: "en-US", BotTurns: []record.Turn{bot}, Agent: []record.Interval{{Start: sec(10.2), End: sec(16)}},
		Hold: []record.Interval{{Start: sec(14.3), End: sec(16)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		speaker, text string
		start, end    float64
	}{
		{record.SpeakerCaller, "I want a refund", 1, 3},
		{record.SpeakerBot, "How can I help?", 4, 6},
		{record.SpeakerAgent, "let me check", 10.5, 11.8},
		{record.SpeakerCaller, "thanks a lot", 12, 14},
	}
	if len(turns) != len(want) {
		t.Fatalf("turns = %+v", turns)
	}
	close := func(a, b time.Time) bool { d := a.Sub(b); return d < 100*time.Millisecond && d > -100*time.Millisecond }
	for i, w := range want {
		g := turns[i]
		if g.Speaker != w.speaker || g.Text != w.text || !close(g.Start, sec(w.start)) || !close(g.End, sec(w.end)) {
			t.Errorf("turn %d = %s %q %v–%v, want %s %q %v–%v", i, g.Speaker, g.Text,
				g.Start.Sub(t0), g.End.Sub(t0), w.speaker, w.text, w.start, w.end)
		}
		if w.speaker == record.SpeakerBot {
			if g.Words != nil || g.Lang != "" {
				t.Errorf("bot turn changed: %+v", g)
			}
			continue
		}
		if g.Lang != "en" {
			t.Errorf("turn %d lang %q", i, g.Lang)
		}
		// Words are absolute: the first at the tone's onset in the recording.
		if len(g.Words) != 2 || !close(g.Words[0].Start, sec(w.start)) || !close(g.Words[1].Start, sec(w.start+0.2)) {
			t.Errorf("turn %d words = %+v, want the first at %v", i, g.Words, w.start)
		}
	}
	for _, h := range f.heard {
		if h == 700 || h == 900 || h == 1300 {
			t.Errorf("the recognizer was asked about %v Hz (bot or music)", h)
		}
	}
	if len(f.heard) != 3 {
		t.Errorf("recognitions = %v, want 3", f.heard)
	}
}

func TestTranscribeSplitsLongSpeech(t *testing.T) {
	// A 300 ms pause would join 1–2 and 2.3–11, but that passes 4 s: the
	// pause is the first cut, and the 8.7 s after it is split in three.
	left := channel(12, span{1, 2, 300}, span{2.3, 11, 300})
	f := &fake{script: map[float64]string{300: "on and on"}}
	turns, err := Transcribe(context.Background(), f, left, channel(12), rate, time.Unix(0, 0), Options{Lang: "en", MaxUtterance: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(turns) != 4 || len(f.heard) != 4 {
		t.Fatalf("turns = %d, recognitions = %d; want 4 parts of ≤ 4 s", len(turns), len(f.heard))
	}
	if d := turns[0].End.Sub(turns[0].Start); d < 900*time.Millisecond || d > 1100*time.Millisecond {
		t.Errorf("first part %v, want the 1 s before the pause", d)
	}
	for _, tr := range turns {
		if d := tr.End.Sub(tr.Start); d > 4*time.Second {
			t.Errorf("turn of %v", d)
		}
		if tr.Lang != "en" {
			t.Errorf("lang %q, want the option's", tr.Lang)
		}
	}
}

type deaf struct{ fake }

func (deaf) CanHear(rate int, lang string, phrases []string) error {
	if len(phrases) == 0 {
		return fmt.Errorf("only phrases: %w", asr.ErrUnsupportedPhrases)
	}
	return nil
}

func TestTranscribeErrors(t *testing.T) {
	left := channel(4, span{1, 3, 300})
	boom := errors.New("server exploded")
	_, err := Transcribe(context.Background(), &fake{err: boom, script: map[float64]string{300: "x"}}, left, channel(4), rate, time.Now(), Options{})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "caller") {
		t.Errorf("engine error = %v, want it wrapped with the turn", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Transcribe(ctx, &fake{script: map[float64]string{300: "x"}}, left, channel(4), rate, time.Now(), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	d := &deaf{fake{script: map[float64]string{300: "x"}}}
	_, err = Transcribe(context.Background(), d, left, channel(4), rate, time.Now(), Options{})
	if !errors.Is(err, ErrNoTranscriber) || len(d.heard) != 0 {
		t.Errorf("phrase-only recognizer: err = %v after %d recognitions", err, len(d.heard))
	}
	ps, err := asr.NewPocketSphinx(asr.PocketSphinxOptions{})
	if err != nil {
		t.Logf("pocketsphinx not installed (%v): its case is not checked", err)
		return
	}
	if _, err := Transcribe(context.Background(), ps, channel(4, span{1, 3, 300}), channel(4), 16000, time.Now(), Options{}); !errors.Is(err, ErrNoTranscriber) {
		t.Errorf("pocketsphinx: err = %v, want ErrNoTranscriber", err)
	}
}

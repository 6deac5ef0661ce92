package asr

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/tts"
)

func newPS(t *testing.T) *PocketSphinx {
	t.Helper()
	p, err := NewPocketSphinx(PocketSphinxOptions{})
	if errors.Is(err, ErrEngineMissing) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPocketSphinxRefusesNarrowband(t *testing.T) {
	p := newPS(t)
	_, err := p.Recognize(context.Background(), Utterance{Samples: audiotest.Tone(440, 8000, 300, 0.5), Rate: 8000})
	if !errors.Is(err, ErrUnsupportedRate) {
		t.Fatalf("err = %v, want ErrUnsupportedRate", err)
	}
}

func TestPocketSphinxGrammarDropsUnknownWords(t *testing.T) {
	p := newPS(t)
	g := p.grammar([]string{"Opening hours?", "talk to zzqxagent", ""})
	if !strings.Contains(g, "opening hours") || strings.Contains(g, "zzqx") {
		t.Errorf("grammar = %q", g)
	}
	if p.grammar([]string{"zzqx"}) != "" {
		t.Error("grammar of unknown words should be empty (falls back to the language model)")
	}
}

func TestPocketSphinxCanHear(t *testing.T) {
	p := newPS(t)
	for _, c := range []struct {
		rate    int
		lang    string
		phrases []string
		want    error
	}{
		{16000, "en-US", []string{"agent", "opening hours"}, nil},
		{16000, "", nil, nil},
		{8000, "en-US", []string{"agent"}, ErrUnsupportedRate},
		{16000, "zh-CN", []string{"agent"}, ErrUnsupportedLanguage},
		{16000, "en-US", []string{"人工", "zzqx"}, ErrUnsupportedPhrases},
	} {
		if err := CanHear(p, c.rate, c.lang, c.phrases); !errors.Is(err, c.want) {
			t.Errorf("CanHear(%d, %q, %q) = %v, want %v", c.rate, c.lang, c.phrases, err, c.want)
		}
	}
}

// TestPocketSphinxAccuracy measures recognition of espeak-ng phrases at
// 16 kHz, in grammar mode (hints) and with the general language model.
// Grammar mode must get them all; the general model is only reported.
func TestPocketSphinxAccuracy(t *testing.T) {
	p := newPS(t)
	es, err := tts.NewEspeak(tts.EspeakOptions{Rate: 16000})
	if errors.Is(err, tts.ErrEngineMissing) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	phrases := []string{
		"what are your opening hours",
		"i want to talk to an agent",
		"where is my order",
		"how do i return an item",
		"i have a billing question",
		"cancel my subscription",
	}
	ctx := context.Background()
	var gramOK, lmOK int
	for _, ph := range phrases {
		a, err := es.Synthesize(ctx, ph, "en-US")
		if err != nil {
			t.Fatal(err)
		}
		g, err := p.Recognize(ctx, Utterance{Samples: a.Samples, Rate: a.Rate, Hints: phrases})
		if err != nil {
			t.Fatal(err)
		}
		l, err := p.Recognize(ctx, Utterance{Samples: a.Samples, Rate: a.Rate})
		if err != nil {
			t.Fatal(err)
		}
		if g.Text == ph {
			gramOK++
		}
		if l.Text == ph {
			lmOK++
		}
		t.Logf("%-30q grammar=%q lm=%q", ph, g.Text, l.Text)
	}
	t.Logf("pocketsphinx on espeak-ng 16 kHz: grammar %d/%d exact, language model %d/%d exact", gramOK, len(phrases), lmOK, len(phrases))
	if gramOK < len(phrases)-1 {
		t.Errorf("grammar mode recognised %d/%d phrases", gramOK, len(phrases))
	}
	// The same phrase downsampled to 8 kHz and back: what a G.711 call delivers.
	a, _ := es.Synthesize(ctx, phrases[0], "en-US")
	nb := media.Resample(media.Resample(a.Samples, 16000, 8000), 8000, 16000)
	r, err := p.Recognize(ctx, Utterance{Samples: nb, Rate: 16000, Hints: phrases})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("narrowband (8 kHz band-limited) grammar result for %q: %q", phrases[0], r.Text)
}

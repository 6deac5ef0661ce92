package asr

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/media/opus"
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

// testPhrases are what a caller of the demo asks, spoken by espeak-ng.
var testPhrases = []string{
	"what are your opening hours",
	"i want to talk to an agent",
	"where is my order",
	"how do i return an item",
	"i have a billing question",
	"cancel my subscription",
}

// newEspeak16 is espeak-ng speaking at 16 kHz, the recognizer's rate.
func newEspeak16(t *testing.T) *tts.Espeak {
	t.Helper()
	es, err := tts.NewEspeak(tts.EspeakOptions{Rate: 16000})
	if errors.Is(err, tts.ErrEngineMissing) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return es
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
	p, es := newPS(t), newEspeak16(t)
	phrases := testPhrases
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

// TestPocketSphinxThroughCodecs measures what the embedded recognizer makes
// of questions that crossed a phone call: espeak-ng speech at 16 kHz sent
// through each codec's encoder and decoder, 20 ms at a time, as the RTP
// session does. The wideband codecs keep the recognizer's accuracy; G.711
// (8 kHz, upsampled back) is reported only: it is why DTMF is the
// dependable path on narrowband calls.
func TestPocketSphinxThroughCodecs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs external speech engines")
	}
	ps, es := newPS(t), newEspeak16(t)
	phrases := testPhrases
	codecs := []media.Codec{media.G722()}
	if opus.Available {
		codecs = append(codecs, opus.New(0))
	}
	codecs = append(codecs, media.PCMU())
	ctx := context.Background()
	for _, c := range codecs {
		ok := 0
		var heard []string
		for _, ph := range phrases {
			a, err := es.Synthesize(ctx, ph, "en-US")
			if err != nil {
				t.Fatal(err)
			}
			in := append(make(media.PCM16, 4000), a.Samples...) // a little silence first, as on a call
			got := throughCodec(t, c, in)
			r, err := ps.Recognize(ctx, Utterance{Samples: got, Rate: 16000, Hints: phrases})
			if err != nil {
				t.Fatal(err)
			}
			if r.Text == ph {
				ok++
			}
			heard = append(heard, r.Text)
		}
		name := c.Info().Name
		t.Logf("pocketsphinx through %s: %d/%d exact; heard %q", name, ok, len(phrases), heard)
		if c.Info().SampleRate == 16000 && ok < len(phrases)-1 {
			t.Errorf("%s: %d/%d phrases recognised on a wideband codec", name, ok, len(phrases))
		}
	}
}

// throughCodec encodes 16 kHz speech with c and decodes it back to 16 kHz.
func throughCodec(t *testing.T, c media.Codec, in media.PCM16) media.PCM16 {
	var out media.PCM16
	dec := c.Decoder(media.FrameWriterFunc{Rate: 16000, Fn: func(p media.PCM16) error {
		out = append(out, p...)
		return nil
	}})
	enc := c.Encoder(payloadWriter(dec.WritePayload))
	var w media.FrameWriter = enc
	if enc.SampleRate() != 16000 {
		w = media.NewResampler(enc, 16000)
	}
	n := media.SamplesPerFrame(16000)
	for off := 0; off+n <= len(in); off += n {
		if err := w.WriteFrame(in[off : off+n]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

type payloadWriter func([]byte) error

func (f payloadWriter) WritePayload(p []byte) error { return f(p) }
func (f payloadWriter) String() string              { return "payloads" }

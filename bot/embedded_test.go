package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/bot/bottest"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/opus"
	"github.com/hotline-cc/hotline/tts"
)

// TestEmbeddedEnginesWideband runs the bot with no network at all on a
// 16 kHz leg: PocketSphinx hears an espeak-ng question, the retrieval
// engine answers from the demo knowledge base, espeak-ng speaks it.
func TestEmbeddedEnginesWideband(t *testing.T) {
	if testing.Short() {
		t.Skip("runs external speech engines")
	}
	ps, err := asr.NewPocketSphinx(asr.PocketSphinxOptions{})
	if errors.Is(err, asr.ErrEngineMissing) {
		t.Skip(err)
	}
	es, err := tts.NewEspeak(tts.EspeakOptions{})
	if errors.Is(err, tts.ErrEngineMissing) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	ix, err := kb.Open(context.Background(), kb.Options{Dir: "../configs/kb"})
	if err != nil {
		t.Fatal(err)
	}
	// The bot talks fast so the test does too; the caller at a normal pace.
	fast, err := tts.NewEspeak(tts.EspeakOptions{Speed: 400})
	if err != nil {
		t.Fatal(err)
	}
	question, err := es.Synthesize(context.Background(), "what are your opening hours", "en-US")
	if err != nil {
		t.Fatal(err)
	}
	leg := bottest.NewLeg("wideband-1", 16000)
	defer leg.Close()
	cfg := bot.Config{ASR: ps, Dialog: dialog.NewRetrieval(ix, 0), TTS: fast, KB: ix, ASRRate: 16000}
	p := profile()
	p.EndOfTurnSilence = 500 * time.Millisecond
	p.Hints = []string{"what are your opening hours", "where is my order", "how do i return an item", "i want to talk to an agent"}
	done := make(chan bot.Result, 1)
	go func() { done <- bot.Run(context.Background(), leg, cfg, p) }()

	leg.Say(media.Resample(question.Samples, question.Rate, 16000))
	spokeAt := time.Now()
	// The spoken answer is two sentences, about 5 s of fast espeak-ng speech.
	for i := 0; i < 300 && !(loudAfter(leg.Out(), spokeAt) > 25 && idle(leg)); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	leg.Hangup(context.Background(), "normal")
	res := <-done
	ct, bt := turns(res, "caller"), turns(res, "bot")
	if len(ct) != 1 || ct[0].Text != "what are your opening hours" {
		t.Fatalf("caller turns %+v", ct)
	}
	if len(bt) != 1 || !strings.Contains(bt[0].Text, "Monday to Friday from 8 am to 8 pm") {
		t.Fatalf("bot turns %+v", bt)
	}
	tm := bt[0].Timing
	t.Logf("embedded engines: end of turn → ASR %v → first audio out %v; answer %q",
		tm.ASRFinal.Sub(tm.EndOfSpeech), tm.FirstRTPOut.Sub(tm.EndOfSpeech), bt[0].Text)
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
	ps, err := asr.NewPocketSphinx(asr.PocketSphinxOptions{})
	if errors.Is(err, asr.ErrEngineMissing) {
		t.Skip(err)
	}
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
			r, err := ps.Recognize(ctx, asr.Utterance{Samples: got, Rate: 16000, Hints: phrases})
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

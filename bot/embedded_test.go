package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/legtest"
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
	leg := legtest.New("wideband-1", legtest.Options{Rate: 16000})
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

package ivr

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/media/legtest"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/tts"
)

// Speech menu tests run in real time: the caller's audio arrives every 20 ms on a fake leg, and
// prompts play at the pace a SIP leg would send them. Tones stand in for speech (the endpointer hears
// a loud, voiced signal); a fake recognizer answers each utterance with scripted words.

const speechRate = 8000

// speechPlan is a menu with keywords; "hours" leads back to the menu, so one call can visit it twice.
const speechPlan = `version: 1
routes:
  - name: r
    flow: main
flows:
  main:
    start: menu
    nodes:
      - id: menu
        type: menu
        prompt: "Main menu."
        options: {"0": agent, "1": hours}
        keywords: {agent: "0", "opening hours": "1"}
        timeout: %s
        retries: 1
        invalid_prompt: "Invalid."
        timeout_prompt: "Timeout."
      - {id: agent, type: say, text: "Agent."}
      - {id: hours, type: say, text: "Hours.", next: menu}
`

// promptLengths are how long each prompt plays.
var promptLengths = map[string]time.Duration{"Main menu.": 2 * time.Second, "Invalid.": 400 * time.Millisecond}

// toneTTS "speaks" each prompt as a quiet tone of the prompt's length (default 200 ms) and records
// when each text is first synthesized (prompts are cached after that).
type toneTTS struct {
	mu    sync.Mutex
	texts []string
	said  map[string]chan struct{}
}

func newToneTTS() *toneTTS { return &toneTTS{said: map[string]chan struct{}{}} }

func (f *toneTTS) Synthesize(_ context.Context, text, _ string) (tts.Audio, error) {
	d, ok := promptLengths[text]
	if !ok {
		d = 200 * time.Millisecond
	}
	f.mu.Lock()
	f.texts = append(f.texts, text)
	close(f.saidLocked(text))
	f.mu.Unlock()
	return tts.Audio{Samples: audiotest.Tone(1000, speechRate, int(d.Milliseconds()), 0.1), Rate: speechRate}, nil
}

func (f *toneTTS) Name() string { return "tone" }

func (f *toneTTS) saidLocked(text string) chan struct{} {
	ch, ok := f.said[text]
	if !ok {
		ch = make(chan struct{})
		f.said[text] = ch
	}
	return ch
}

// synthesized is closed once text has been synthesized: its prompt is about to play.
func (f *toneTTS) synthesized(text string) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.saidLocked(text)
}

func (f *toneTTS) Texts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.texts)
}

// scriptedASR answers utterances with scripted words, in order, and keeps what it was asked.
type scriptedASR struct {
	mu    sync.Mutex
	words []string
	asked []asr.Utterance
	limit func(rate int) error // nil: hears every rate
}

func (s *scriptedASR) Recognize(ctx context.Context, u asr.Utterance) (asr.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, u)
	if len(s.words) == 0 {
		return asr.Result{}, nil
	}
	w := s.words[0]
	s.words = s.words[1:]
	return asr.Result{Text: w, Confidence: 1}, nil
}

func (s *scriptedASR) Name() string { return "scripted" }

func (s *scriptedASR) CanHear(rate int, _ string, _ []string) error {
	if s.limit != nil {
		return s.limit(rate)
	}
	return nil
}

func (s *scriptedASR) Asked() []asr.Utterance {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.asked)
}

// asrSpeech is a MenuSpeech over one recognizer, like the server's.
type asrSpeech struct{ r asr.Recognizer }

func (m asrSpeech) ForMenu(phrases []string, lang string, rate int) (asr.Recognizer, error) {
	if err := asr.CanHear(m.r, rate, lang, phrases); err != nil {
		return nil, err
	}
	return m.r, nil
}

type onePlan struct{ p *dialplan.Plan }

func (o onePlan) Current() *dialplan.Plan { return o.p }

type keptRecords struct{}

func (keptRecords) PutCall(*record.Call) error { return nil }

// syncBuffer is a log destination safe for the call's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// speechCall is one call to the speech plan, running in the background.
type speechCall struct {
	leg  *legtest.Leg
	log  *slog.Logger
	tts  *toneTTS
	logs *syncBuffer
	done chan *record.Call
}

// startSpeechCall runs a call to the speech menu (with the given menu timeout) on an engine whose
// menus hear through speech (nil: keys only).
func startSpeechCall(t *testing.T, timeout string, speech MenuSpeech) *speechCall {
	t.Helper()
	plan, _, err := dialplan.Parse("speech.yaml", []byte(fmt.Sprintf(speechPlan, timeout)), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sc := &speechCall{
		leg:  legtest.New("caller", legtest.Options{Rate: speechRate, Log: log}),
		log:  log,
		tts:  newToneTTS(),
		logs: logs,
		done: make(chan *record.Call, 1),
	}
	t.Cleanup(sc.leg.Close)
	e := &Engine{Plans: onePlan{plan}, TTS: sc.tts, Records: keptRecords{}, Log: sc.log, Speech: speech}
	go func() { sc.done <- e.Run(sc.leg, CallInfo{ID: "c1", From: "100", To: "200"}) }()
	return sc
}

// say has the caller speak for ms milliseconds after a pause of pauseMs.
func (sc *speechCall) say(pauseMs, ms int) {
	sc.leg.Say(append(make(media.PCM16, speechRate*pauseMs/1000), audiotest.Tone(300, speechRate, ms, 0.3)...))
}

// pressInMenuAfter presses key in the menu that follows text's prompt, well after the menu has
// discarded earlier keys and while its prompt plays (or it waits).
func (sc *speechCall) pressInMenuAfter(text string, key rune) {
	<-sc.tts.synthesized(text)
	time.Sleep(1500 * time.Millisecond)
	sc.leg.Press(key)
}

// wait returns the call's record once it has ended.
func (sc *speechCall) wait(t *testing.T) *record.Call {
	t.Helper()
	select {
	case rec := <-sc.done:
		return rec
	case <-time.After(30 * time.Second):
		t.Fatalf("the call did not end; log:\n%s", sc.logs)
		return nil
	}
}

// edges lists the nodes the call ran and the edges they took: "menu -0-> ".
func edges(rec *record.Call) []string {
	var out []string
	for _, s := range rec.Path {
		out = append(out, s.Node+" -"+s.Edge+"->")
	}
	return out
}

func wantPath(t *testing.T, sc *speechCall, rec *record.Call, want ...string) {
	t.Helper()
	if got := edges(rec); !slices.Equal(got, want) {
		t.Errorf("path %q, want %q; log:\n%s", got, want, sc.logs)
	}
}

func TestMenuSpeechPicksOption(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		pauseMs int // from the start of the call to the caller's words
		bargeIn bool
	}{
		{"during the prompt", 500, true},
		{"after the prompt", 2600, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &scriptedASR{words: []string{"I want an agent please"}}
			sc := startSpeechCall(t, "4s", asrSpeech{rec})
			sc.say(tc.pauseMs, 600)
			r := sc.wait(t)
			wantPath(t, sc, r, "menu -0->", "agent -next->")
			asked := rec.Asked()
			if len(asked) != 1 {
				t.Fatalf("recognizer asked %d times, want 1", len(asked))
			}
			if u := asked[0]; u.Rate != speechRate || u.Lang != "en-US" || !slices.Equal(u.Hints, []string{"agent", "opening hours"}) ||
				u.Duration() < 500*time.Millisecond || u.Duration() > time.Second {
				t.Errorf("utterance: rate %d, lang %q, hints %q, %v long", u.Rate, u.Lang, u.Hints, u.Duration())
			}
			// The caller's words stopped the prompt (the leg's queued audio was flushed) only when said
			// during it.
			if stopped := len(sc.leg.Flushes()) > 0; stopped != tc.bargeIn {
				t.Errorf("prompt stopped by speech: %v, want %v", stopped, tc.bargeIn)
			}
			if !strings.Contains(sc.logs.String(), `msg="menu heard" text="I want an agent please"`) {
				t.Errorf("no log of what the menu heard:\n%s", sc.logs)
			}
		})
	}
}

func TestMenuSpeechKeyStillWorks(t *testing.T) {
	t.Parallel()
	rec := &scriptedASR{words: []string{"opening hours"}}
	sc := startSpeechCall(t, "4s", asrSpeech{rec})
	// The key is pressed while the caller is still talking: it wins at once.
	sc.say(300, 3000)
	time.Sleep(time.Second)
	sc.leg.Press('0')
	r := sc.wait(t)
	wantPath(t, sc, r, "menu -0->", "agent -next->")
	if n := len(rec.Asked()); n != 0 {
		t.Errorf("recognizer asked %d times; the key came before the words ended", n)
	}
}

func TestMenuSpeechUnmatchedIsInvalid(t *testing.T) {
	t.Parallel()
	rec := &scriptedASR{words: []string{"what is the weather", "opening hours"}}
	sc := startSpeechCall(t, "4s", asrSpeech{rec})
	sc.say(500, 600)
	<-sc.tts.synthesized("Invalid.")
	// Heard during the menu's second prompt, or after it.
	sc.say(1500, 600)
	sc.pressInMenuAfter("Hours.", '0')
	r := sc.wait(t)
	wantPath(t, sc, r, "menu -1->", "hours -next->", "menu -0->", "agent -next->")
	if got, want := sc.tts.Texts(), []string{"Main menu.", "Invalid.", "Hours.", "Agent."}; !slices.Equal(got, want) {
		t.Errorf("prompts synthesized %q, want %q", got, want)
	}
	if n := len(rec.Asked()); n != 2 {
		t.Errorf("recognizer asked %d times, want 2", n)
	}
}

func TestMenuSpeechWaitsForSpeakingCaller(t *testing.T) {
	t.Parallel()
	rec := &scriptedASR{words: []string{"opening hours"}}
	sc := startSpeechCall(t, "2s", asrSpeech{rec})
	// The prompt ends at 2 s. The caller starts before the 2 s timeout runs out and is still talking
	// when it does.
	sc.say(2800, 2500)
	sc.pressInMenuAfter("Hours.", '0')
	r := sc.wait(t)
	wantPath(t, sc, r, "menu -1->", "hours -next->", "menu -0->", "agent -next->")
	if slices.Contains(sc.tts.Texts(), "Timeout.") {
		t.Errorf("the menu timed out while the caller spoke: %q", sc.tts.Texts())
	}
}

func TestMenuSpeechKeysOnly(t *testing.T) {
	t.Parallel()
	deaf := &scriptedASR{words: []string{"agent"}, limit: func(rate int) error {
		return fmt.Errorf("%d Hz audio: %w", rate, asr.ErrUnsupportedRate)
	}}
	for _, tc := range []struct {
		name   string
		speech MenuSpeech
		reason string
	}{
		{"no recognizer", nil, errNoSpeech.Error()},
		{"unsupported rate", asrSpeech{deaf}, "8000 Hz audio: asr: unsupported sample rate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := startSpeechCall(t, "4s", tc.speech)
			sc.say(500, 600) // nobody listens: the prompt plays on
			time.Sleep(1500 * time.Millisecond)
			sc.leg.Press('1')
			sc.pressInMenuAfter("Hours.", '0')
			r := sc.wait(t)
			wantPath(t, sc, r, "menu -1->", "hours -next->", "menu -0->", "agent -next->")
			logs := sc.logs.String()
			if strings.Contains(logs, "the caller speaks") || len(deaf.Asked()) != 0 {
				t.Errorf("the caller was heard on a call that cannot be heard:\n%s", logs)
			}
			// Logged once per call, though the menu ran twice.
			if n := strings.Count(logs, `msg="menu answers keys only"`); n != 1 {
				t.Errorf("keys-only logged %d times, want once:\n%s", n, logs)
			}
			if !strings.Contains(logs, tc.reason) {
				t.Errorf("log does not say why (%q):\n%s", tc.reason, logs)
			}
		})
	}
}

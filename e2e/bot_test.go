package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/bot/openaitest"
	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/tts"
)

// botDialplan routes 5000 to the assistant bot, which escalates to the
// support queue; hints are the phrases its recognizer listens for (the
// embedded one needs them).
func botDialplan(t testing.TB, hints ...string) string {
	kb, err := filepath.Abs("../configs/kb")
	if err != nil {
		t.Fatal(err)
	}
	return `version: 1
queues:
  support:
    members: [alice]
    ring_timeout: 15s
    max_wait: 30s
bots:
  assistant:
    knowledge_base: ` + kb + `
    hints: [` + strings.Join(quoteAll(hints), ", ") + `]
    barge_in: true
    end_of_turn_silence: 500ms
    escalate_queue: support
    escalate_on: [request]
routes:
  - name: bot
    to: "5000"
    flow: bot
flows:
  bot:
    start: assistant
    nodes:
      - id: assistant
        type: bot
        profile: assistant
        done: bye
        escalate: agent
        error: bye
      - id: agent
        type: queue
        queue: support
        next: bye
        noagent: bye
        timeout: bye
      - id: bye
        type: hangup
`
}

// quoteAll quotes each string for YAML.
func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// voicedExtent is the time from the first to the last frame above
// -50 dBFS: the phrase without espeak-ng's leading and trailing silence.
func voicedExtent(p media.PCM16, rate int) time.Duration {
	n := media.SamplesPerFrame(rate)
	first, last := -1, -1
	for i := 0; i+n <= len(p); i += n {
		if db, _ := media.FrameLevel(p[i : i+n]); db > -50 {
			if first < 0 {
				first = i
			}
			last = i + n
		}
	}
	if first < 0 {
		return 0
	}
	return time.Duration(last-first) * time.Second / time.Duration(rate)
}

// speechWAV writes the caller's "microphone" at 8 kHz: each phrase spoken
// by espeak-ng after a pause, then silence. It returns the file and each
// phrase's voiced length.
func speechWAV(t testing.TB, pauses []time.Duration, phrases []string) (string, []time.Duration) {
	return speechWAVAt(t, 8000, pauses, phrases)
}

// speechWAVAt is speechWAV at rate (16000 for an HD phone's microphone).
func speechWAVAt(t testing.TB, rate int, pauses []time.Duration, phrases []string) (string, []time.Duration) {
	t.Helper()
	es, err := tts.NewEspeak(tts.EspeakOptions{Rate: rate})
	if err != nil {
		t.Skip(err)
	}
	var all media.PCM16
	var lens []time.Duration
	for i, p := range phrases {
		all = append(all, make(media.PCM16, int(pauses[i].Seconds()*float64(rate)))...)
		a, err := es.Synthesize(context.Background(), p, "en-US")
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, a.Samples...)
		lens = append(lens, voicedExtent(a.Samples, rate))
	}
	all = append(all, make(media.PCM16, 30*rate)...)
	path := filepath.Join(t.TempDir(), "caller-speech.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := media.WriteWAV(f, all, rate); err != nil {
		t.Fatal(err)
	}
	return path, lens
}

// loudSegments returns the lengths of the stretches of rec louder than
// -40 dBFS, bridging gaps under 300 ms (pauses between words).
func loudSegments(rec media.PCM16, rate int) []time.Duration {
	n := media.SamplesPerFrame(rate)
	var segs []time.Duration
	start, quiet := -1, 0
	for i := 0; i+n <= len(rec); i += n {
		db, _ := media.FrameLevel(rec[i : i+n])
		if db > -40 {
			if start < 0 {
				start = i
			}
			quiet = 0
			continue
		}
		if start >= 0 {
			if quiet++; quiet*20 >= 300 {
				segs = append(segs, time.Duration(i-quiet*n-start)*time.Second/time.Duration(rate))
				start, quiet = -1, 0
			}
		}
	}
	return segs
}

// TestBotAnswersThenHandsOver: a caller asks a question with real speech
// over SIP; the bot cuts the utterance, has it transcribed (a local
// OpenAI-compatible server stands in for the cloud ASR and LLM), speaks the
// streamed answer with espeak-ng, and on "I want to talk to an agent" hands
// the caller to the support queue with a handoff packet stored on the call.
func TestBotAnswersThenHandsOver(t *testing.T) {
	ai := openaitest.New()
	defer ai.Close()
	ai.Transcripts(openaitest.Transcript{Text: "what are your opening hours"}, openaitest.Transcript{Text: "I want to talk to an agent"})
	reply := "We are open Monday to Friday from 8 am to 8 pm."
	ai.Script(openaitest.Reply{Deltas: []string{"We are open Monday to Friday ", "from 8 am to 8 pm."}})

	srv := StartServer(t, ServerOptions{Dialplan: botDialplan(t), Extra: openAIEngines(ai.BaseURL())})
	agent := startAgent(t, srv, "alice", "alice-demo", true)

	mic, lens := speechWAV(t, []time.Duration{1500 * time.Millisecond, 7 * time.Second},
		[]string{"what are your opening hours", "I want to talk to an agent"})
	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13800000000", PlayWAV: mic, MaxCallSeconds: 40})
	if err := caller.Dial("sip:5000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("caller: call not established: %v", err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 25*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("agent never got the escalated call: %v\n%s", err, srv.Log())
	}
	time.Sleep(2 * time.Second)
	if err := caller.Hangup(); err != nil {
		t.Fatal(err)
	}
	caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallClosed)
	agent.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed)

	c := srv.WaitCalls(t, 1, 10*time.Second)[0]
	var said []string
	for _, tr := range c.Transcript {
		said = append(said, tr.Speaker+": "+tr.Text)
	}
	t.Logf("transcript:\n  %s", strings.Join(said, "\n  "))
	if len(c.Transcript) < 4 {
		t.Fatalf("transcript has %d turns, want caller/bot/caller/bot", len(c.Transcript))
	}
	q, a := c.Transcript[0], c.Transcript[1]
	if q.Speaker != "caller" || q.Text != "what are your opening hours" || a.Speaker != "bot" || a.Text != reply {
		t.Errorf("first exchange %+v / %+v", q, a)
	}
	// The utterance was cut where the speech ends (within 100 ms plus the 80 ms hangover).
	if d, want := q.End.Sub(q.Start), lens[0]; d < want-100*time.Millisecond || d > want+200*time.Millisecond {
		t.Errorf("first utterance lasted %v, espeak-ng's speech %v", d, want)
	} else {
		t.Logf("first utterance lasted %v, espeak-ng's speech %v", d, want)
	}
	if a.Timing == nil || a.Timing.FirstRTPOut.IsZero() {
		t.Errorf("bot turn without timing: %+v", a)
	} else {
		t.Logf("voice-to-voice (end-of-turn decision → first bot frame): %v", a.Timing.FirstRTPOut.Sub(a.Timing.EndOfSpeech))
	}
	h := c.Handoff
	if h == nil || h.Reason != "caller asked for an agent" || h.Queue != "support" || !strings.Contains(h.Summary, "opening hours") || len(h.Transcript) < 4 {
		t.Errorf("handoff %+v", h)
	}
	if c.Agent != "alice" {
		t.Errorf("call record agent %q", c.Agent)
	}

	// The answer reached the caller, as long as espeak-ng takes to say it.
	es, _ := tts.NewEspeak(tts.EspeakOptions{Rate: 8000})
	want, err := es.Synthesize(context.Background(), reply, "en-US")
	if err != nil {
		t.Fatal(err)
	}
	rec, rate, err := audiotest.ReadWAVFile(caller.RecordedWAV())
	if err != nil {
		t.Fatal(err)
	}
	segs := loudSegments(rec, rate)
	found := false
	for _, s := range segs {
		if s > want.Duration()*3/4 && s < want.Duration()*5/4 {
			found = true
		}
	}
	if !found {
		t.Errorf("no stretch of audio at the caller lasts like the %v answer: %v", want.Duration(), segs)
	}
}

// TestBotBargeIn: while the bot reads a long answer, the caller talks over
// it. Measured at the caller: the bot's audio stops soon after the caller
// starts speaking, and the transcript keeps only what the caller heard.
func TestBotBargeIn(t *testing.T) {
	ai := openaitest.New()
	defer ai.Close()
	ai.Transcripts(openaitest.Transcript{Text: "tell me about delivery"}, openaitest.Transcript{Text: "what about returns"})
	long := "Standard delivery takes three to five working days within the Netherlands, Belgium and Germany. " +
		"Delivery to the rest of the European Union takes five to eight working days. " +
		"Express delivery arrives the next working day when you order before two in the afternoon."
	ai.Script(
		openaitest.Reply{Deltas: []string{long}},
		openaitest.Reply{Deltas: []string{"Returns are free within thirty days."}},
	)
	srv := StartServer(t, ServerOptions{Dialplan: botDialplan(t), Extra: openAIEngines(ai.BaseURL())})

	// Question at 1.5 s; the caller interrupts 3 s after it ends, while the
	// bot (which starts about 0.5 s after the question) is mid-answer.
	pauses := []time.Duration{1500 * time.Millisecond, 3 * time.Second}
	mic, _ := speechWAV(t, pauses, []string{"tell me about delivery", "wait, what about returns"})
	micPCM, _, err := audiotest.ReadWAVFile(mic)
	if err != nil {
		t.Fatal(err)
	}
	// Where the interruption starts in the caller's audio.
	bargeAt := firstLoudAfter(micPCM, 8000, firstQuietAfter(micPCM, 8000, pauses[0]+200*time.Millisecond)+pauses[1]/2)

	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13800000001", PlayWAV: mic, MaxCallSeconds: 30})
	if err := caller.Dial("sip:5000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("caller: call not established: %v", err)
	}
	if !srv.WaitLog("bot heard", 15*time.Second) {
		t.Fatalf("bot never heard the question\n%s", srv.Log())
	}
	time.Sleep(9 * time.Second) // question, interruption, and the second answer
	if err := caller.Hangup(); err != nil {
		t.Fatal(err)
	}
	caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallClosed)

	c := srv.WaitCalls(t, 1, 10*time.Second)[0]
	var bots []string
	var cut *struct{ text string }
	for _, tr := range c.Transcript {
		if tr.Speaker == "bot" {
			bots = append(bots, tr.Text)
			if tr.Interrupted && cut == nil {
				cut = &struct{ text string }{tr.Text}
			}
		}
	}
	t.Logf("bot turns: %q", bots)
	if cut == nil || cut.text == "" || !strings.HasPrefix(long, strings.TrimSuffix(cut.text, "…")) || len(cut.text) >= len(long) {
		t.Fatalf("no interrupted bot turn holding a prefix of the answer: %q", bots)
	}
	if bots[len(bots)-1] != "Returns are free within thirty days." {
		t.Errorf("the interruption was not answered: %q", bots)
	}

	// At the caller: the first answer's audio ends soon after bargeAt.
	rec, rate, err := audiotest.ReadWAVFile(caller.RecordedWAV())
	if err != nil {
		t.Fatal(err)
	}
	stop := firstQuietAfter(rec, rate, bargeAt-500*time.Millisecond)
	reaction := stop - bargeAt
	t.Logf("caller started talking over the bot at %v; bot audio stopped at %v (%v later; min_barge_in is 300 ms)", bargeAt, stop, reaction)
	if reaction < 200*time.Millisecond || reaction > 300*time.Millisecond+300*time.Millisecond {
		t.Errorf("bot audio stopped %v after the caller began, want about 300 ms (min_barge_in) plus transport", reaction)
	}
}

// firstLoudAfter is the start of the first 20 ms frame after from above -40 dBFS.
func firstLoudAfter(p media.PCM16, rate int, from time.Duration) time.Duration {
	n := media.SamplesPerFrame(rate)
	for i := int(from.Seconds()*float64(rate)) / n * n; i+n <= len(p); i += n {
		if db, _ := media.FrameLevel(p[i : i+n]); db > -40 {
			return time.Duration(i) * time.Second / time.Duration(rate)
		}
	}
	return -1
}

// firstQuietAfter is where, after from, the audio first stays below -40 dBFS for 300 ms.
func firstQuietAfter(p media.PCM16, rate int, from time.Duration) time.Duration {
	n := media.SamplesPerFrame(rate)
	quiet := 0
	for i := int(from.Seconds()*float64(rate)) / n * n; i+n <= len(p); i += n {
		if db, _ := media.FrameLevel(p[i : i+n]); db > -40 {
			quiet = 0
			continue
		}
		if quiet++; quiet == 15 {
			return time.Duration(i-14*n) * time.Second / time.Duration(rate)
		}
	}
	return -1
}

// openAIEngines is the hotline.yaml section pointing speech recognition and
// the dialog model at a local OpenAI-compatible server.
func openAIEngines(baseURL string) string {
	return `engines:
  asr:
    backend: openai
    base_url: ` + baseURL + `
  llm:
    backend: openai
    base_url: ` + baseURL + `
    model: test-model
`
}

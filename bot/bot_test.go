package bot_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/bot/openaitest"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/media/legtest"
	"github.com/hotline-cc/hotline/openaicompat"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/tts"
)

const legRate = 8000

// msPerChar is how long the fake TTS speaks each character.
const msPerChar = 15

// speech is a caller "utterance": a loud low tone the VAD takes for voice.
func speech(ms int) media.PCM16 { return audiotest.Tone(220, legRate, ms, 0.3) }

type rig struct {
	srv *openaitest.Server
	leg *legtest.Leg
	cfg bot.Config

	mu     sync.Mutex
	played []record.Turn // bot turns as Config.OnTurn reported them
}

// botTurnsPlayed is how many bot turns have ended so far.
func (r *rig) botTurnsPlayed() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.played) }

func newRig(t *testing.T, llm bool) *rig {
	t.Helper()
	srv := openaitest.New()
	srv.SpeechMsPerChar = msPerChar
	t.Cleanup(srv.Close)
	t.Cleanup(srv.Release)
	rec, err := asr.NewOpenAI(asr.Config{Endpoint: openaicompat.Endpoint{BaseURL: srv.BaseURL()}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	syn, err := tts.NewOpenAI(tts.OpenAIConfig{Endpoint: openaicompat.Endpoint{BaseURL: srv.BaseURL()}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := kb.Open(context.Background(), kb.Options{Dir: "../configs/kb"})
	if err != nil {
		t.Fatal(err)
	}
	var eng dialog.Engine = dialog.NewRetrieval(ix, 0)
	if llm {
		eng, err = dialog.NewOpenAI(dialog.Config{Endpoint: openaicompat.Endpoint{BaseURL: srv.BaseURL(), Model: "test"}, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
	}
	leg := legtest.New("call-1", legtest.Options{Rate: legRate})
	t.Cleanup(leg.Close)
	r := &rig{srv: srv, leg: leg}
	r.cfg = bot.Config{ASR: rec, Dialog: eng, TTS: syn, KB: ix, EngineTimeout: 2 * time.Second, OnTurn: func(t record.Turn) {
		r.mu.Lock()
		r.played = append(r.played, t)
		r.mu.Unlock()
	}}
	return r
}

func profile() bot.Profile {
	return bot.Profile{Name: "support", Language: "en-US", BargeIn: true, EscalateQueue: "support",
		EndOfTurnSilence: 300 * time.Millisecond, DTMF: map[rune]string{'0': "agent", '9': "end"}}
}

func (r *rig) run(p bot.Profile) <-chan bot.Result {
	ch := make(chan bot.Result, 1)
	go func() { ch <- bot.Run(context.Background(), r.leg, r.cfg, p) }()
	return ch
}

func wait(t *testing.T, ch <-chan bot.Result) bot.Result {
	t.Helper()
	select {
	case res := <-ch:
		return res
	case <-time.After(20 * time.Second):
		t.Fatal("bot did not finish")
		return bot.Result{}
	}
}

// waitFor polls cond every 10 ms for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// idle reports whether the bot has written audio and then stopped for 150 ms.
func idle(l *legtest.Leg) bool {
	out := l.Out()
	return len(out) > 0 && time.Since(out[len(out)-1].At) > 150*time.Millisecond
}

func loudAfter(frames []legtest.Frame, at time.Time) int {
	n := 0
	for _, f := range frames {
		if f.Loud && f.At.After(at) {
			n++
		}
	}
	return n
}

func turns(res bot.Result, speaker string) []record.Turn {
	var out []record.Turn
	for _, t := range res.Transcript {
		if t.Speaker == speaker {
			out = append(out, t)
		}
	}
	return out
}

func TestFirstSentencePlaysBeforeLLMFinishes(t *testing.T) {
	r := newRig(t, true)
	r.srv.Transcripts(openaitest.Transcript{Text: "how much is express delivery"})
	r.srv.Script(openaitest.Reply{Deltas: []string{"Express delivery ", "costs 9.95 euros. ", "It arrives"}, Hold: true})
	done := r.run(profile())

	r.leg.Say(speech(600))
	spokeAt := time.Now()
	waitFor(t, "bot audio", func() bool { return loudAfter(r.leg.Out(), spokeAt) > 0 })
	// The model is still holding its stream open: the first sentence played anyway.
	if got := r.srv.ChatRequests(); len(got) != 1 {
		t.Fatalf("%d chat requests", len(got))
	}
	r.srv.Release()
	waitFor(t, "the rest of the reply", func() bool { return idle(r.leg) && loudAfter(r.leg.Out(), spokeAt) > 30 })
	r.leg.Hangup(context.Background(), "normal")
	res := wait(t, done)

	if res.Outcome != bot.OutcomeHangup {
		t.Errorf("outcome %s", res.Outcome)
	}
	bt := turns(res, "bot")
	if len(bt) != 1 || bt[0].Text != "Express delivery costs 9.95 euros. It arrives" || bt[0].Interrupted {
		t.Fatalf("bot turns %+v", bt)
	}
	tm := bt[0].Timing
	if tm == nil || tm.EndOfSpeech.IsZero() || tm.ASRFinal.Before(tm.EndOfSpeech) || tm.LLMFirstToken.Before(tm.ASRFinal) ||
		tm.FirstTTSAudio.Before(tm.LLMFirstToken) || tm.FirstRTPOut.Before(tm.FirstTTSAudio) {
		t.Errorf("timing out of order: %+v", tm)
	}
	// The reply's audio is the server's 440 Hz "speech", about as long as the text.
	audio := r.leg.OutAudio()
	if ok, _ := audiotest.DetectTone(audio, 440, legRate); !ok {
		t.Error("bot audio is not the synthesized speech")
	}
	loud := loudAfter(r.leg.Out(), spokeAt)
	wantFrames := len("Express delivery costs 9.95 euros.") * msPerChar / 20
	if loud < wantFrames {
		t.Errorf("%d loud frames, want at least %d for the first sentence", loud, wantFrames)
	}
	ct := turns(res, "caller")
	if len(ct) != 1 || ct[0].Text != "how much is express delivery" {
		t.Errorf("caller turns %+v", ct)
	}
	// The utterance was cut where the speech ended (600 ms of it, plus hangover).
	if d := ct[0].End.Sub(ct[0].Start); d < 560*time.Millisecond || d > 760*time.Millisecond {
		t.Errorf("caller turn lasted %v, want about 600 ms", d)
	}
	// The prompt carried the knowledge-base passages.
	sys := r.srv.ChatRequests()[0].Messages[0].Content
	if !strings.Contains(sys, "Express delivery costs 9.95 euros") {
		t.Errorf("system prompt lacks the shipping passage:\n%s", sys)
	}
}

func TestBargeInStopsBotWithinOneFrame(t *testing.T) {
	r := newRig(t, true)
	long := "Standard delivery takes three to five working days within the Netherlands, Belgium and Germany, and longer elsewhere in the union. "
	r.srv.Transcripts(openaitest.Transcript{Text: "tell me about delivery"}, openaitest.Transcript{Text: "stop, what about returns"})
	r.srv.Script(
		openaitest.Reply{Deltas: []string{long, long, "Express delivery arrives the next working day."}},
		openaitest.Reply{Deltas: []string{"Returns are free."}},
	)
	p := profile()
	p.MinBargeIn = 300 * time.Millisecond
	done := r.run(p)

	r.leg.Say(speech(500))
	spokeAt := time.Now()
	waitFor(t, "bot audio", func() bool { return loudAfter(r.leg.Out(), spokeAt) > 25 })
	nIn := len(r.leg.In())
	r.leg.Say(speech(800))
	waitFor(t, "caller barge-in audio sent", func() bool { return r.leg.Quiet() })

	// The frame that completes 300 ms of caller speech is the 15th loud
	// one; the bot cannot answer before the caller's last loud frame.
	in := r.leg.In()[nIn:]
	var cross, next, lastLoud legtest.Frame
	loudSeen := 0
	for i, f := range in {
		if !f.Loud {
			continue
		}
		if loudSeen++; loudSeen == 15 && i+1 < len(in) {
			cross, next = f, in[i+1]
		}
		lastLoud = f
	}
	if cross.Seq == 0 {
		t.Fatal("barge-in speech not sent")
	}
	// The bot was stopped while it took in that frame, on the leg's
	// goroutine: the flush came inside the frame's WriteFrame.
	fl := r.leg.FlushEvents()
	if len(fl) == 0 || fl[0].During != cross.Seq || fl[0].Seq > next.Seq {
		t.Fatalf("flushes %+v; the crossing frame is %d, the next caller frame %d", fl, cross.Seq, next.Seq)
	}
	// Bot audio written after the flush while the caller still talked: at
	// most the frame the leg was already taking.
	after := 0
	for _, f := range r.leg.Out() {
		if f.Loud && f.Seq > fl[0].Seq && f.Seq < lastLoud.Seq {
			after++
		}
	}
	if after > 1 {
		t.Errorf("%d bot frames after the barge-in threshold, want ≤ 1", after)
	}
	t.Logf("barge-in: %d frames after the crossing", after)

	// The barge-in utterance is answered, with no stale audio of the first reply.
	waitFor(t, "second answer", func() bool { return len(r.srv.ChatRequests()) == 2 })
	waitFor(t, "second answer played", func() bool { return r.botTurnsPlayed() == 2 })
	r.leg.Hangup(context.Background(), "normal")
	res := wait(t, done)
	bt := turns(res, "bot")
	if len(bt) < 2 {
		t.Fatalf("bot turns %+v", bt)
	}
	if !bt[0].Interrupted || bt[0].Text == "" || len(bt[0].Text) >= len(long) {
		t.Errorf("interrupted turn should hold only what was heard: %+v", bt[0])
	}
	if !strings.HasPrefix(long, strings.TrimSuffix(bt[0].Text, "…")) {
		t.Errorf("heard text %q is not a prefix of the reply", bt[0].Text)
	}
	if bt[1].Text != "Returns are free." {
		t.Errorf("second turn %q", bt[1].Text)
	}
	// The second request saw the interrupted reply as heard, then the new question.
	msgs := r.srv.ChatRequests()[1].Messages
	if last := msgs[len(msgs)-1]; last.Content != "stop, what about returns" {
		t.Errorf("last message %+v", last)
	}
}

func TestCoughDoesNotInterrupt(t *testing.T) {
	r := newRig(t, false)
	r.srv.Transcripts(openaitest.Transcript{Text: "how much does express delivery cost"})
	done := r.run(profile())
	r.leg.Say(speech(500))
	spokeAt := time.Now()
	waitFor(t, "bot audio", func() bool { return loudAfter(r.leg.Out(), spokeAt) > 5 })
	r.leg.Say(speech(160)) // a cough: over MinSpeech, under MinBargeIn
	waitFor(t, "the bot to finish", func() bool { return idle(r.leg) && r.leg.Quiet() })
	time.Sleep(500 * time.Millisecond) // room for a wrongly detected turn to show
	r.leg.Hangup(context.Background(), "normal")
	res := wait(t, done)
	if len(r.leg.Flushes()) != 0 {
		t.Error("a cough flushed the bot's audio")
	}
	bt := turns(res, "bot")
	if len(bt) != 1 || bt[0].Interrupted || !strings.Contains(bt[0].Text, "9.95") {
		t.Errorf("bot turns %+v", bt)
	}
	if n := r.srv.TranscriptionCount(); n != 1 {
		t.Errorf("%d utterances recognised, want 1 (the cough is not a turn)", n)
	}
}

func TestAgentRequestEscalatesWithHandoff(t *testing.T) {
	r := newRig(t, false)
	r.srv.Transcripts(openaitest.Transcript{Text: "how long do refunds take"}, openaitest.Transcript{Text: "I want to talk to an agent"})
	done := r.run(profile())
	r.leg.Say(speech(400))
	waitFor(t, "first answer", func() bool { return r.srv.TranscriptionCount() == 1 })
	waitFor(t, "first answer played", func() bool { return len(r.leg.Out()) > 20 && idle(r.leg) })
	r.leg.Say(speech(400))
	res := wait(t, done)
	if res.Outcome != bot.OutcomeEscalate || res.Handoff == nil {
		t.Fatalf("result %+v", res)
	}
	h := res.Handoff
	if h.Queue != "support" || h.Reason != "caller asked for an agent" || !strings.Contains(h.Summary, "refunds") || h.Intent == "" {
		t.Errorf("handoff %+v", h)
	}
	if len(h.Transcript) != 4 || h.Transcript[3].Text != "I'll connect you to a colleague now." {
		t.Errorf("handoff transcript %+v", h.Transcript)
	}
	if !strings.Contains(h.Transcript[1].Text, "14 days") {
		t.Errorf("refund answer %q", h.Transcript[1].Text)
	}
}

func TestOutsideKBSaysDontKnowAndTransfers(t *testing.T) {
	r := newRig(t, false)
	r.srv.Transcripts(openaitest.Transcript{Text: "do you sell electric cars"})
	done := r.run(profile())
	r.leg.Say(speech(400))
	res := wait(t, done)
	if res.Outcome != bot.OutcomeEscalate || res.Handoff.Reason != "low retrieval confidence" {
		t.Fatalf("result %+v", res)
	}
	bt := turns(res, "bot")
	if len(bt) != 1 || !strings.Contains(bt[0].Text, "don't have information") {
		t.Errorf("bot turns %+v", bt)
	}
}

func TestLLMTransferToolBuildsHandoff(t *testing.T) {
	r := newRig(t, true)
	r.srv.Transcripts(openaitest.Transcript{Text: "my sofa arrived with a broken leg, order NW123"})
	r.srv.Script(openaitest.Reply{Deltas: []string{"I'm sorry to hear that. I'll connect you."}, ToolCalls: []openaitest.ToolCall{{
		Name: dialog.ToolTransfer, Arguments: `{"reason":"damaged item","summary":"Sofa from order NW123 arrived with a broken leg.","intent":"damaged_item","order_number":"NW123"}`}}})
	done := r.run(profile())
	r.leg.Say(speech(400))
	res := wait(t, done)
	if res.Outcome != bot.OutcomeEscalate {
		t.Fatalf("result %+v", res)
	}
	h := res.Handoff
	if h.Summary != "Sofa from order NW123 arrived with a broken leg." || h.Intent != "damaged_item" || h.Slots["order_number"] != "NW123" || h.Reason != "damaged item" {
		t.Errorf("handoff %+v", h)
	}
	if bt := turns(res, "bot"); len(bt) != 1 || bt[0].Text != "I'm sorry to hear that. I'll connect you." {
		t.Errorf("the bot should finish its sentence before transferring: %+v", bt)
	}
}

func TestEngineErrorsSayFillerThenRecover(t *testing.T) {
	r := newRig(t, true)
	r.srv.Transcripts(openaitest.Transcript{Text: "what are your opening hours"})
	r.srv.Script(openaitest.Reply{Status: http.StatusInternalServerError}, openaitest.Reply{Deltas: []string{"We open at 8 am."}})
	done := r.run(profile())
	r.leg.Say(speech(400))
	waitFor(t, "answer", func() bool { return len(r.srv.ChatRequests()) == 2 })
	waitFor(t, "answer played", func() bool { return r.botTurnsPlayed() == 2 })
	r.leg.Hangup(context.Background(), "normal")
	res := wait(t, done)
	bt := turns(res, "bot")
	if len(bt) != 2 || bt[0].Text != "One moment, please." || bt[1].Text != "We open at 8 am." {
		t.Errorf("bot turns %+v", bt)
	}
}

func TestEngineDownEscalates(t *testing.T) {
	r := newRig(t, true)
	r.srv.Transcripts(openaitest.Transcript{Status: http.StatusBadGateway})
	p := profile()
	p.MaxFailedTurns = 1
	done := r.run(p)
	r.leg.Say(speech(400))
	res := wait(t, done)
	if res.Outcome != bot.OutcomeEscalate {
		t.Fatalf("result %+v", res)
	}
	bt := turns(res, "bot")
	if len(bt) != 2 || bt[0].Text != "One moment, please." || bt[1].Text != "I'll connect you to a colleague now." {
		t.Errorf("bot turns %+v (no dead air: a filler, then the transfer line)", bt)
	}
}

func TestDTMFDuringGreeting(t *testing.T) {
	r := newRig(t, false)
	p := profile()
	p.Greeting = "Welcome to Northwind Home. You can ask me about orders, delivery, returns and billing."
	done := r.run(p)
	waitFor(t, "greeting", func() bool { return loudAfter(r.leg.Out(), time.Time{}) > 10 })
	r.leg.Press('0')
	res := wait(t, done)
	if res.Outcome != bot.OutcomeEscalate || res.Handoff.Reason != "caller pressed 0" {
		t.Fatalf("result %+v", res)
	}
	// The greeting was cut off where the key came, and flushed.
	bt := turns(res, "bot")
	if len(bt) != 2 || !bt[0].Interrupted || len(bt[0].Text) >= len(p.Greeting) || bt[1].Text != "I'll connect you to a colleague now." {
		t.Errorf("bot turns %+v", bt)
	}
	if len(r.leg.Flushes()) == 0 {
		t.Error("greeting not flushed on DTMF")
	}
	quietAfter(t, r)
}

// TestDTMFWhileRecognizing: a key the caller presses while the recognizer
// is still working is acted on at once, not after the engine returns.
func TestDTMFWhileRecognizing(t *testing.T) {
	r := newRig(t, false)
	r.srv.Transcripts(openaitest.Transcript{Text: "what are your opening hours", Delay: 1500 * time.Millisecond})
	done := r.run(profile())
	r.leg.Say(speech(400))
	waitFor(t, "the recognizer to be asked", func() bool { return r.srv.TranscriptionCount() == 1 })
	r.leg.Press('0')
	res := wait(t, done)
	if res.Outcome != bot.OutcomeEscalate || res.Handoff == nil || res.Handoff.Reason != "caller pressed 0" {
		t.Fatalf("result %+v", res)
	}
	bt := turns(res, "bot")
	if len(bt) != 1 || bt[0].Text != "I'll connect you to a colleague now." {
		t.Fatalf("bot turns %+v", bt)
	}
	// The recognition was abandoned, not waited for: what it would have
	// heard never joined the conversation.
	if ct := turns(res, "caller"); len(ct) != 0 {
		t.Errorf("caller turns %+v: the key waited for the recognizer", ct)
	}
}

func TestMalformedToolCallRetriesAfterFiller(t *testing.T) {
	r := newRig(t, true)
	r.srv.Transcripts(openaitest.Transcript{Text: "I need help with my order"})
	r.srv.Script(
		openaitest.Reply{ToolCalls: []openaitest.ToolCall{{Name: dialog.ToolTransfer, Arguments: `{"reason": "x", summ`}}},
		openaitest.Reply{Deltas: []string{"Sure, what is your order number?"}},
	)
	done := r.run(profile())
	r.leg.Say(speech(400))
	waitFor(t, "retry", func() bool { return len(r.srv.ChatRequests()) == 2 })
	waitFor(t, "answer played", func() bool { return idle(r.leg) && len(r.leg.Out()) > 30 })
	r.leg.Hangup(context.Background(), "normal")
	res := wait(t, done)
	bt := turns(res, "bot")
	if len(bt) != 2 || bt[0].Text != "One moment, please." || bt[1].Text != "Sure, what is your order number?" {
		t.Errorf("bot turns %+v", bt)
	}
}

func TestSilentTransferSaysTransferLine(t *testing.T) {
	r := newRig(t, true)
	r.srv.Transcripts(openaitest.Transcript{Text: "I would like to cancel my contract"})
	r.srv.Script(openaitest.Reply{ToolCalls: []openaitest.ToolCall{{Name: dialog.ToolTransfer, Arguments: `{"reason":"cancellation","summary":"Caller wants to cancel.","queue":"retention"}`}}})
	p := profile()
	p.Queues = []string{"billing", "retention"}
	done := r.run(p)
	r.leg.Say(speech(400))
	res := wait(t, done)
	if res.Outcome != bot.OutcomeEscalate || res.Handoff.Queue != "retention" || res.Handoff.Summary != "Caller wants to cancel." {
		t.Fatalf("result %+v", res)
	}
	if bt := turns(res, "bot"); len(bt) != 1 || bt[0].Text != "I'll connect you to a colleague now." {
		t.Errorf("bot turns %+v", bt)
	}
}

func TestChineseConversation(t *testing.T) {
	r := newRig(t, false)
	r.srv.SpeechMsPerChar = 10
	r.srv.Transcripts(openaitest.Transcript{Text: "运费多少钱"}, openaitest.Transcript{Text: "我要转人工"})
	p := profile()
	p.Language = "zh-CN"
	done := r.run(p)
	r.leg.Say(speech(400))
	waitFor(t, "first answer played", func() bool { return r.srv.TranscriptionCount() == 1 && len(r.leg.Out()) > 10 && idle(r.leg) })
	r.leg.Say(speech(400))
	res := wait(t, done)
	if res.Outcome != bot.OutcomeEscalate || res.Handoff.Reason != "caller asked for an agent" {
		t.Fatalf("result %+v", res)
	}
	bt := turns(res, "bot")
	if len(bt) != 2 || !strings.Contains(bt[0].Text, "4.95欧元") || bt[1].Text != "好的，我为您转接人工客服。" {
		t.Errorf("bot turns %+v", bt)
	}
	if !strings.Contains(res.Handoff.Summary, "运费多少钱") {
		t.Errorf("summary %q", res.Handoff.Summary)
	}
}

// With DTMF barge-in off, a key waits for the bot's sentence to finish.
func TestDTMFWithoutBargeInLetsGreetingFinish(t *testing.T) {
	r := newRig(t, false)
	p := profile()
	p.NoDTMFBargeIn = true
	p.Greeting = "Welcome to Northwind Home. You can ask me about orders, delivery, returns and billing."
	done := r.run(p)
	waitFor(t, "greeting", func() bool { return loudAfter(r.leg.Out(), time.Time{}) > 10 })
	r.leg.Press('0')
	res := wait(t, done)
	if res.Outcome != bot.OutcomeEscalate {
		t.Fatalf("result %+v", res)
	}
	bt := turns(res, "bot")
	if len(bt) != 2 || bt[0].Interrupted {
		t.Fatalf("the greeting was cut off: %+v", bt)
	}
}

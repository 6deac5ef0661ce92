package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/bot/openaitest"
	"github.com/hotline-cc/hotline/dialog"
)

// The session's limits, keys and closing paths, one test each.

// quietAfter checks that the bot wrote nothing more once Run had returned.
func quietAfter(t *testing.T, r *rig) {
	t.Helper()
	n := len(r.leg.Out())
	time.Sleep(100 * time.Millisecond)
	if m := len(r.leg.Out()); m != n {
		t.Errorf("%d bot frames written after Run returned", m-n)
	}
}

func botTexts(res bot.Result) []string {
	var out []string
	for _, t := range turns(res, "bot") {
		out = append(out, t.Text)
	}
	return out
}

func TestMaxTurnsEndsAfterTheAnswer(t *testing.T) {
	r := newRig(t, false)
	r.srv.Transcripts(openaitest.Transcript{Text: "how much does express delivery cost"})
	p := profile()
	p.MaxTurns = 1
	done := r.run(p)
	r.leg.Say(speech(400))
	res := wait(t, done)
	if res.Outcome != bot.OutcomeDone || res.Reason != "max_turns" {
		t.Fatalf("result %s %q", res.Outcome, res.Reason)
	}
	if bt := botTexts(res); len(bt) != 1 || !strings.Contains(bt[0], "9.95") {
		t.Errorf("bot turns %q", bt)
	}
	quietAfter(t, r)
}

// A reply retried after it failed still counts against MaxTurns.
func TestMaxTurnsAfterRetriedReply(t *testing.T) {
	r := newRig(t, true)
	r.srv.Transcripts(openaitest.Transcript{Text: "how much does express delivery cost"})
	r.srv.Script(
		openaitest.Reply{ToolCalls: []openaitest.ToolCall{{Name: dialog.ToolTransfer, Arguments: `{"reason": "x", summ`}}},
		openaitest.Reply{Deltas: []string{"Express delivery costs 9.95 euros."}},
	)
	p := profile()
	p.MaxTurns = 1
	done := r.run(p)
	r.leg.Say(speech(400))
	res := wait(t, done)
	if res.Outcome != bot.OutcomeDone || res.Reason != "max_turns" {
		t.Fatalf("result %s %q", res.Outcome, res.Reason)
	}
	if bt := botTexts(res); len(bt) != 2 || bt[0] != "One moment, please." || bt[1] != "Express delivery costs 9.95 euros." {
		t.Errorf("bot turns %q", bt)
	}
}

func TestMaxDurationHandsOver(t *testing.T) {
	r := newRig(t, false)
	p := profile()
	p.Greeting = strings.Repeat("Welcome to Northwind Home, where we sell furniture for every room. ", 3)
	p.MaxDuration = time.Second
	done := r.run(p)
	res := wait(t, done)
	if res.Outcome != bot.OutcomeEscalate || res.Reason != "max_duration" || res.Handoff == nil || res.Handoff.Queue != "support" {
		t.Fatalf("result %+v", res)
	}
	bt := turns(res, "bot")
	if len(bt) != 2 || !bt[0].Interrupted || bt[1].Text != "Let me pass you to a colleague who can help further." {
		t.Errorf("bot turns %+v", bt)
	}
	quietAfter(t, r)
}

func TestMaxDurationWithoutEscalationSaysGoodbye(t *testing.T) {
	r := newRig(t, false)
	p := profile()
	p.EscalateOn = []string{bot.TriggerRequest}
	p.Greeting = strings.Repeat("Welcome to Northwind Home, where we sell furniture for every room. ", 3)
	p.MaxDuration = time.Second
	res := wait(t, r.run(p))
	if res.Outcome != bot.OutcomeDone || res.Reason != "max_duration" || res.Handoff != nil {
		t.Fatalf("result %+v", res)
	}
	if bt := botTexts(res); len(bt) != 2 || bt[1] != "Thank you for calling. Goodbye." {
		t.Errorf("bot turns %q", bt)
	}
}

func TestRepeatKeySaysTheLastReplyAgain(t *testing.T) {
	r := newRig(t, false)
	p := profile()
	p.Greeting = "Welcome to Northwind Home."
	p.DTMF['1'] = "repeat"
	done := r.run(p)
	waitFor(t, "greeting played", func() bool { return idle(r.leg) })
	n := len(r.leg.Out())
	r.leg.Press('1')
	waitFor(t, "greeting repeated", func() bool { return len(r.leg.Out()) > n && idle(r.leg) })
	r.leg.Hangup(context.Background(), "normal")
	res := wait(t, done)
	if bt := botTexts(res); len(bt) != 2 || bt[0] != p.Greeting || bt[1] != p.Greeting {
		t.Errorf("bot turns %q", bt)
	}
}

func TestEndCallToolSaysGoodbye(t *testing.T) {
	r := newRig(t, true)
	r.srv.Transcripts(openaitest.Transcript{Text: "that was all, thanks"})
	r.srv.Script(openaitest.Reply{ToolCalls: []openaitest.ToolCall{{Name: dialog.ToolEndCall, Arguments: `{"reason":"caller is done"}`}}})
	done := r.run(profile())
	r.leg.Say(speech(400))
	res := wait(t, done)
	if res.Outcome != bot.OutcomeDone || res.Reason != "caller is done" {
		t.Fatalf("result %s %q", res.Outcome, res.Reason)
	}
	if bt := botTexts(res); len(bt) != 1 || bt[0] != "Thank you for calling. Goodbye." {
		t.Errorf("bot turns %q", bt)
	}
}

// Without an escalation queue, repeated failures end the call with an apology.
func TestFailedTurnsWithoutEscalationEndWithError(t *testing.T) {
	r := newRig(t, false)
	r.srv.Transcripts(openaitest.Transcript{Text: ""})
	p := profile()
	p.EscalateQueue = ""
	done := r.run(p)
	r.leg.Say(speech(400))
	waitFor(t, "asked again", func() bool { return r.srv.TranscriptionCount() == 1 && idle(r.leg) })
	r.leg.Say(speech(400))
	res := wait(t, done)
	if res.Outcome != bot.OutcomeError || res.Reason != "speech not recognised" || res.Handoff != nil {
		t.Fatalf("result %+v", res)
	}
	want := []string{"Sorry, I didn't catch that. Could you say it again?", "I'm sorry, I can't help with that right now. Goodbye."}
	if bt := botTexts(res); strings.Join(bt, "|") != strings.Join(want, "|") {
		t.Errorf("bot turns %q, want %q", bt, want)
	}
}

func TestUpsetCallerIsHandedOver(t *testing.T) {
	r := newRig(t, false)
	r.srv.Transcripts(openaitest.Transcript{Text: "this is terrible and useless, I am furious"})
	done := r.run(profile())
	r.leg.Say(speech(400))
	res := wait(t, done)
	if res.Outcome != bot.OutcomeEscalate || res.Reason != "caller is upset" || res.Handoff.Sentiment != "negative" {
		t.Fatalf("result %+v", res)
	}
	bt := turns(res, "bot")
	if len(bt) != 1 || bt[0].Text != "I'll connect you to a colleague now." {
		t.Fatalf("bot turns %+v", bt)
	}
	// The transfer line answers the caller's turn: it carries the turn's timing.
	if tm := bt[0].Timing; tm == nil || tm.EndOfSpeech.IsZero() || tm.ASRFinal.Before(tm.EndOfSpeech) || tm.FirstRTPOut.IsZero() {
		t.Errorf("timing %+v", bt[0].Timing)
	}
}

// thinkingDialog is a dialog engine that never answers: Respond waits for
// its context, and reports that it was cancelled.
type thinkingDialog struct {
	asked, cancelled chan struct{}
}

func (d thinkingDialog) Respond(ctx context.Context, _ dialog.Request) (dialog.Stream, error) {
	close(d.asked)
	<-ctx.Done()
	close(d.cancelled)
	return nil, ctx.Err()
}

// TestDTMFWhileDialogEngineThinks: a key pressed while the dialog engine
// has not answered is acted on at once, and the engine is cancelled.
func TestDTMFWhileDialogEngineThinks(t *testing.T) {
	r := newRig(t, false)
	r.srv.Transcripts(openaitest.Transcript{Text: "what are your opening hours"})
	eng := thinkingDialog{asked: make(chan struct{}), cancelled: make(chan struct{})}
	r.cfg.Dialog = eng
	done := r.run(profile())
	r.leg.Say(speech(400))
	select {
	case <-eng.asked:
	case <-time.After(10 * time.Second):
		t.Fatal("the dialog engine was never asked")
	}
	r.leg.Press('0')
	res := wait(t, done)
	if res.Outcome != bot.OutcomeEscalate || res.Reason != "caller pressed 0" {
		t.Fatalf("result %+v", res)
	}
	select {
	case <-eng.cancelled:
	default:
		t.Error("Run returned with the dialog engine still asked")
	}
	if bt := botTexts(res); len(bt) != 1 || bt[0] != "I'll connect you to a colleague now." {
		t.Errorf("bot turns %q", bt)
	}
	if ct := turns(res, "caller"); len(ct) != 1 || ct[0].Text != "what are your opening hours" {
		t.Errorf("caller turns %+v", ct)
	}
}

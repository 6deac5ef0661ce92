package bot

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
)

// The loop is one goroutine that owns the conversation. What takes time
// runs beside it — a recognition, the dialog engine's first response, a
// bot turn playing — with its inputs copied, and sends one result back
// (heard, replied, turnDone) for the loop to apply. At most one of them is
// in flight at a time, so the loop's phase follows from which it is:
//
//	listening ──utterance──▶ recognising ──heard──▶ answering ──replied──▶ speaking ──played──▶ listening
//
// A failed engine request plays a filler (speaking) and is tried once more.
// Keys, the maximum duration, escalation, end_call and giving up lead to
// closing: the last line plays, then Run returns. A hangup ends it at once.

// phase is where the conversation stands.
type phase int

const (
	listening   phase = iota // nothing in flight: waiting for the caller
	recognising              // the recognizer has the caller's utterance
	answering                // retrieval and the dialog engine's first response
	speaking                 // a bot turn plays; its step says what follows
	closing                  // the last line plays; then the session ends
)

func (p phase) String() string {
	switch p {
	case listening:
		return "listening"
	case recognising:
		return "recognising"
	case answering:
		return "answering"
	case speaking:
		return "speaking"
	case closing:
		return "closing"
	}
	return fmt.Sprintf("phase(%d)", int(p))
}

// step is what the loop does when the turn playing has ended.
type step int

const (
	stepListen         step = iota // back to listening (answering an utterance that came meanwhile)
	stepRecogniseAgain             // a filler has played: recognise the utterance once more
	stepRespondAgain               // a filler has played: ask the dialog engine once more
	stepReview                     // a reply has played: act on its tool calls, confidence or failure
)

// loop is a session's conversation loop. Only its goroutine touches these
// fields; the leg's inbound goroutine shares session.cur alone.
type loop struct {
	s       *session
	ctx     context.Context // the session's: done when the caller hangs up
	conv    conversation
	ex      *exchange      // the caller turn being answered, or nil
	pending *endpointEvent // an utterance that came while the bot was busy
	work    work           // the engine request in flight, if any
	turn    *turn          // the bot turn playing, or nil
	final   *Result        // set: the session ends once the turn playing has ended
	maxDur  <-chan time.Time
}

// exchange is one caller utterance and the bot's answer to it, from the
// end-of-turn decision until the answer has played.
type exchange struct {
	utt          asr.Utterance
	start, end   time.Time         // when the caller spoke, on the wall clock
	timing       record.TurnTiming // end-of-turn decision and ASR final, for the answer
	asrTries     int
	q            question
	respondTries int
	replyRetried bool // a reply that failed before any audio was asked for again
}

// work is the engine request running beside the loop: a recognition or a
// consultation of the dialog engine (one of the two channels is set).
type work struct {
	ctx     context.Context
	cancel  context.CancelFunc
	heard   <-chan heard
	replied <-chan replied
}

// turn is the bot turn playing.
type turn struct {
	done    <-chan turnDone
	then    step
	release context.CancelFunc // ends the context a reply's stream was opened in
}

func newLoop(ctx context.Context, s *session) *loop {
	return &loop{s: s, ctx: ctx, conv: conversation{slots: map[string]string{}, zh: s.startsChinese()}}
}

func (l *loop) phase() phase {
	switch {
	case l.turn != nil && l.final != nil:
		return closing
	case l.turn != nil:
		return speaking
	case l.work.heard != nil:
		return recognising
	case l.work.replied != nil:
		return answering
	}
	return listening
}

func (l *loop) run() Result {
	if d := l.s.prof.MaxDuration; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		l.maxDur = t.C
	}
	if g := l.s.prof.Greeting; g != "" {
		l.say(g, stepListen)
	}
	var turnDone <-chan turnDone
	for range maxLoopIterations {
		if l.ctx.Err() != nil {
			return l.hangup()
		}
		turnDone = nil
		if l.turn != nil {
			turnDone = l.turn.done
		}
		select {
		case <-l.ctx.Done():
			return l.hangup()
		case <-l.maxDur:
			l.timeUp()
		case d := <-l.s.leg.DTMF():
			l.key(d)
		case ev := <-l.s.events:
			l.endpoint(ev)
		case h := <-l.work.heard:
			l.heard(h)
		case r := <-l.work.replied:
			l.replied(r)
		case td := <-turnDone:
			l.played(td)
		}
		if l.final != nil && l.turn == nil {
			return *l.final
		}
	}
	l.stop("loop bound")
	return Result{Outcome: OutcomeError, Reason: "bot loop bound reached"}
}

// ---- events ----

func (l *loop) hangup() Result {
	l.stop("hangup")
	return Result{Outcome: OutcomeHangup, Reason: "caller hung up"}
}

// timeUp ends a session that reached Profile.MaxDuration: the bot stops
// mid-sentence if need be and says goodbye, or hands over.
func (l *loop) timeUp() {
	l.maxDur = nil
	l.abandonWork()
	r, key := &Result{Outcome: OutcomeDone, Reason: "max_duration"}, "goodbye"
	if l.s.prof.escalates(TriggerMaxDuration) {
		r, key = l.escalate("max_duration", nil), "timeUp"
	}
	l.s.interrupt("max duration")
	l.finishTurn()
	l.ex = nil
	l.close(r, key)
}

// key acts on a DTMF key. Keys take priority over everything else in
// flight; they cut the bot off unless the profile turns DTMF barge-in off,
// and then the loop waits for the bot to finish its turn first (a hangup
// still ends that turn at once: its context is the session's).
func (l *loop) key(d rune) {
	action := l.s.prof.DTMF[d]
	l.s.log.Info("bot got DTMF", "digit", string(d), "action", action)
	if action == "" {
		return
	}
	l.abandonWork()
	if !l.s.prof.NoDTMFBargeIn {
		l.s.interrupt("dtmf")
	}
	l.finishTurn()
	l.ex, l.pending = nil, nil
	switch {
	case action == "agent":
		l.close(l.escalate("caller pressed "+string(d), nil), "transfer")
	case action == "end":
		l.close(&Result{Outcome: OutcomeDone, Reason: "caller pressed " + string(d)}, "goodbye")
	case action == "repeat" && l.conv.lastReply != "":
		l.say(l.conv.lastReply, stepListen)
	default:
		l.listen()
	}
}

// endpoint takes a complete utterance. While the bot talks, speech too
// short to barge in (a cough), or any speech when barge-in is off, is not
// a turn; after a barge-in the utterance waits for the cut-off turn to end.
func (l *loop) endpoint(ev endpointEvent) {
	if ev.Kind != media.EndOfTurn || l.final != nil {
		return
	}
	if l.turn != nil && l.s.cur.talking() {
		return
	}
	l.pending = &ev
	if l.phase() == listening {
		l.listen()
	}
}

// played applies a finished bot turn and takes its next step.
func (l *loop) played(td turnDone) {
	then := l.endTurn()
	l.record(td)
	if l.final != nil {
		return
	}
	switch then {
	case stepListen:
		l.listen()
	case stepRecogniseAgain:
		l.recognise()
	case stepRespondAgain:
		l.respond()
	case stepReview:
		l.review(td.r)
	}
}

// ---- listening and recognising ----

// listen waits for the caller, or answers the utterance that came while
// the bot was busy. A session that has taken up MaxTurns caller turns ends.
func (l *loop) listen() {
	l.ex = nil
	if l.final != nil {
		return
	}
	if m := l.s.prof.MaxTurns; m > 0 && l.conv.turns >= m {
		l.final = &Result{Outcome: OutcomeDone, Reason: "max_turns"}
		return
	}
	if ev := l.pending; ev != nil {
		l.pending = nil
		l.hear(*ev)
	}
}

// hear opens the exchange for an utterance and has it recognised.
func (l *loop) hear(ev endpointEvent) {
	l.conv.turns++
	l.ex = &exchange{
		utt:    asr.Utterance{Samples: ev.Samples, Rate: l.s.asrRate, Lang: l.s.lang, Hints: l.s.prof.Hints},
		start:  ev.decided.Add(-(ev.At - ev.Start)),
		end:    ev.decided.Add(-(ev.At - ev.End)),
		timing: record.TurnTiming{EndOfSpeech: ev.decided},
	}
	l.recognise()
}

func (l *loop) recognise() {
	l.ex.asrTries++
	s, u := l.s, l.ex.utt
	ctx, cancel := context.WithCancel(l.ctx)
	ch := make(chan heard, 1)
	go func() { ch <- s.transcribe(ctx, u) }()
	l.work = work{ctx: ctx, cancel: cancel, heard: ch}
}

// heard applies a recognition: the caller's words join the conversation,
// and the bot hands over or consults the dialog engine.
func (l *loop) heard(h heard) {
	l.work.cancel()
	l.work = work{}
	ex := l.ex
	ex.timing.ASRFinal = h.at
	if h.err != nil && ex.asrTries < 2 {
		l.say(l.conv.line("filler"), stepRecogniseAgain)
		return
	}
	if h.err != nil || h.text == "" {
		if h.err != nil {
			l.s.log.Warn("bot recognition failed", "err", h.err)
		}
		l.fail("speech not recognised")
		return
	}
	sentiment := l.conv.callerSaid(h.text, ex.start, ex.end)
	l.s.log.Info("bot heard", "text", h.text, "asr_ms", ex.timing.ASRFinal.Sub(ex.timing.EndOfSpeech).Milliseconds())

	p := l.s.prof
	if p.escalates(TriggerRequest) && dialog.WantsHuman(h.text) {
		l.handOver("caller asked for an agent")
		return
	}
	if p.escalates(TriggerSentiment) && sentiment <= negativeSentiment {
		l.handOver("caller is upset")
		return
	}
	req := dialog.Request{Lang: l.s.lang, History: slices.Clone(l.conv.history), Instructions: p.Instructions, Tools: p.Tools}
	if p.EscalateQueue != "" {
		req.Queues = append([]string{p.EscalateQueue}, p.Queues...)
	}
	ex.q = question{text: h.text, req: req}
	l.respond()
}

// ---- answering ----

func (l *loop) respond() {
	l.ex.respondTries++
	s, q := l.s, l.ex.q
	ctx, cancel := context.WithCancel(l.ctx)
	ch := make(chan replied, 1)
	go func() { ch <- s.consult(ctx, q) }()
	l.work = work{ctx: ctx, cancel: cancel, replied: ch}
}

// replied plays the dialog engine's reply, or deals with its failure.
func (l *loop) replied(r replied) {
	w := l.work
	l.work = work{}
	ex := l.ex
	ex.q = r.q
	if r.err == nil {
		l.turn = &turn{done: l.s.startTurn(w.ctx, r.stream, ex.timing), then: stepReview, release: w.cancel}
		return
	}
	w.cancel()
	switch {
	case ex.replyRetried:
		l.fail("dialog engine failed")
	case ex.respondTries < 2:
		l.s.log.Warn("bot dialog engine failed", "err", r.err, "attempt", ex.respondTries)
		l.say(l.conv.line("filler"), stepRespondAgain)
	default:
		l.s.log.Warn("bot dialog engine failed twice", "err", r.err)
		l.fail("dialog engine unavailable")
	}
}

// review acts on a reply that has played: a failure before any audio is
// asked again once (after a filler); tool calls transfer, end the call or
// fill slots; an answer the knowledge base could not support escalates.
func (l *loop) review(r reply) {
	ex := l.ex
	if r.err != nil && !r.interrupted {
		l.s.log.Warn("bot reply failed", "err", r.err, "retried", ex.replyRetried)
		if !ex.replyRetried {
			ex.replyRetried = true
			l.say(l.conv.line("filler"), stepRespondAgain)
			return
		}
		l.fail("dialog engine failed")
		return
	}
	l.conv.failed = 0
	said := !r.started.IsZero()
	for _, tc := range r.tools {
		switch tc.Name {
		case dialog.ToolTransfer:
			if l.s.prof.EscalateQueue != "" {
				l.closeAfter(l.escalate(orDefault(tc.Args["reason"], "assistant transferred"), tc), said)
				return
			}
		case dialog.ToolEndCall:
			l.closeAfter(&Result{Outcome: OutcomeDone, Reason: orDefault(tc.Args["reason"], "conversation finished")}, said)
			return
		default:
			l.conv.addSlots(tc.Args)
		}
	}
	if ex.q.lowConf && !r.interrupted && l.s.prof.escalates(TriggerLowConfidence) {
		l.final = l.escalate("low retrieval confidence", nil) // the reply said the bot does not know
		return
	}
	l.listen()
}

// fail handles a turn that produced nothing usable: ask the caller again,
// or after MaxFailedTurns in a row hand over or apologise and end.
func (l *loop) fail(why string) {
	l.conv.failed++
	if l.conv.failed < l.s.prof.MaxFailedTurns {
		l.say(l.conv.line("notHeard"), stepListen)
		return
	}
	if l.s.prof.escalates(TriggerFailedTurns) {
		l.close(l.escalate(fmt.Sprintf("%s (%d failed turns)", why, l.s.prof.MaxFailedTurns), nil), "transfer")
		return
	}
	l.close(&Result{Outcome: OutcomeError, Reason: why}, "noTransfer")
}

// ---- speaking and closing ----

// say plays a line, then takes step then.
func (l *loop) say(text string, then step) {
	l.speak(text, record.TurnTiming{}, then)
}

func (l *loop) speak(text string, tm record.TurnTiming, then step) {
	l.turn = &turn{done: l.s.startTurn(l.ctx, dialog.NewStaticStream(dialog.Event{Text: text}), tm), then: then}
}

// handOver says the transfer line, timed as the answer to the caller's
// turn, then escalates.
func (l *loop) handOver(reason string) {
	l.final = l.escalate(reason, nil)
	l.speak(l.conv.line("transfer"), l.ex.timing, stepListen)
}

// close ends the session with r after saying the line key.
func (l *loop) close(r *Result, key string) {
	l.final = r
	l.say(l.conv.line(key), stepListen)
}

// closeAfter ends the session with r, first saying the transfer or
// goodbye line if the model's reply had no words of its own.
func (l *loop) closeAfter(r *Result, said bool) {
	if said {
		l.final = r
		return
	}
	key := "goodbye"
	if r.Outcome == OutcomeEscalate {
		key = "transfer"
	}
	l.close(r, key)
}

// record adds a finished bot turn to the conversation and reports it.
func (l *loop) record(td turnDone) {
	if t, ok := l.conv.botSaid(td); ok && l.s.cfg.OnTurn != nil {
		l.s.cfg.OnTurn(t)
	}
}

// ---- what is in flight ----

// endTurn forgets the turn that has ended and returns its step.
func (l *loop) endTurn() step {
	t := l.turn
	l.turn = nil
	if t.release != nil {
		t.release()
	}
	return t.then
}

// finishTurn waits for the turn playing, if any, to end, and records it.
func (l *loop) finishTurn() {
	if l.turn == nil {
		return
	}
	td := <-l.turn.done
	l.endTurn()
	l.record(td)
}

// abandonWork cancels the engine request in flight, if any, and waits for
// it to let go; a stream it had opened is closed.
func (l *loop) abandonWork() {
	w := l.work
	if w.cancel == nil {
		return
	}
	l.work = work{}
	w.cancel()
	select {
	case <-w.heard:
	case r := <-w.replied:
		if r.stream != nil {
			r.stream.Close()
		}
	}
}

// stop ends everything in flight: the turn is cut off and the engine
// request abandoned, and the loop waits for both.
func (l *loop) stop(why string) {
	l.s.interrupt(why)
	l.abandonWork()
	l.finishTurn()
}

package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
)

const (
	defaultEngineTimeout  = 8 * time.Second
	defaultMaxFailedTurns = 2
	// negativeSentiment is the score at which an upset caller is handed over.
	negativeSentiment = -0.5
	// maxLoopIterations bounds the session's event loop (about one event per
	// 20 ms frame for many hours).
	maxLoopIterations = 10_000_000
)

// Canned lines, English and Chinese.
var lines = map[string][2]string{
	"filler":     {"One moment, please.", "请稍等。"},
	"notHeard":   {"Sorry, I didn't catch that. Could you say it again?", "抱歉，我没有听清，请再说一遍。"},
	"transfer":   {"I'll connect you to a colleague now.", "好的，我为您转接人工客服。"},
	"goodbye":    {"Thank you for calling. Goodbye.", "感谢您的来电，再见。"},
	"trouble":    {"I'm sorry, I'm having trouble right now.", "抱歉，系统暂时出现问题。"},
	"timeUp":     {"Let me pass you to a colleague who can help further.", "我为您转接人工客服继续为您服务。"},
	"noTransfer": {"I'm sorry, I can't help with that right now. Goodbye.", "抱歉，目前无法为您处理，再见。"},
}

func line(key string, zh bool) string {
	if zh {
		return lines[key][1]
	}
	return lines[key][0]
}

// session is one bot conversation on one leg.
type session struct {
	cfg     Config
	prof    Profile
	leg     media.Leg
	log     *slog.Logger
	now     func() time.Time
	lang    string
	zh      bool
	legRate int

	events chan endpointEvent
	ep     *media.Endpointer
	epMu   sync.Mutex // the endpointer is fed by the leg's goroutine and reset by ours

	// The current bot turn, so a barge-in (on the leg's inbound goroutine)
	// can stop it within the frame that crossed the threshold.
	turnMu     sync.Mutex
	turnCancel context.CancelFunc
	turnPB     *playback

	transcript []record.Turn
	history    []dialog.Message
	slots      map[string]string
	sentiment  float64
	lastReply  string
}

// Run talks with the caller on leg until the conversation ends, the caller
// hangs up or the bot hands over. It never returns with audio still playing.
func Run(ctx context.Context, leg media.Leg, cfg Config, profile Profile) Result {
	s := newSession(leg, cfg, profile)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(leg.Context(), cancel)
	defer stop()

	in := media.FrameWriter(s.ep)
	if cfg.ASRRate > 0 && cfg.ASRRate != s.legRate {
		in = media.NewResampler(s.ep, s.legRate)
	}
	prev := leg.SwapAudioIn(media.FrameWriterFunc{Rate: s.legRate, Name: in.String(), Fn: func(p media.PCM16) error {
		s.epMu.Lock()
		defer s.epMu.Unlock()
		return in.WriteFrame(p)
	}})
	defer leg.SwapAudioIn(prev)

	res := s.loop(ctx)
	res.Transcript = s.transcript
	if res.Handoff != nil {
		res.Handoff.Transcript = s.transcript
	}
	s.log.Info("bot session ended", "outcome", res.Outcome, "reason", res.Reason, "turns", len(s.transcript))
	return res
}

func newSession(leg media.Leg, cfg Config, p Profile) *session {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.EngineTimeout <= 0 {
		cfg.EngineTimeout = defaultEngineTimeout
	}
	if p.MaxFailedTurns <= 0 {
		p.MaxFailedTurns = defaultMaxFailedTurns
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &session{
		cfg: cfg, prof: p, leg: leg, now: cfg.Now,
		log:     log.With("call_id", leg.ID(), "bot", p.Name),
		lang:    p.Language,
		zh:      strings.HasPrefix(strings.ToLower(p.Language), "zh"),
		legRate: leg.AudioOut().SampleRate(),
		events:  make(chan endpointEvent, 64),
		slots:   map[string]string{},
	}
	if s.lang == "" {
		s.lang = "en-US"
	}
	rate := s.legRate
	if cfg.ASRRate > 0 {
		rate = cfg.ASRRate
	}
	s.ep = media.NewEndpointer(rate, media.VADConfig{MinSpeech: p.MinSpeech, MinBargeIn: p.MinBargeIn, EndOfTurnSilence: p.EndOfTurnSilence}, s.onEndpoint)
	return s
}

// endpointEvent is an endpointer event stamped with the wall time it was
// decided, which starts the clock on the bot's reply.
type endpointEvent struct {
	media.EndpointEvent
	decided time.Time
}

// onEndpoint runs on the leg's inbound goroutine, inside WriteFrame.
func (s *session) onEndpoint(ev media.EndpointEvent) {
	if ev.Kind == media.BargeIn && s.prof.BargeIn {
		s.interrupt("barge-in")
	}
	select {
	case s.events <- endpointEvent{ev, s.now()}:
	default:
		s.log.Warn("bot endpoint event dropped: session not keeping up", "event", ev.Kind)
	}
}

// interrupt stops the bot's current turn at once: no further frame is
// written, queued audio is flushed, engines in flight are cancelled.
// It reports whether a turn was playing.
func (s *session) interrupt(why string) bool {
	s.turnMu.Lock()
	defer s.turnMu.Unlock()
	if s.turnCancel == nil {
		return false
	}
	s.turnPB.mu.Lock()
	s.turnPB.interrupted = true
	s.turnPB.mu.Unlock()
	s.turnCancel()
	s.turnCancel = nil
	s.leg.FlushAudioOut()
	s.log.Info("bot interrupted", "by", why)
	return true
}

// turnDone is a finished bot turn, delivered to the loop.
type turnDone struct {
	r      reply
	timing record.TurnTiming
}

// startTurn plays stream in the background; the loop keeps handling
// events meanwhile. Only one turn plays at a time.
func (s *session) startTurn(ctx context.Context, stream dialog.Stream, tm record.TurnTiming) <-chan turnDone {
	tctx, cancel := context.WithCancel(ctx)
	pb := &playback{}
	s.turnMu.Lock()
	s.turnCancel, s.turnPB = cancel, pb
	s.turnMu.Unlock()
	done := make(chan turnDone, 1)
	go func() {
		r := s.speakStream(tctx, stream, pb, &tm)
		s.turnMu.Lock()
		if s.turnPB == pb {
			s.turnCancel, s.turnPB = nil, nil
		}
		s.turnMu.Unlock()
		cancel()
		done <- turnDone{r: r, timing: tm}
	}()
	return done
}

// pending describes what the loop is waiting for.
type loopState struct {
	turn      <-chan turnDone // the bot turn playing, or nil
	utterance *endpointEvent
	after     func(turnDone) answerStep // what to do when the turn ends
	// answering delivers the step of the utterance being recognised and
	// answered in the background, so keys and hangups are handled at once
	// even while an engine is slow or a filler plays.
	answering    <-chan answerStep
	answerCancel context.CancelFunc
}

// stopAnswering abandons the answer in progress, if any, and waits until
// it has let go of the session, stopping any reply it had started.
func (s *session) stopAnswering(st *loopState) {
	if st.answering == nil {
		return
	}
	st.answerCancel()
	r := <-st.answering
	st.answering = nil
	if r.turn != nil {
		s.interrupt("answer abandoned")
		s.record(<-r.turn)
	}
}

func (s *session) loop(ctx context.Context) Result {
	var maxDur <-chan time.Time
	if s.prof.MaxDuration > 0 {
		t := time.NewTimer(s.prof.MaxDuration)
		defer t.Stop()
		maxDur = t.C
	}
	st := &loopState{}
	if s.prof.Greeting != "" {
		st.turn = s.startTurn(ctx, dialog.NewStaticStream(dialog.Event{Text: s.prof.Greeting}), record.TurnTiming{})
	}
	failed, turns := 0, 0
	var final *Result // set when the session should end after the current turn

	for range maxLoopIterations {
		select {
		case <-ctx.Done():
			s.interrupt("hangup")
			s.stopAnswering(st)
			if st.turn != nil {
				s.record(<-st.turn)
			}
			return Result{Outcome: OutcomeHangup, Reason: "caller hung up"}

		case <-maxDur:
			maxDur = nil
			s.stopAnswering(st)
			if s.prof.escalates(TriggerMaxDuration) {
				final = s.escalate("max_duration", nil)
			} else {
				final = &Result{Outcome: OutcomeDone, Reason: "max_duration"}
			}
			s.interrupt("max duration")
			if st.turn != nil {
				s.record(<-st.turn)
			}
			key := "goodbye"
			if final.Outcome == OutcomeEscalate {
				key = "timeUp"
			}
			st.turn = s.startTurn(ctx, dialog.NewStaticStream(dialog.Event{Text: line(key, s.zh)}), record.TurnTiming{})
			st.after = nil

		case d := <-s.leg.DTMF():
			action := s.prof.DTMF[d]
			s.log.Info("bot got DTMF", "digit", string(d), "action", action)
			if action == "" {
				continue
			}
			s.stopAnswering(st)
			// Keys cut the bot off unless the profile turns DTMF barge-in
			// off; then the bot finishes its sentence first.
			if !s.prof.NoDTMFBargeIn {
				s.interrupt("dtmf")
			}
			if st.turn != nil {
				s.record(<-st.turn)
				st.turn = nil
			}
			st.utterance, st.after = nil, nil
			switch action {
			case "agent":
				final = s.escalate("caller pressed "+string(d), nil)
				st.turn = s.startTurn(ctx, dialog.NewStaticStream(dialog.Event{Text: line("transfer", s.zh)}), record.TurnTiming{})
			case "end":
				final = &Result{Outcome: OutcomeDone, Reason: "caller pressed " + string(d)}
				st.turn = s.startTurn(ctx, dialog.NewStaticStream(dialog.Event{Text: line("goodbye", s.zh)}), record.TurnTiming{})
			case "repeat":
				if s.lastReply != "" {
					st.turn = s.startTurn(ctx, dialog.NewStaticStream(dialog.Event{Text: s.lastReply}), record.TurnTiming{})
				}
			}

		case ev := <-s.events:
			if ev.Kind != media.EndOfTurn {
				continue
			}
			if final != nil {
				continue // already leaving
			}
			if st.turn != nil {
				s.turnMu.Lock()
				playing := s.turnPB != nil && !s.turnPB.interrupted
				s.turnMu.Unlock()
				if playing {
					// Speech too short to barge in while the bot talks: a cough.
					continue
				}
				st.utterance = &ev // answered once the interrupted turn has wound down
				continue
			}
			st.utterance = &ev

		case td := <-st.turn:
			st.turn = nil
			s.record(td)
			if st.after != nil {
				after := st.after
				st.after = nil
				step := after(td)
				st.turn, st.after = step.turn, step.after
				if step.final != nil {
					final = step.final
				}
			}
			if final != nil && st.turn == nil {
				return *final
			}

		case r := <-st.answering:
			st.answering = nil
			if r.final != nil && r.turn == nil {
				return *r.final
			}
			st.turn, st.after = r.turn, r.after
			if r.final != nil {
				final = r.final
			}
			if final == nil && s.prof.MaxTurns > 0 && turns >= s.prof.MaxTurns {
				prevAfter := st.after
				st.after = func(td turnDone) answerStep {
					var step answerStep
					if prevAfter != nil {
						step = prevAfter(td)
					}
					if step.final == nil && step.turn == nil {
						step.final = &Result{Outcome: OutcomeDone, Reason: "max_turns"}
					}
					return step
				}
			}
		}

		// Answer a complete utterance once the bot is quiet. The answer
		// runs beside the loop; the loop leaves the session's state to it
		// until it delivers its step or is stopped.
		if st.utterance != nil && st.turn == nil && st.answering == nil && final == nil {
			ev := *st.utterance
			st.utterance = nil
			turns++
			actx, cancel := context.WithCancel(ctx)
			ch := make(chan answerStep, 1)
			go func() { ch <- s.answer(actx, ev, &failed) }()
			st.answering, st.answerCancel = ch, cancel
		}
	}
	return Result{Outcome: OutcomeError, Reason: "bot loop bound reached"}
}

// answerStep is what answering an utterance started.
type answerStep struct {
	turn  <-chan turnDone
	after func(turnDone) answerStep
	final *Result
}

// answer recognises ev, consults the KB and the dialog engine, and starts
// the reply. It runs on the loop goroutine; the caller's audio keeps
// flowing into the endpointer meanwhile.
func (s *session) answer(ctx context.Context, ev endpointEvent, failed *int) answerStep {
	tm := record.TurnTiming{EndOfSpeech: ev.decided}
	rate := s.legRate
	if s.cfg.ASRRate > 0 {
		rate = s.cfg.ASRRate
	}
	callerEnd := tm.EndOfSpeech.Add(-(ev.At - ev.End))
	callerStart := tm.EndOfSpeech.Add(-(ev.At - ev.Start))

	text, err := s.recognize(ctx, asr.Utterance{Samples: ev.Samples, Rate: rate, Lang: s.lang, Hints: s.prof.Hints})
	tm.ASRFinal = s.now()
	if ctx.Err() != nil {
		return answerStep{}
	}
	if err != nil || text == "" {
		if err != nil {
			s.log.Warn("bot recognition failed", "err", err)
		}
		return s.failTurn(ctx, failed, "speech not recognised")
	}
	s.transcript = append(s.transcript, record.Turn{Speaker: "caller", Text: text, Start: callerStart, End: callerEnd})
	s.history = append(s.history, dialog.Message{Role: dialog.RoleCaller, Text: text})
	zh := dialog.IsChinese(text) || (s.zh && !isLatin(text))
	s.zh = zh
	if sc := dialog.Sentiment(text); sc < s.sentiment {
		s.sentiment = sc
	}
	s.log.Info("bot heard", "text", text, "asr_ms", tm.ASRFinal.Sub(tm.EndOfSpeech).Milliseconds())

	if s.prof.escalates(TriggerRequest) && dialog.WantsHuman(text) {
		return s.handOver(ctx, "caller asked for an agent", nil, tm)
	}
	if s.prof.escalates(TriggerSentiment) && dialog.Sentiment(text) <= negativeSentiment {
		return s.handOver(ctx, "caller is upset", nil, tm)
	}

	var passages []kb.Hit
	if s.cfg.KB != nil {
		passages = s.cfg.KB.SearchContext(ctx, text, 3)
	}
	lowConf := s.cfg.KB != nil && (len(passages) == 0 || passages[0].Confidence < kb.LowConfidence)
	if len(passages) > 0 && passages[0].Confidence < kb.LowConfidence {
		passages = nil // nothing relevant: do not tempt the model
	}
	req := dialog.Request{Lang: s.lang, History: s.history, Passages: passages, Instructions: s.prof.Instructions, Tools: s.prof.Tools}
	if s.prof.EscalateQueue != "" {
		req.Queues = append([]string{s.prof.EscalateQueue}, s.prof.Queues...)
	}

	stream, err := s.respond(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return answerStep{}
		}
		s.log.Warn("bot dialog engine failed twice", "err", err)
		return s.failTurn(ctx, failed, "dialog engine unavailable")
	}
	return s.reply(ctx, req, stream, tm, lowConf, failed, false)
}

// reply plays stream and decides, when it has played, what comes next.
// A reply that failed before any audio is retried once after a filler.
func (s *session) reply(ctx context.Context, req dialog.Request, stream dialog.Stream, tm record.TurnTiming, lowConf bool, failed *int, retried bool) answerStep {
	turn := s.startTurn(ctx, stream, tm)
	return answerStep{turn: turn, after: func(td turnDone) answerStep {
		if td.r.err != nil && !td.r.interrupted {
			s.log.Warn("bot reply failed", "err", td.r.err, "retried", retried)
			if !retried && ctx.Err() == nil {
				s.sayNow(ctx, line("filler", s.zh))
				if st, err := s.cfg.Dialog.Respond(ctx, req); err == nil {
					return s.reply(ctx, req, st, record.TurnTiming{EndOfSpeech: tm.EndOfSpeech, ASRFinal: tm.ASRFinal}, lowConf, failed, true)
				}
			}
			return s.failTurn(ctx, failed, "dialog engine failed")
		}
		*failed = 0
		said := !td.r.started.IsZero()
		for _, tc := range td.r.tools {
			switch tc.Name {
			case dialog.ToolTransfer:
				if s.prof.EscalateQueue != "" {
					return s.closing(ctx, s.escalate(orDefault(tc.Args["reason"], "assistant transferred"), tc), said)
				}
			case dialog.ToolEndCall:
				return s.closing(ctx, &Result{Outcome: OutcomeDone, Reason: orDefault(tc.Args["reason"], "conversation finished")}, said)
			default:
				for k, v := range tc.Args {
					s.slots[k] = v
				}
			}
		}
		if lowConf && !td.r.interrupted && s.prof.escalates(TriggerLowConfidence) {
			return answerStep{final: s.escalate("low retrieval confidence", nil)}
		}
		return answerStep{}
	}}
}

// closing ends the session with r, first saying the transfer or goodbye
// line if the model's reply had no words of its own.
func (s *session) closing(ctx context.Context, r *Result, said bool) answerStep {
	if said {
		return answerStep{final: r}
	}
	key := "goodbye"
	if r.Outcome == OutcomeEscalate {
		key = "transfer"
	}
	return answerStep{final: r, turn: s.startTurn(ctx, dialog.NewStaticStream(dialog.Event{Text: line(key, s.zh)}), record.TurnTiming{})}
}

// recognize runs the ASR, retrying once after a filler on failure.
func (s *session) recognize(ctx context.Context, u asr.Utterance) (string, error) {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if attempt == 1 {
			s.sayNow(ctx, line("filler", s.zh))
		}
		actx, cancel := context.WithTimeout(ctx, s.cfg.EngineTimeout)
		var res asr.Result
		res, err = s.cfg.ASR.Recognize(actx, u)
		cancel()
		if err == nil {
			return strings.TrimSpace(res.Text), nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
	}
	return "", err
}

// respond starts the dialog engine, retrying once after a filler.
func (s *session) respond(ctx context.Context, req dialog.Request) (dialog.Stream, error) {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if attempt == 1 {
			s.sayNow(ctx, line("filler", s.zh))
		}
		var st dialog.Stream
		st, err = s.cfg.Dialog.Respond(ctx, req)
		if err == nil {
			return st, nil
		}
		s.log.Warn("bot dialog engine failed", "err", err, "attempt", attempt+1)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, err
}

// sayNow plays a short line and waits for it (fillers while an engine retries).
func (s *session) sayNow(ctx context.Context, text string) {
	td := <-s.startTurn(ctx, dialog.NewStaticStream(dialog.Event{Text: text}), record.TurnTiming{})
	s.record(td)
}

// failTurn handles a turn that produced nothing usable.
func (s *session) failTurn(ctx context.Context, failed *int, why string) answerStep {
	*failed++
	if *failed >= s.prof.MaxFailedTurns {
		r := s.giveUp(why)
		key := "transfer"
		if r.Outcome != OutcomeEscalate {
			key = "noTransfer"
		}
		return answerStep{turn: s.startTurn(ctx, dialog.NewStaticStream(dialog.Event{Text: line(key, s.zh)}), record.TurnTiming{}), final: r}
	}
	return answerStep{turn: s.startTurn(ctx, dialog.NewStaticStream(dialog.Event{Text: line("notHeard", s.zh)}), record.TurnTiming{})}
}

// giveUp ends the session after repeated failures: escalate if allowed.
func (s *session) giveUp(why string) *Result {
	if s.prof.escalates(TriggerFailedTurns) {
		return s.escalate(fmt.Sprintf("%s (%d failed turns)", why, s.prof.MaxFailedTurns), nil)
	}
	return &Result{Outcome: OutcomeError, Reason: why}
}

// handOver says the transfer line, then escalates.
func (s *session) handOver(ctx context.Context, reason string, tc *dialog.ToolCall, tm record.TurnTiming) answerStep {
	r := s.escalate(reason, tc)
	return answerStep{turn: s.startTurn(ctx, dialog.NewStaticStream(dialog.Event{Text: line("transfer", s.zh)}), tm), final: r}
}

// record adds a finished bot turn to the transcript.
func (s *session) record(td turnDone) {
	r := td.r
	if r.started.IsZero() {
		return // nothing was played
	}
	text := r.text
	if r.interrupted {
		text = r.heard
	}
	t := record.Turn{Speaker: "bot", Text: text, Start: r.started, End: r.ended, Interrupted: r.interrupted}
	if !td.timing.EndOfSpeech.IsZero() {
		tm := td.timing
		t.Timing = &tm
	}
	s.transcript = append(s.transcript, t)
	s.history = append(s.history, dialog.Message{Role: dialog.RoleBot, Text: text})
	if !r.interrupted {
		s.lastReply = r.text
	}
	if s.cfg.OnTurn != nil {
		s.cfg.OnTurn(t)
	}
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func isLatin(s string) bool {
	for _, r := range s {
		if r > 0x2000 {
			return false
		}
	}
	return true
}

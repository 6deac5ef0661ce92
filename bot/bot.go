package bot

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/dialog"
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

// Run talks with the caller on leg until the conversation ends, the caller
// hangs up or the bot hands over. It never returns with audio still playing.
func Run(ctx context.Context, leg media.Leg, cfg Config, profile Profile) Result {
	s := newSession(leg, cfg, profile)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(leg.Context(), cancel)
	defer stop()

	prev := leg.SwapAudioIn(s.inbound())
	defer leg.SwapAudioIn(prev)

	l := newLoop(ctx, s)
	res := l.run()
	res.Transcript = l.conv.transcript
	if res.Handoff != nil {
		res.Handoff.Transcript = l.conv.transcript
	}
	s.log.Info("bot session ended", "outcome", res.Outcome, "reason", res.Reason, "turns", len(l.conv.transcript))
	return res
}

// session is how one bot conversation is set up. Its fields are fixed when
// it starts, so the loop, the engine requests beside it and the turn player
// all read them freely; the one part that changes is cur, which has its
// own lock. The conversation itself belongs to the loop (see loop.go).
type session struct {
	cfg     Config
	prof    Profile
	leg     media.Leg
	log     *slog.Logger
	now     func() time.Time
	lang    string // the profile's language: recognizer and synthesizer
	legRate int
	asrRate int                // what the endpointer and the recognizer get
	events  chan endpointEvent // endpointer (leg's inbound goroutine) → loop
	cur     currentTurn
}

// withDefaults fills what cfg and p leave unset; log is cfg.Logger or the default logger.
func withDefaults(cfg Config, p Profile) (Config, Profile, *slog.Logger) {
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
	return cfg, p, log
}

func newSession(leg media.Leg, cfg Config, p Profile) *session {
	cfg, p, log := withDefaults(cfg, p)
	s := &session{
		cfg: cfg, prof: p, leg: leg, now: cfg.Now,
		log:     log.With("call_id", leg.ID(), "bot", p.Name),
		lang:    p.Language,
		legRate: leg.AudioOut().SampleRate(),
		events:  make(chan endpointEvent, 64),
	}
	if s.lang == "" {
		s.lang = "en-US"
	}
	s.asrRate = s.legRate
	if cfg.ASRRate > 0 {
		s.asrRate = cfg.ASRRate
	}
	return s
}

// startsChinese reports whether the profile's language is Chinese: the
// canned lines start in Chinese until the caller speaks otherwise.
func (s *session) startsChinese() bool {
	return strings.HasPrefix(strings.ToLower(s.lang), "zh")
}

// inbound is the writer the leg feeds the caller's audio to: resampled to
// the recognizer's rate when that differs, into the endpointer, which
// reports to onEndpoint on the same goroutine.
func (s *session) inbound() media.FrameWriter {
	p := s.prof
	ep := media.NewEndpointer(s.asrRate, media.VADConfig{MinSpeech: p.MinSpeech, MinBargeIn: p.MinBargeIn, EndOfTurnSilence: p.EndOfTurnSilence}, s.onEndpoint)
	in := media.FrameWriter(ep)
	if s.asrRate != s.legRate {
		in = media.NewResampler(ep, s.legRate)
	}
	// A leg writes from one goroutine; the lock keeps the endpointer whole
	// should a leg ever hand over between two of its goroutines.
	var mu sync.Mutex
	return media.FrameWriterFunc{Rate: s.legRate, Name: in.String(), Fn: func(f media.PCM16) error {
		mu.Lock()
		defer mu.Unlock()
		return in.WriteFrame(f)
	}}
}

// endpointEvent is an endpointer event stamped with the wall time it was
// decided, which starts the clock on the bot's reply.
type endpointEvent struct {
	media.EndpointEvent
	decided time.Time
}

// onEndpoint runs on the leg's inbound goroutine, inside WriteFrame: a
// barge-in stops the bot from here, in the frame that crossed MinBargeIn;
// every event then goes to the loop.
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
// written, queued audio is flushed, the engines streaming it are
// cancelled. It reports whether a turn was playing.
func (s *session) interrupt(why string) bool {
	if !s.cur.stop(s.leg.FlushAudioOut) {
		return false
	}
	s.log.Info("bot interrupted", "by", why)
	return true
}

// currentTurn is the bot turn playing, as the leg's inbound goroutine sees
// it, so a barge-in can stop the turn without waiting for the loop. The
// loop begins turns; each turn's goroutine ends its own. mu guards the two
// fields below and nothing else.
type currentTurn struct {
	mu     sync.Mutex
	cancel context.CancelFunc // nil when nothing plays or the turn was stopped
	pb     *playback          // the turn's playback, until its goroutine ends
}

func (c *currentTurn) begin(cancel context.CancelFunc, pb *playback) {
	c.mu.Lock()
	c.cancel, c.pb = cancel, pb
	c.mu.Unlock()
}

// end forgets pb's turn, unless another has begun since.
func (c *currentTurn) end(pb *playback) {
	c.mu.Lock()
	if c.pb == pb {
		c.cancel, c.pb = nil, nil
	}
	c.mu.Unlock()
}

// stop marks the turn interrupted, cancels it and calls flush, all under
// the lock, so a turn begun just after cannot have its first frames
// flushed. It reports whether a turn was playing.
func (c *currentTurn) stop(flush func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancel == nil {
		return false
	}
	c.pb.interrupt()
	c.cancel()
	c.cancel = nil
	flush()
	return true
}

// talking reports whether a turn is playing and has not been interrupted.
func (c *currentTurn) talking() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pb != nil && !c.pb.wasInterrupted()
}

// turnDone is a finished bot turn, delivered to the loop.
type turnDone struct {
	r      reply
	timing record.TurnTiming
}

// startTurn plays stream on its own goroutine, within ctx, and delivers
// the finished turn on the channel it returns. tm is the turn's timing so
// far; the player adds the stages it sees. The loop starts one turn at a
// time.
func (s *session) startTurn(ctx context.Context, stream dialog.Stream, tm record.TurnTiming) <-chan turnDone {
	tctx, cancel := context.WithCancel(ctx)
	pb := &playback{}
	s.cur.begin(cancel, pb)
	done := make(chan turnDone, 1)
	go func() {
		r := s.speakStream(tctx, stream, pb, &tm)
		s.cur.end(pb)
		cancel()
		done <- turnDone{r: r, timing: tm}
	}()
	return done
}

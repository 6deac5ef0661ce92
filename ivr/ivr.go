// Package ivr runs calls: one goroutine per call walks the call's dialplan
// flow node by node, speaking prompts through TTS, reading keys (and, in
// menus with keywords, recognising the caller's words), handing the caller to
// the voice bot, putting callers in agent queues, bridging them with the agent
// who answers, and transferring them to agents, queues or external numbers.
// It owns the per-call state (digits, path, the call record it checkpoints
// while the call goes on, behind Engine.Journal, and writes when the call
// ends) and publishes every call in progress for supervisors
// (Engine.Calls). It decides when a whole call is recorded (the dialplan's
// record: policies, the agent's pause and resume; recording.go) and keeps the
// recordings in the call record; package recording, behind Engine.Recorders,
// writes the files.
//
// It does not know SIP or agents' devices: the inbound leg, agent legs and
// trunk legs arrive as interfaces (media.Leg plus answer/reject), so a WebRTC
// leg or a test leg fits too. Which device rings an agent, and what the agent
// does on their desktop, is package desk's: the agent's requests (transfer,
// consult) arrive on the agent's leg (agent.go).
package ivr

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/tts"
)

// InboundLeg is the caller's leg as the IVR sees it.
type InboundLeg interface {
	media.Leg
	Logger() *slog.Logger
	// Ringing tells the caller we are ringing someone (SIP 180).
	Ringing() error
	// Progress tells the caller, before the answer, that in-band audio follows (SIP 183 Session
	// Progress with our SDP): from then on the caller hears what AudioOut plays although the call is
	// not answered, and Answer keeps that media. It fails for a call that cannot have media before its
	// answer (one that came without an SDP offer).
	Progress() error
	// Answer answers the call (SIP 200 + ACK). Idempotent.
	Answer() error
	// Reject refuses an unanswered call with a SIP status.
	Reject(code int, reason string)
	// HangupBy ends the call on behalf of a party ("agent").
	HangupBy(ctx context.Context, by, cause string) error
	// HangupInfo tells who ended the call and why, once it has ended.
	HangupInfo() (by, cause string)
	// OutputRate is the sample rate AudioOut will take once answered.
	OutputRate() int
	// Codec names the negotiated codec; "" until a call that came without
	// an offer (late offer) has its answer.
	Codec() string
}

// CallInfo is what the signalling layer knows about an inbound call.
type CallInfo struct {
	ID         string
	From, To   string
	FromURI    string
	ToURI      string
	SourceAddr string
	Codec      string            // for the screen pop; Run takes it from the leg
	Headers    map[string]string // SIP headers of the INVITE, for routes that match on one

	// Set when the call is offered to an agent, for the screen pop.
	Route    string          // dialplan route that matched
	Queue    string          // queue the caller waited in
	Path     []string        // dialplan nodes so far, "id(type)"
	Waited   time.Duration   // time in the queue so far
	Language string          // the call's language (en-US, zh-CN)
	Handoff  *record.Handoff // the bot's packet, when a bot escalated
	// SRTP is the queue's srtp: policy, the least encryption of the agent's phone leg ("": the agent's).
	SRTP string
	// Customer is the caller's profile in brief; nil when not identified.
	Customer *record.CustomerBrief
}

// PlanSource gives the dialplan that is current now; a call keeps the plan it started with.
type PlanSource interface {
	Current() *dialplan.Plan
}

// Records persists call records.
type Records interface {
	PutCall(*record.Call) error
}

// Engine runs inbound calls.
type Engine struct {
	Plans   PlanSource
	TTS     tts.Synthesizer
	ACD     acd.Router
	Agents  AgentDialer
	Records Records
	Log     *slog.Logger
	// Bots runs bot nodes; nil makes them take their error edge.
	Bots BotEngines
	// Speech lets menus with keywords hear callers; nil makes every menu answer keys only.
	Speech MenuSpeech
	// Trunks calls external numbers for transfers; nil makes them take their error edge.
	Trunks TrunkDialer
	// Recorders records whole calls as the dialplan's record: policies say (recording.go); nil
	// records none.
	Recorders Recorders
	// Journal stores the records of calls in progress (journal.go); nil stores them only when
	// calls end.
	Journal Journal
	// Customers identifies callers by their number for the record and the screen pop; nil
	// leaves calls without a customer.
	Customers Customers
	// VIP raises the queue priority of callers whose profile has its tag; zero: no VIP tag.
	VIP VIP
	// BotContext gives voice bots the caller's recent contacts (redacted summaries) as context.
	BotContext bool

	prompts  promptCache
	active   atomic.Int64
	live     liveCalls
	monitors monitors // bridged calls supervisors can join (monitor.go)
}

// ActiveCalls is the number of calls the engine is running.
func (e *Engine) ActiveCalls() int { return int(e.active.Load()) }

// Run runs one inbound call to its end and stores its record. It is called
// in the call's own goroutine.
func (e *Engine) Run(leg InboundLeg, info CallInfo) *record.Call {
	e.active.Add(1)
	defer e.active.Add(-1)
	log := leg.Logger()
	plan := e.Plans.Current()
	rec := &record.Call{
		ID:      info.ID,
		Parties: record.Parties{From: info.From, To: info.To, FromURI: info.FromURI, ToURI: info.ToURI, SourceAddr: info.SourceAddr},
		Routing: record.Routing{DialplanVersion: plan.Version, DialplanHash: plan.Hash},
		Times:   record.Times{Start: time.Now()},
		Outcome: record.Outcome{Codec: leg.Codec()},
	}
	var recording *callRecording // set once the call has a route
	defer func() {
		rec.Recordings = append(rec.Recordings, recording.finish()...)
		if rec.End.IsZero() {
			rec.End = time.Now()
		}
		if rec.HangupBy == "" {
			rec.HangupBy, rec.HangupCause = leg.HangupInfo()
		}
		if err := e.Records.PutCall(rec); err != nil {
			log.Error("storing call record failed", "error", err)
		}
		attrs := []any{"disposition", rec.Disposition, "hangup_by", rec.HangupBy, "cause", rec.HangupCause,
			"agent", rec.Agent, "duration", rec.End.Sub(rec.Start).Round(time.Millisecond).String()}
		// How the caller's network treated the call's audio, for whoever
		// investigates a complaint about it.
		if m, ok := leg.(interface{ RTP() *media.RTPSession }); ok {
			if r := m.RTP(); r != nil {
				st := r.Stats()
				attrs = append(attrs, "rtp_received", st.Received, "rtp_lost", st.Lost, "rtp_concealed", st.Concealed, "rtp_late", st.Late,
					"srtp", r.SRTP())
			}
		}
		log.Info("call ended", attrs...)
	}()

	route, flow, ok := plan.Select(&dialplan.Facts{To: info.To, From: info.From, Headers: info.Headers, Time: rec.Start})
	if !ok {
		// Only the routes the dialplan defines are reachable: anything else
		// (an external number, a probe) is refused before it is answered.
		log.Warn("call refused: no route", "to", info.To, "from", info.From, "src", info.SourceAddr)
		leg.Reject(403, "Forbidden")
		rec.Disposition, rec.HangupBy, rec.HangupCause = "rejected", "server", "no_route"
		return rec
	}
	rec.Route, rec.Flow = route.Name, flow.Name
	if err := applySRTP(leg, route.SRTP); err != nil {
		log.Warn("call refused: srtp", "route", route.Name, "srtp", route.SRTP, "error", err)
		rec.Disposition, rec.HangupBy, rec.HangupCause = "rejected", "server", "srtp"
		return rec
	}
	log.Info("call started", "from", info.From, "to", info.To, "route", route.Name, "flow", flow.Name,
		"dialplan_version", plan.Version)

	lang := route.Language
	if lang == "" {
		lang = plan.Settings.Language
	}
	recording = newCallRecording(e, leg, info.ID, route.Record)
	customer := e.identify(leg.Context(), log, rec)
	c := &call{
		customer: customer,
		engine:   e, leg: leg, log: log, rec: rec, lang: lang, headers: info.Headers, plan: plan, recording: recording,
		live: e.live.add(LiveCall{ID: info.ID, From: info.From, To: info.To, Route: route.Name, State: StateIVR,
			Node: flow.Start, Start: rec.Start, Since: rec.Start}),
		vars:   map[string]string{"caller": info.From, "called": info.To, "call_id": info.ID},
		digits: make(chan rune, 32),
		keyed:  make(chan struct{}, 1),
		pos:    position{flow: flow, node: flow.Start, since: rec.Start},
	}
	setCustomerVars(c.vars, customer)
	defer c.live.remove()
	go c.pumpDTMF()
	ctx := leg.Context()
	err := dialplan.Run(ctx, flow, c, func(s dialplan.Step) {
		rec.Path = append(rec.Path, record.PathStep{Node: s.Node, Type: s.Type, Edge: s.Edge, At: s.At})
		c.pos.step(s)
		c.live.set(func(l *LiveCall) { l.State, l.Node, l.Agent, l.Number = StateIVR, s.Target, "", "" })
	})
	if err != nil && ctx.Err() == nil {
		log.Error("dialplan failed", "error", err)
		rec.Disposition = "failed"
		_ = leg.Hangup(context.Background(), "error")
	}
	if ctx.Err() == nil {
		_ = leg.Hangup(context.Background(), "normal")
	}
	rec.End = time.Now()
	rec.Vars = c.vars
	if rec.Disposition == "" {
		rec.Disposition = "completed"
	}
	return rec
}

// call is one running call: it implements dialplan.Call.
type call struct {
	engine   *Engine
	leg      InboundLeg
	log      *slog.Logger
	rec      *record.Call
	customer *record.CustomerBrief // the caller's profile, for the screen pop
	lang     string
	vars     map[string]string
	digits   chan rune
	keyed    chan struct{}
	answered bool
	// early: the caller hears AudioOut before the answer (Progress sent), so a transfer gives it
	// ringback and the far end's early media as if it were answered.
	early   bool
	headers map[string]string
	plan    *dialplan.Plan // the plan the call started with (agent transfers name its queues)
	// transfers counts agent transfers, to stop a loop of them.
	transfers int
	live      liveCall // what supervisors see of the call
	// ear hears the caller while a menu with keywords runs (nil otherwise); keysOnlyWhy is the last
	// reason a menu could not listen, logged once.
	ear         *listener
	keysOnlyWhy string
	recording   *callRecording // whole-call recording (recording.go)
	pos         position       // the node the call is in, for checkpoints (journal.go)
}

var _ dialplan.Call = (*call)(nil)

func (c *call) Context() context.Context { return c.leg.Context() }
func (c *call) Logger() *slog.Logger     { return c.log }
func (c *call) Language() string         { return c.lang }
func (c *call) Vars() map[string]string  { return c.vars }
func (c *call) Hangup(cause string) error {
	c.rec.HangupBy, c.rec.HangupCause = "server", cause
	return c.leg.Hangup(context.Background(), cause)
}

// pumpDTMF moves the leg's key presses into the call's digit buffer.
func (c *call) pumpDTMF() {
	ch := c.leg.DTMF()
	for {
		select {
		case <-c.leg.Context().Done():
			return
		case d := <-ch:
			c.log.Info("dtmf", "digit", string(d))
			select {
			case c.digits <- d:
			default: // a caller mashing keys: drop the overflow
			}
			select {
			case c.keyed <- struct{}{}:
			default:
			}
		}
	}
}

func (c *call) answer() error {
	if c.answered {
		return nil
	}
	// The record is on disk before the caller hears the answer: a crash from now on leaves an
	// interrupted call, never a call the store does not know.
	c.checkpoint("answer", func(snap *record.Call) {
		if snap.Answer.IsZero() {
			snap.Answer = snap.End
		}
	})
	if err := c.leg.Answer(); err != nil {
		return err
	}
	c.answered = true
	if c.rec.Answer.IsZero() {
		c.rec.Answer = time.Now()
	}
	// A call that arrived without an offer (late offer) learns its codec
	// from the caller's answer to ours, which comes with the answer.
	if c.rec.Codec == "" {
		c.rec.Codec = c.leg.Codec()
	}
	c.startAnnounced("answer")
	return nil
}

// Play speaks or plays a prompt; an interruptible one stops at the first key, or while a menu listens,
// when the caller speaks.
func (c *call) Play(ctx context.Context, p dialplan.Prompt, interruptible bool) error {
	// Prepare the audio before answering, so the caller never hears dead air
	// between the answer and the first word.
	samples, err := c.engine.prompt(ctx, p, c.leg.OutputRate())
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.log.Error("prompt unavailable", "error", err, "text", p.Text, "file", p.File)
		return nil // a missing prompt must not drop the caller
	}
	if err := c.answer(); err != nil {
		return err
	}
	out := c.leg.AudioOut()
	if !interruptible {
		return media.Play(ctx, out, samples)
	}
	// A choice already made skips the prompt.
	var spoke <-chan struct{}
	if c.ear != nil {
		if len(c.ear.heard) > 0 {
			return nil
		}
		spoke = c.ear.spoke
	}
	if len(c.digits) > 0 {
		return nil
	}
	select {
	case <-c.keyed:
	default:
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-c.keyed: // the digit itself stays buffered
			cancel()
		case <-spoke: // the words come to ReadInput once recognised
			c.log.Debug("prompt stopped: the caller speaks")
			cancel()
		case <-pctx.Done():
		}
	}()
	err = media.Play(pctx, out, samples)
	if pctx.Err() != nil && ctx.Err() == nil {
		c.leg.FlushAudioOut() // the caller pressed a key or spoke: stop at once
		return nil
	}
	return err
}

func (c *call) ReadDigit(ctx context.Context, timeout time.Duration) (rune, bool, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case d := <-c.digits:
		return d, true, nil
	case <-t.C:
		return 0, false, nil
	case <-ctx.Done():
		return 0, false, ctx.Err()
	}
}

// FlushDigits discards keys pressed so far and, while a menu listens, what the caller said.
func (c *call) FlushDigits() {
	if c.ear != nil {
		c.ear.flush()
	}
	for {
		select {
		case <-c.digits:
		case <-c.keyed:
		default:
			return
		}
	}
}

var errNoPrompt = errors.New("prompt has neither text nor file")

package ivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
)

// TrunkDialer calls external numbers through the dialplan's SIP trunks (the SIP server, with the
// trunk's credentials from hotline.yaml).
type TrunkDialer interface {
	// DialTrunk returns once the number answered, or with an error: one wrapping media.ErrBusy,
	// media.ErrNoAnswer or media.ErrDeclined when the far end was reached but did not take the call
	// (the transfer takes its failed edge, and its record keeps the error's text as the cause, e.g.
	// "busy (486 Busy Here)"), any other when the trunk could not be used (error edge). When ctx ends
	// the attempt is cancelled.
	DialTrunk(ctx context.Context, req TrunkCall) (TrunkLeg, error)
}

// TrunkCall is one call to an external number.
type TrunkCall struct {
	Trunk    *dialplan.Trunk
	Number   string
	CallerID string // the number presented; "" for anonymous
	// OnProgress hears that the number rings (180) or the network reports progress (183).
	OnProgress func(code int, reason string)
	// OnEarlyMedia hears, at most once and before the number answers, that the far end sends in-band
	// audio (a 183 or 180 with SDP): the network's ringback or an announcement ("the number you
	// dialled is not in service") that the caller should hear instead of ours. It is called before
	// OnProgress hears of the response that brought it. It must not block.
	OnEarlyMedia func(early EarlyMedia)
	Log          *slog.Logger // the transferred call's logger
}

// EarlyMedia is a trunk call's audio before the answer, the far end's side only (what the caller
// hears; nothing of the caller is sent before the answer). It ends when the call is answered (the
// bridge takes over) or fails.
type EarlyMedia interface {
	// SwapAudioIn sets where the far end's early audio goes (nil discards) and returns the previous
	// writer. It is written from the trunk leg's receive path: the writer must not block.
	SwapAudioIn(media.FrameWriter) media.FrameWriter
}

// TrunkLeg is an answered call to an external number.
type TrunkLeg interface {
	media.Leg
	// HungUpByUs reports whether the server (not the far end) ended it.
	HungUpByUs() bool
	// Close releases its media after it ended.
	Close()
	// Codec names the negotiated codec.
	Codec() string
}

var (
	// errNoTrunkDialling: the engine has no TrunkDialer.
	errNoTrunkDialling = errors.New("trunk dialling not available")
	// errNumberNotAllowed: the number is not in the trunk's allow list.
	errNumberNotAllowed = errors.New("the trunk does not allow this number")
)

// transferOut calls an external number through the request's trunk. The number is checked against the
// trunk's allow list again here, whatever a template expanded to: a number the trunk does not allow is
// never dialled. While it rings the caller hears our ringback or the far end's early media (see
// dialWithRingback); once it answers, the caller is answered too and the two are bridged until either
// hangs up, and the transfer takes its next edge. Busy, no answer and declined take the failed
// edge; a trunk that cannot be used, the error edge. Every attempt goes into the call record.
func (c *call) transferOut(ctx context.Context, req dialplan.TransferRequest) (dialplan.TransferResult, error) {
	t := req.Trunk
	if t == nil {
		return dialplan.TransferResult{}, fmt.Errorf("transfer to %s: no trunk", req.Number)
	}
	x := record.Transfer{Number: req.Number, Trunk: t.Name, Start: time.Now()}
	defer func() {
		x.End = time.Now()
		c.rec.Transfers = append(c.rec.Transfers, x)
	}()
	if !t.Allows(req.Number) {
		c.log.Warn("transfer refused: the trunk does not allow the number", "number", req.Number, "trunk", t.Name)
		x.Outcome = record.TransferNotAllowed
		return dialplan.TransferResult{}, fmt.Errorf("transfer to %s via trunk %s: %w", req.Number, t.Name, errNumberNotAllowed)
	}
	if c.engine.Trunks == nil {
		x.Outcome, x.Cause = record.TransferError, errNoTrunkDialling.Error()
		return dialplan.TransferResult{}, fmt.Errorf("transfer to %s via trunk %s: %w", req.Number, t.Name, errNoTrunkDialling)
	}
	x.CallerID = t.CallerID
	if x.CallerID == "" && c.vars["caller"] != "anonymous" {
		x.CallerID = c.vars["caller"]
	}
	maxWait := req.MaxWait
	if maxWait <= 0 {
		maxWait = dialplan.DefaultDialTimeout
	}
	c.live.set(func(l *LiveCall) { l.State, l.Number = StateExternal, req.Number })
	c.log.Info("transfer: dialling external number", "number", req.Number, "trunk", t.Name, "host", t.Host,
		"caller_id", x.CallerID, "max_wait", maxWait.String())

	leg, err := c.dialWithRingback(ctx, TrunkCall{Trunk: t, Number: req.Number, CallerID: x.CallerID, Log: c.log}, maxWait, &x)
	switch {
	case err != nil && ctx.Err() != nil:
		c.log.Info("transfer: the caller hung up while the number rang", "number", req.Number)
		x.Outcome = record.TransferCallerHangup
		c.rec.Disposition = record.DispositionAbandoned
		return dialplan.TransferResult{Outcome: dialplan.QueueCallerHangup}, dialplan.ErrHangup
	case err != nil:
		x.Cause = err.Error()
		res := dialplan.TransferResult{Outcome: dialplan.QueueNoAgent}
		switch {
		case errors.Is(err, media.ErrBusy):
			x.Outcome = record.TransferBusy
		case errors.Is(err, media.ErrNoAnswer):
			x.Outcome, res.Outcome = record.TransferNoAnswer, dialplan.QueueTimeout
		case errors.Is(err, media.ErrDeclined):
			x.Outcome = record.TransferDeclined
		default:
			x.Outcome = record.TransferError // the transfer node logs the error as it takes its error edge
			return dialplan.TransferResult{}, err
		}
		c.log.Info("transfer: number not reached", "number", req.Number, "trunk", t.Name, "outcome", x.Outcome, "cause", x.Cause)
		return res, nil
	}
	return c.talkExternal(ctx, leg, &x)
}

// dialWithRingback dials and gives the caller ringback until the number answers or the attempt ends.
// A caller that can hear us (answered, or given early media by an earlier transfer) hears our ringback
// from the moment we dial, whatever the far end reports. When the far end sends early media, the caller
// hears that instead, from then on: the carrier's ringback, or the announcement that explains why the
// call will fail (heard before the failed edge). A caller not answered yet is given it with a 183
// Session Progress (Progress) and keeps that media when answered; without early media, or when the
// caller's leg cannot have it, their phone is told the number rings (180) and makes its own ringback.
func (c *call) dialWithRingback(ctx context.Context, tc TrunkCall, maxWait time.Duration, x *record.Transfer) (TrunkLeg, error) {
	dialCtx, cancel := context.WithTimeout(ctx, maxWait)
	defer cancel()
	progress := make(chan int, 1)
	tc.OnProgress = func(code int, _ string) {
		select {
		case progress <- code:
		default:
		}
	}
	earlyCh := make(chan EarlyMedia, 1) // sent once
	tc.OnEarlyMedia = func(e EarlyMedia) {
		select {
		case earlyCh <- e:
		default:
		}
	}
	type dialed struct {
		leg TrunkLeg
		err error
	}
	done := make(chan dialed, 1)
	go func() {
		leg, err := c.engine.Trunks.DialTrunk(dialCtx, tc)
		done <- dialed{leg, err}
	}()

	hears := func() bool { return c.answered || c.early }
	var ring sync.WaitGroup
	ringCtx, stopRing := context.WithCancel(dialCtx)
	var early EarlyMedia
	defer func() {
		stopRing()
		ring.Wait()
		if early != nil {
			early.SwapAudioIn(nil) // the bridge, or the flow's next node, takes over the caller's ear
		}
		if hears() {
			c.leg.FlushAudioOut()
		}
	}()
	if hears() {
		ring.Add(1)
		go func() {
			defer ring.Done()
			playHold(ringCtx, c.leg.AudioOut(), ringbackPattern(c.leg.AudioOut().SampleRate()))
		}()
	}
	// takeEarly gives the caller the far end's early media in place of our ringback.
	takeEarly := func(e EarlyMedia) {
		if early != nil {
			return
		}
		if !hears() {
			if err := c.leg.Progress(); err != nil {
				c.log.Info("transfer: the caller cannot be given the far end's early media", "number", tc.Number, "error", err)
				return
			}
			c.early = true
		}
		stopRing()
		ring.Wait()
		c.leg.FlushAudioOut()
		early = e
		early.SwapAudioIn(nonBlockingWriter(c.leg.AudioOut()))
		c.log.Info("transfer: caller hears the far end's early media", "number", tc.Number, "answered", c.answered)
	}
	for {
		select {
		case code := <-progress:
			// A response with SDP hands over its early media before its progress: take the media first,
			// so an unanswered caller gets the 183 and not a 180 before it.
			select {
			case e := <-earlyCh:
				takeEarly(e)
			default:
			}
			if !x.Ringing.IsZero() {
				continue
			}
			x.Ringing = time.Now()
			c.log.Info("transfer: number ringing", "number", tc.Number, "status", code)
			if !hears() {
				_ = c.leg.Ringing() // the caller's phone rings; the call is answered when the number answers
			}
		case e := <-earlyCh:
			takeEarly(e)
		case r := <-done:
			if r.err == nil && ctx.Err() != nil {
				// Answered as the caller left.
				_ = r.leg.Hangup(context.Background(), "caller_gone")
				r.leg.Close()
				return nil, ctx.Err()
			}
			return r.leg, r.err
		}
	}
}

// nonBlockingWriter writes to w without blocking where w can (a paced RTP writer drops its oldest
// queued frame instead), as a bridge does: early media is written from the trunk leg's receive path.
func nonBlockingWriter(w media.FrameWriter) media.FrameWriter {
	if t, ok := w.(media.TryFrameWriter); ok {
		return tryWriter{t}
	}
	return w
}

type tryWriter struct{ w media.TryFrameWriter }

func (t tryWriter) WriteFrame(p media.PCM16) error { return t.w.TryWriteFrame(p) }
func (t tryWriter) SampleRate() int                { return t.w.SampleRate() }
func (t tryWriter) String() string                 { return "nonblocking → " + t.w.String() }

// talkExternal answers the caller (if not yet) and bridges them with the answered number until either
// hangs up; the transfer then takes its next edge.
func (c *call) talkExternal(ctx context.Context, leg TrunkLeg, x *record.Transfer) (dialplan.TransferResult, error) {
	defer leg.Close()
	x.Answer, x.Outcome = time.Now(), record.TransferAnswered
	x.Codec = leg.Codec()
	if err := c.answer(); err != nil {
		_ = leg.Hangup(context.Background(), "caller_gone")
		x.HangupBy = record.HangupByCaller
		return dialplan.TransferResult{Outcome: dialplan.QueueCallerHangup}, dialplan.ErrHangup
	}
	c.rec.Disposition = record.DispositionTransferred
	c.checkpoint("transfer to "+x.Number, func(snap *record.Call) { snap.Transfers = append(snap.Transfers, *x) })
	c.log.Info("transfer: bridged with external number", "number", x.Number, "trunk", x.Trunk, "leg", leg.ID(), "codec", x.Codec)
	_ = media.Bridge(ctx, c.leg, leg)
	switch {
	case ctx.Err() != nil:
		x.HangupBy = record.HangupByCaller
		_ = leg.Hangup(context.Background(), "normal")
	case leg.HungUpByUs():
		x.HangupBy = record.HangupByServer // e.g. its media stopped
	default:
		x.HangupBy = record.HangupByNumber
	}
	if ctx.Err() == nil {
		c.leg.FlushAudioOut()
	}
	c.log.Info("transfer: call with external number ended", "number", x.Number, "hangup_by", x.HangupBy,
		"talk", time.Since(x.Answer).Round(time.Millisecond).String())
	return dialplan.TransferResult{Outcome: dialplan.QueueAnswered}, nil
}

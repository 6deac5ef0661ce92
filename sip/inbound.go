package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/media"
)

// Hangup parties, as recorded in call records.
const (
	ByCaller = "caller"
	ByServer = "server"
)

// Invite is what the caller's INVITE says about a call: who calls whom, from where, and its headers.
type Invite struct {
	CallID    string
	From, To  string // user parts: caller and called numbers
	FromURI   string
	ToURI     string
	Source    string // signalling source ip:port
	Transport string

	req *gsip.Request
}

func newInvite(req *gsip.Request) Invite {
	i := Invite{CallID: callID(req), Source: req.Source(), Transport: req.Transport(), req: req}
	if f := req.From(); f != nil {
		i.From, i.FromURI = f.Address.User, f.Address.String()
	}
	i.To = req.Recipient.User
	i.ToURI = req.Recipient.String()
	return i
}

// Headers are the INVITE's headers by name as the caller wrote it, for routes that match on one.
// Of a repeated header, the first wins. The map is the caller's to keep.
func (i *Invite) Headers() map[string]string {
	if i.req == nil {
		return nil
	}
	out := map[string]string{}
	for _, h := range i.req.Headers() {
		if _, seen := out[h.Name()]; !seen {
			out[h.Name()] = h.Value()
		}
	}
	return out
}

// InboundCall is the caller's leg: an INVITE received by the server.
// It implements media.Leg once answered (or once early media is set up).
type InboundCall struct {
	Invite

	srv    *Server
	dlg    *sipgo.DialogServerSession
	offer  *Offer     // the caller's SDP; for a late offer, its answer once the ACK is in
	late   *lateOffer // set when the INVITE had no SDP (lateoffer.go)
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelCauseFunc

	mu           sync.Mutex
	rtp          *media.RTPSession
	sdp          []byte
	answered     bool
	early        bool // 183 Session Progress with our SDP sent: media runs before the answer
	finished     bool // final response sent or BYE exchanged
	hangupBy     string
	cause        string
	answerAt     time.Time
	dtmfFallback chan rune // INFO digits before media exists; every digit of a late-offer call
	reinv        reinviter // re-INVITEs (reinvite.go)
	srtpPolicy   SRTPPolicy
	srtpDone     bool // c.offer.srtp is negotiated under srtpPolicy
}

// ErrHungUp is returned when acting on a call that has ended.
var ErrHungUp = errors.New("call has ended")

// ErrNoEarlyMedia means the call cannot have media before its answer: it came without an SDP offer
// (late offer), and our offer would need a reliable provisional response, which the server does not do.
var ErrNoEarlyMedia = errors.New("sip: no early media for a call without an sdp offer")

func newInboundCall(s *Server, req *gsip.Request, dlg *sipgo.DialogServerSession, log *slog.Logger) *InboundCall {
	ctx, cancel := context.WithCancelCause(dlg.Context())
	c := &InboundCall{
		Invite: newInvite(req), srv: s, dlg: dlg, log: log, ctx: ctx, cancel: cancel,
		dtmfFallback: make(chan rune, 8),
	}
	c.reinv = c.newReinviter()
	return c
}

// Logger returns the call's logger (every line carries call_id).
func (c *InboundCall) Logger() *slog.Logger { return c.log }

// Codec names the negotiated codec ("" while a late-offer call waits for its answer).
func (c *InboundCall) Codec() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.offer == nil || c.offer.Codec == nil {
		return ""
	}
	return c.offer.Codec.Info().Name
}

// HangupInfo tells who ended the call and why (after the call ended).
func (c *InboundCall) HangupInfo() (by, cause string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hangupBy, c.cause
}

// Answered reports whether the call was answered, and when.
func (c *InboundCall) Answered() (bool, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answered, c.answerAt
}

// OutputRate is the sample rate AudioOut takes: the negotiated codec's. A
// late-offer call is asked before the ACK names the codec, so it answers with
// the rate of the codec it offers first and keeps to it (AudioOut resamples
// if the caller chose another).
func (c *InboundCall) OutputRate() int {
	if c.late != nil {
		return c.late.rate
	}
	if r := c.RTP(); r != nil {
		return r.AudioOut().SampleRate() // kept when a re-INVITE changes the codec
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offer.Codec.Info().SampleRate
}

// errAwaitingAnswer: a late-offer call has no media until the ACK brings the caller's answer.
var errAwaitingAnswer = errors.New("media waits for the caller's sdp answer")

// ensureMedia opens the RTP session for the call (idempotent).
func (c *InboundCall) ensureMedia() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rtp != nil {
		return nil
	}
	if c.offer == nil {
		return errAwaitingAnswer
	}
	if err := c.negotiateSRTPLocked(); err != nil {
		return err
	}
	rc, cc, err := c.srv.cfg.RTPPorts.ListenPair()
	if err != nil {
		return err
	}
	c.startMediaLocked(rc, cc)
	return nil
}

// startMediaLocked starts the RTP session on an RTP/RTCP socket pair,
// toward the remote of c.offer (c.mu held).
func (c *InboundCall) startMediaLocked(rc, cc *net.UDPConn) {
	c.rtp = media.NewRTPSession(rc, cc, media.RTPConfig{
		Codec: c.offer.Codec, DTMFPayload: c.offer.DTMFPT, DTMFClockRate: c.offer.DTMFRate, Remote: c.offer.Addr,
		Direction: c.offer.Direction.Reverse(), Timeout: c.srv.cfg.RTPTimeout, Logger: c.log,
		SRTP: c.offer.srtp.config(),
		OnTimeout: func() {
			// Before the answer a phone may rightly send nothing (early media flows one way): the
			// timeout counts from the answer (Answer restarts it).
			c.mu.Lock()
			answered, since := c.answered, time.Since(c.answerAt)
			c.mu.Unlock()
			if !answered || since < c.srv.cfg.RTPTimeout {
				c.log.Debug("no rtp from the caller before the answer")
				return
			}
			c.log.Warn("media timeout")
			_ = c.hangup(context.Background(), ByServer, "rtp_timeout")
		},
	})
	la := c.rtp.LocalAddr()
	c.sdp = AnswerSDP(c.srv.cfg.AdvertiseIP, la.Port, c.offer)
	c.log.Debug("media ready", "local", la.String(), "remote", c.offer.Addr.String(), "codec", c.offer.Codec.Info().Name,
		"srtp", c.offer.srtp != nil)
}

func (c *InboundCall) localSDP() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sdp
}

// Ringing sends 180 Ringing (the caller hears local ringback).
func (c *InboundCall) Ringing() error {
	if err := c.ctx.Err(); err != nil {
		return ErrHungUp
	}
	return c.dlg.Respond(180, "Ringing", nil)
}

// Progress sends 183 Session Progress with our SDP answer, so the caller hears the call's audio before
// it is answered: what AudioOut plays from now on (a carrier's ringback or announcement, relayed) goes
// out on the session that the answer keeps. The 200 OK carries the very same SDP (RFC 3264 8: an
// unchanged session keeps its o= version). Sending it again repeats the same SDP; on an answered call it
// does nothing. A call that came without an offer fails with ErrNoEarlyMedia.
func (c *InboundCall) Progress() error {
	if c.late != nil {
		return ErrNoEarlyMedia
	}
	if err := c.ctx.Err(); err != nil {
		return ErrHungUp
	}
	if err := c.ensureMedia(); err != nil {
		c.rejectSRTP(err)
		return err
	}
	c.mu.Lock()
	if c.answered || c.finished {
		c.mu.Unlock()
		return nil
	}
	first := !c.early
	c.early = true
	sdp, codec, local := c.sdp, c.offer.Codec.Info().Name, c.rtp.LocalAddr().String()
	c.mu.Unlock()
	if err := c.dlg.Respond(183, "Session Progress", sdp, gsip.NewHeader("Content-Type", "application/sdp")); err != nil {
		return fmt.Errorf("session progress: %w", err)
	}
	if first {
		c.log.Info("early media to the caller", "codec", codec, "local", local)
	}
	return nil
}

// Answer sends 200 OK with our SDP and waits for the ACK. Idempotent.
// For a late-offer call our SDP is the offer and the ACK brings the answer;
// if it brings none, Answer fails with ErrNoSDPAnswer and the caller of
// Answer must hang up (Hangup sends the BYE).
func (c *InboundCall) Answer() error {
	if c.late != nil {
		return c.answerLate()
	}
	c.mu.Lock()
	answered := c.answered
	c.mu.Unlock()
	if answered {
		return nil
	}
	if err := c.ctx.Err(); err != nil {
		return ErrHungUp
	}
	if err := c.ensureMedia(); err != nil {
		if !c.rejectSRTP(err) {
			c.reject(500, "Media Unavailable")
		}
		return err
	}
	c.mu.Lock()
	c.answered = true
	c.answerAt = time.Now()
	c.rtp.RestartTimeout()
	c.mu.Unlock()
	// After a 183 this is the SDP it carried, byte for byte: the early session goes on.
	if err := c.dlg.RespondSDP(c.localSDP()); err != nil {
		c.log.Warn("answer failed", "error", err)
		c.cancel(err)
		return fmt.Errorf("answer: %w", err)
	}
	return nil
}

// Reject refuses an unanswered call with a final response.
func (c *InboundCall) Reject(code int, reason string) {
	c.reject(code, reason)
}

func (c *InboundCall) reject(code int, reason string, hdrs ...gsip.Header) {
	c.mu.Lock()
	if c.answered || c.finished {
		c.mu.Unlock()
		return
	}
	c.finished = true
	c.hangupBy, c.cause = ByServer, fmt.Sprintf("%d %s", code, reason)
	c.mu.Unlock()
	if err := c.dlg.Respond(code, reason, nil, hdrs...); err != nil && !errors.Is(err, gsip.ErrTransactionCanceled) {
		c.log.Debug("reject", "error", err)
	}
	c.cancel(ErrHungUp)
}

func (c *InboundCall) markRemoteHangup() {
	c.mu.Lock()
	if c.hangupBy == "" {
		c.hangupBy, c.cause = ByCaller, "bye"
	}
	c.finished = true
	c.mu.Unlock()
}

// Hangup ends the call: BYE if answered, otherwise a 480 final response.
func (c *InboundCall) Hangup(ctx context.Context, cause string) error {
	return c.hangup(ctx, ByServer, cause)
}

// HangupBy ends the call on behalf of another party (an agent's BYE).
func (c *InboundCall) HangupBy(ctx context.Context, by, cause string) error {
	return c.hangup(ctx, by, cause)
}

func (c *InboundCall) hangup(ctx context.Context, by, cause string) error {
	c.mu.Lock()
	if c.finished {
		c.mu.Unlock()
		c.cancel(ErrHungUp)
		return nil
	}
	c.finished = true
	if c.hangupBy == "" {
		c.hangupBy, c.cause = by, cause
	}
	answered := c.answered
	c.mu.Unlock()
	if !answered {
		_ = c.dlg.Respond(480, "Temporarily Unavailable", nil)
		c.cancel(ErrHungUp)
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := c.dlg.Bye(ctx)
	c.cancel(ErrHungUp)
	return err
}

// release is called by the server when the handler returns.
func (c *InboundCall) release() {
	if c.ctx.Err() == nil {
		_ = c.hangup(context.Background(), ByServer, "normal")
	}
	c.mu.Lock()
	if c.hangupBy == "" {
		// The dialog ended underneath us: the caller's BYE or CANCEL.
		c.hangupBy, c.cause = ByCaller, "cancel"
		if c.answered {
			c.cause = "bye"
		}
	}
	r := c.rtp
	c.mu.Unlock()
	if r != nil {
		r.Close()
	}
}

func (c *InboundCall) injectDTMF(d rune) {
	c.mu.Lock()
	r := c.rtp
	c.mu.Unlock()
	if r != nil {
		r.InjectDTMF(d)
		return
	}
	select {
	case c.dtmfFallback <- d:
	default:
	}
}

// media.Leg

func (c *InboundCall) ID() string               { return c.CallID }
func (c *InboundCall) Context() context.Context { return c.ctx }

// RTP returns the call's RTP session (nil before media is set up).
func (c *InboundCall) RTP() *media.RTPSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rtp
}

func (c *InboundCall) AudioOut() media.FrameWriter {
	if c.late != nil {
		return c.lateAudioOut()
	}
	if err := c.ensureMedia(); err != nil {
		return media.Discard(8000)
	}
	return c.RTP().AudioOut()
}

func (c *InboundCall) FlushAudioOut() {
	if r := c.RTP(); r != nil {
		r.FlushAudioOut()
	}
}

func (c *InboundCall) SwapAudioIn(w media.FrameWriter) media.FrameWriter {
	if c.late != nil {
		return c.lateSwapAudioIn(w)
	}
	if err := c.ensureMedia(); err != nil {
		return nil
	}
	return c.RTP().SwapAudioIn(w)
}

func (c *InboundCall) DTMF() <-chan rune {
	if c.late != nil {
		return c.dtmfFallback // fed by forwardDTMF once media starts
	}
	if err := c.ensureMedia(); err != nil {
		return c.dtmfFallback
	}
	return c.RTP().DTMF()
}

// SendDigit sends a key press to the caller as an RFC 4733 telephone-event (media.DigitSender). It
// fails before the call has media and when the caller did not offer telephone-event.
func (c *InboundCall) SendDigit(d rune) error {
	r := c.RTP()
	if r == nil {
		return errNoMedia
	}
	return r.SendDTMF(d)
}

// errNoMedia: a digit cannot be sent before the call's RTP session exists.
var errNoMedia = errors.New("sip: the call has no media yet")

var (
	_ media.RTPLeg      = (*InboundCall)(nil)
	_ media.DigitSender = (*InboundCall)(nil)
)

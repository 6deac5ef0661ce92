package sip

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"time"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/media"
)

// Late offer (RFC 3261 §13.2.1, RFC 3264 §5): an INVITE without SDP. Some
// PBXs and SBCs send these, leaving the codec choice to the called party.
// The server then makes the offer in its 200 OK (every codec it is configured
// for, plus telephone-event) and the caller's answer arrives in the ACK. We
// do not do 100rel, so no provisional response carries the offer and there is
// no early media: media starts when the ACK is in.
//
// Until then the leg has no RTP session, so it hands out stand-ins: the keys
// channel (dtmfFallback) that the RTP session's keys are forwarded to later,
// a pending audio consumer that is attached when media starts, and an output
// rate fixed before anybody knows the codec (see OutputRate).
//
// An ACK without an SDP answer, or with one the server cannot use, leaves a
// dialog without media: Answer fails with ErrNoSDPAnswer and records why, and
// the call's owner hangs up with BYE (RFC 3261 §13.3.1.4: the UAS terminates
// such a session).

// ErrNoSDPAnswer means the caller's ACK to our late offer carried no usable
// SDP answer (or never came), so the call has no media.
var ErrNoSDPAnswer = errors.New("sip: late offer: no usable sdp answer in the ack")

// Hangup causes of a late-offer call whose answer is missing, as recorded in
// call records.
const (
	CauseNoACK        = "no_ack"         // the 200 OK with our offer was never acknowledged
	CauseNoSDPAnswer  = "no_sdp_answer"  // the ACK had no SDP body
	CauseBadSDPAnswer = "bad_sdp_answer" // the ACK's SDP was malformed or named no codec we offered
)

// lateOffer is the state of a call that arrived without SDP.
type lateOffer struct {
	// rate is the sample rate the leg's audio output takes, fixed when the
	// call arrives: the rate of the codec our offer lists first.
	rate int
	// cseq is the INVITE's CSeq number; the ACK to our 200 OK carries it too.
	cseq uint32
	// ack receives the body of the first ACK (nil when it has none); ACK
	// retransmissions find it full and are dropped.
	ack chan []byte

	// Guarded by InboundCall.mu.
	pendingIn media.FrameWriter // audio consumer set before media started
	err       error             // why answering failed; Answer repeats it
}

func newLateOffer(codecs Codecs, req *gsip.Request) *lateOffer {
	// The IVR renders its first prompt before it answers, so the rate is
	// promised before the answer names a codec. Most callers answer with the
	// first codec we offer; when one picks another, AudioOut resamples.
	rate := 8000
	if len(codecs) > 0 {
		rate = codecs[0].Info().SampleRate
	}
	l := &lateOffer{rate: rate, ack: make(chan []byte, 1)}
	if cs := req.CSeq(); cs != nil {
		l.cseq = cs.SeqNo
	}
	return l
}

// readAck hands the caller's answer to the call. The server calls it for
// every ACK of the call's dialog before the dialog layer confirms the
// dialog, so the answer is there by the time the 200 OK's wait ends. The
// ACK of a re-INVITE goes to that re-INVITE (reinvite.go).
func (c *InboundCall) readAck(req *gsip.Request) {
	cs := req.CSeq()
	if cs == nil {
		return
	}
	if c.late == nil || cs.SeqNo != c.late.cseq {
		c.reinv.ackReinvite(cs.SeqNo, req.Body())
		return
	}
	body := bytes.Clone(req.Body())
	select {
	case c.late.ack <- body:
	default:
	}
}

// answerLate answers a late-offer call: it reserves an RTP port pair, sends
// our offer in the 200 OK, waits for the ACK (sipgo's RespondSDP returns
// once the dialog is confirmed) and starts media with the caller's answer.
// Like Answer, it blocks for one round trip; the IVR calls it from the
// call's own goroutine, never from a SIP transaction callback.
func (c *InboundCall) answerLate() error {
	c.mu.Lock()
	answered, failed := c.answered, c.late.err
	c.mu.Unlock()
	if failed != nil {
		return failed
	}
	if answered {
		return nil
	}
	if err := c.ctx.Err(); err != nil {
		return ErrHungUp
	}
	rc, cc, err := c.srv.cfg.RTPPorts.ListenPair()
	if err != nil {
		c.reject(500, "Media Unavailable")
		return err
	}
	local := rc.LocalAddr().(*net.UDPAddr)
	c.mu.Lock()
	policy := c.srtpPolicy
	c.mu.Unlock()
	sec, ours, err := offerSRTP(policy)
	if err != nil {
		rc.Close()
		cc.Close()
		c.reject(500, "Media Unavailable")
		return err
	}
	offer := c.srv.cfg.Codecs.offerSDP(c.srv.cfg.AdvertiseIP, local.Port, sec)
	c.mu.Lock()
	c.answered, c.answerAt, c.sdp = true, time.Now(), offer
	c.reinv.sent = offer // startMedia puts an answer in c.sdp, but this is what the caller has
	c.mu.Unlock()
	c.log.Debug("late offer: offering in the 200 OK", "local", local.String())
	if err := c.dlg.RespondSDP(offer); err != nil {
		rc.Close()
		cc.Close()
		if errors.Is(err, gsip.ErrTransactionTerminated) && c.dlg.Context().Err() == nil {
			// 64*T1 of 200 OK retransmissions and no ACK: the dialog stands
			// but has no media, and the session is to end with a BYE
			// (RFC 3261 §13.3.1.4).
			return c.failLate(CauseNoACK, fmt.Errorf("%w: the 200 OK was not acknowledged", ErrNoSDPAnswer))
		}
		c.log.Warn("answer failed", "error", err)
		c.cancel(err)
		return fmt.Errorf("answer: %w", err)
	}

	var body []byte
	acked := false
	select {
	case body = <-c.late.ack:
		acked = true
	default: // RespondSDP's own 64*T1 limit can end its wait without an ACK
	}
	ans, cause, err := c.parseAnswer(acked, body, ours, policy)
	if err != nil {
		rc.Close()
		cc.Close()
		return c.failLate(cause, err)
	}

	c.mu.Lock()
	c.offer = ans
	c.startMediaLocked(rc, cc)
	r := c.rtp
	if w := c.late.pendingIn; w != nil {
		r.SwapAudioIn(w)
		c.late.pendingIn = nil
	}
	c.mu.Unlock()
	go c.forwardDTMF(r)
	return nil
}

// failLate records why a late-offer call has no media and returns the error
// Answer gives, now and if asked again. It leaves the BYE to the caller of
// Answer, so the call is still up when Answer returns: the IVR hangs up at
// once and records the call as failed; release hangs up at the latest when
// the handler returns.
func (c *InboundCall) failLate(cause string, err error) error {
	c.log.Warn("late offer: no usable answer, hanging up", "cause", cause, "error", err)
	err = fmt.Errorf("answer: %w", err)
	c.mu.Lock()
	c.late.err = err
	if c.hangupBy == "" {
		c.hangupBy, c.cause = ByServer, cause
	}
	c.mu.Unlock()
	return err
}

// parseAnswer reads the caller's answer from the ACK body. On failure it
// returns the hangup cause to record.
func (c *InboundCall) parseAnswer(acked bool, body []byte, ours []Crypto, policy SRTPPolicy) (*Offer, string, error) {
	if !acked {
		return nil, CauseNoACK, fmt.Errorf("%w: the 200 OK was not acknowledged", ErrNoSDPAnswer)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, CauseNoSDPAnswer, fmt.Errorf("%w: the ack has no body", ErrNoSDPAnswer)
	}
	// An answer picks from our offer, so negotiating it like an offer
	// finds the codec the caller chose (and its telephone-event).
	ans, err := c.srv.cfg.Codecs.Negotiate(body)
	if err != nil {
		return nil, CauseBadSDPAnswer, fmt.Errorf("%w: %w", ErrNoSDPAnswer, err)
	}
	if ans.srtp, err = takeAnswerSRTP(ans, ours, policy); err != nil {
		return nil, CauseBadSDPAnswer, fmt.Errorf("%w: %w", ErrNoSDPAnswer, err)
	}
	return ans, "", nil
}

// forwardDTMF moves the keys of the RTP session (RFC 4733, and SIP INFO keys
// injected into it) to the channel the leg handed out before media existed.
func (c *InboundCall) forwardDTMF(r *media.RTPSession) {
	for {
		select {
		case d := <-r.DTMF():
			select {
			case c.dtmfFallback <- d:
			default: // a caller mashing keys: drop the overflow
			}
		case <-r.Context().Done():
			return
		case <-c.ctx.Done():
			return
		}
	}
}

// lateAudioOut is AudioOut of a late-offer call: it takes audio at the rate
// promised before the answer and resamples when the caller chose a codec at
// another rate. Before media starts it discards.
func (c *InboundCall) lateAudioOut() media.FrameWriter {
	r := c.RTP()
	if r == nil {
		return media.Discard(c.late.rate)
	}
	// A new resampler per call of AudioOut loses its few milliseconds of
	// filter delay at the end of a prompt; that is inaudible.
	return media.NewResampler(r.AudioOut(), c.late.rate)
}

// lateSwapAudioIn is SwapAudioIn of a late-offer call: a consumer set before
// media starts is attached when it does.
func (c *InboundCall) lateSwapAudioIn(w media.FrameWriter) media.FrameWriter {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rtp != nil {
		return c.rtp.SwapAudioIn(w)
	}
	prev := c.late.pendingIn
	c.late.pendingIn = w
	return prev
}

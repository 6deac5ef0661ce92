package sip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/media"
)

// Re-INVITE (RFC 3261 §14, RFC 3264 §8): the remote end (a caller, or an
// agent's phone or a trunk we called) changes an established session. It moves its media (a new address or port), changes the codec,
// holds the call (a=sendonly or a=inactive) and resumes it (a=sendrecv),
// or only refreshes the session. Two forms:
//
//   - With an offer: we answer in the 200 OK, keeping the codec if the offer
//     still lists it, and the change takes effect at once.
//   - Without SDP (phones resuming from hold, carriers refreshing sessions):
//     we offer in the 200 OK and the answer comes in the ACK (RFC 3264 §8,
//     like a late-offer INVITE). The offer lists every codec we take, the
//     current one first on its payload type, our port unchanged, so the
//     session as it is remains a valid answer (RFC 3261 §14.2).
//
// Either way the new description is applied the same way (update): a new
// remote address, a new codec (the leg's audio keeps its rate, the RTP
// session resamples) and the direction (a held call sends nothing and does
// not time out for lack of RTP).
//
// The 200 OK is retransmitted until the ACK comes. When it never comes
// (64*T1), the peer has lost the dialog or the signalling path is broken,
// and RFC 3261 §14.2 says to end the dialog: we hang up with BYE, cause
// no_ack, as for an unacknowledged late offer.
//
// An ACK without an answer to our offer, or with one we cannot use (not
// SDP, no codec we offered, no audio stream), is a broken peer, not a
// hangup: the previous session stays as it was, with a warning in the log
// and in hotline_sip_reinvites_total{result="kept"}. The offer we made
// fitted the session as it was (same port, same codec first), so a peer
// that ignored it still has working media; tearing down a caller's
// conversation over a failed refresh would cost more than it saves.
// Offer/answer goes back to where it stood before our offer. A peer that
// cannot accept our offer must still answer and then send BYE itself
// (RFC 3261 §13.2.2.4); one that wants the call gone can say so.

// Results of re-INVITEs, as counted by Server.ReinviteCounts.
const (
	ReinviteApplied  = "applied"  // the new session description took effect (or nothing changed)
	ReinviteKept     = "kept"     // the ACK's answer was missing or unusable: the previous session stands
	ReinviteNoACK    = "no_ack"   // the 200 OK was never acknowledged: the call was hung up
	ReinviteRejected = "rejected" // answered with an error (unusable offer, or not now)
)

var reinviteResults = [...]string{ReinviteApplied, ReinviteKept, ReinviteNoACK, ReinviteRejected}

// reinviter is the re-INVITE handling both kinds of call share: the
// caller's leg (InboundCall) and the legs we place (OutboundCall: agents'
// phones, trunk calls). An agent's phone holds and resumes with re-INVITEs
// like any caller. It works on the call's own fields, through pointers,
// under the call's mutex (mu).
type reinviter struct {
	srv    *Server
	log    *slog.Logger
	mu     *sync.Mutex
	ctx    func() context.Context // the call's; it ends the wait for an ACK
	rtp    **media.RTPSession
	remote **Offer     // the remote's current session description
	sdp    *[]byte     // our SDP as the remote agreed to it
	srtp   *SRTPPolicy // the call's (srtp.go)
	// refuseLocked says why the call cannot take a re-INVITE now (0: it
	// can). mu held.
	refuseLocked func() (code int, reason string, hdrs []gsip.Header)
	// hangup ends the call whose 200 OK was never acknowledged.
	hangup func()

	// sent is the last SDP we sent (nil: the call's first, in *sdp);
	// the next one continues its o= line (nextSDP).
	sent []byte
	// pending is the re-INVITE whose 200 OK waits for its ACK.
	pending *pendingAck
}

// pendingAck is a 200 OK to a re-INVITE waiting for its ACK.
type pendingAck struct {
	cseq  uint32
	offer bool        // the 200 OK carries our offer: the ACK must bring the answer
	ack   chan []byte // the body of the first ACK
	// superseded is closed when a newer re-INVITE shows that the peer has
	// moved on (RFC 3261 §14.1: it sends none before the last completed).
	superseded chan struct{}
}

// reinvite handles a re-INVITE of the call. It never blocks on the network:
// the wait for the ACK runs on its own goroutine.
func (r *reinviter) reinvite(req *gsip.Request, tx gsip.ServerTransaction) {
	cs := req.CSeq()
	if cs == nil {
		respond(tx, req, 400, "Bad Request")
		return
	}
	reject := func(code int, reason string, hdrs ...gsip.Header) {
		res := gsip.NewResponseFromRequest(req, code, reason, nil)
		for _, h := range hdrs {
			res.AppendHeader(h)
		}
		_ = tx.Respond(res)
		r.srv.countReinvite(ReinviteRejected)
	}
	r.mu.Lock()
	if code, reason, hdrs := r.refuseLocked(); code != 0 {
		r.mu.Unlock()
		reject(code, reason, hdrs...)
		return
	}
	if *r.rtp == nil || r.pending != nil && r.pending.offer {
		// Our offer (a late-offer INVITE's, or a re-INVITE's) waits for its
		// answer in an ACK: a new offer now would cross it.
		r.mu.Unlock()
		reject(491, "Request Pending")
		return
	}
	if p := r.pending; p != nil {
		close(p.superseded)
		r.pending = nil
	}
	ip, port := r.srv.cfg.AdvertiseIP, (*r.rtp).LocalAddr().Port
	p := &pendingAck{cseq: cs.SeqNo, ack: make(chan []byte, 1), superseded: make(chan struct{})}
	var sdp []byte
	if body := req.Body(); len(bytes.TrimSpace(body)) > 0 {
		o, err := r.srv.cfg.Codecs.negotiate(body, (*r.remote).Codec)
		if err != nil {
			// RFC 3261 §14.2: the session stays as it was.
			r.mu.Unlock()
			r.log.Info("re-invite rejected: the session stays as it was", "error", err)
			if errors.Is(err, ErrNoCommonCodec) {
				reject(488, "Not Acceptable Here")
			} else {
				reject(400, "Bad SDP")
			}
			return
		}
		if o.srtp, err = answerSRTP(o, *r.srtp, (*r.remote).srtp); err != nil {
			r.mu.Unlock()
			r.log.Info("re-invite rejected: the session stays as it was", "error", err)
			var se *SRTPError
			if errors.As(err, &se) {
				reject(488, "Not Acceptable Here", se.warning())
			} else {
				reject(500, "Server Internal Error")
			}
			return
		}
		changed := r.updateLocked(o)
		sdp = r.nextSDPLocked(AnswerSDP(ip, port, o))
		*r.sdp = sdp
		r.log.Info("re-invite", append([]any{"offer", "remote's"}, changed...)...)
	} else {
		p.offer = true
		sdp = r.nextSDPLocked(r.srv.cfg.Codecs.reofferSDP(ip, port, *r.remote))
		r.log.Debug("re-invite without sdp: offering in the 200 OK")
	}
	r.pending = p
	r.mu.Unlock()

	res := gsip.NewSDPResponseFromRequest(req, sdp)
	res.AppendHeader(r.srv.epOf(req).contactFor(req))
	if err := tx.Respond(res); err != nil {
		r.log.Warn("re-invite: sending the 200 OK failed", "error", err)
	}
	if !p.offer {
		r.srv.countReinvite(ReinviteApplied)
	}
	go r.awaitAck(tx, res, p)
}

// nextSDPLocked makes body the next SDP the call sends (mu held).
func (r *reinviter) nextSDPLocked(body []byte) []byte {
	prev := r.sent
	if prev == nil {
		prev = *r.sdp
	}
	body = nextSDP(prev, body)
	r.sent = body
	return body
}

// updateLocked makes o, the remote's new session description, the call's:
// where media goes, in which codec, and which way. It returns what changed,
// as log attributes. mu held.
func (r *reinviter) updateLocked(o *Offer) []any {
	rtp, prev := *r.rtp, *r.remote
	var changed []any
	if o.Addr.IP.IsUnspecified() {
		o.Addr = prev.Addr // held the RFC 2543 way: the direction says it, media stays put
	} else if o.Addr.String() != prev.Addr.String() {
		rtp.SetRemote(o.Addr)
		changed = append(changed, "remote", o.Addr.String())
	}
	if !prev.sameCodec(o) {
		rtp.SetCodec(o.Codec, o.DTMFPT, o.DTMFRate)
		changed = append(changed, "codec", o.Codec.Info().Name, "pt", o.Codec.Info().PayloadType)
	}
	if !prev.srtp.same(o.srtp) {
		// New keys are new contexts, both ways, from the next packet.
		if err := rtp.SetSRTP(o.srtp.config()); err != nil {
			r.log.Error("re-invite: srtp keys unusable", "error", err)
		}
		changed = append(changed, "srtp", o.srtp != nil)
	}
	if d := o.Direction.Reverse(); d != rtp.Direction() {
		rtp.SetDirection(d)
		changed = append(changed, "direction", d.String())
	}
	*r.remote = o
	if changed == nil {
		changed = []any{"changed", "nothing"}
	}
	return changed
}

// ackReinvite hands the body of an ACK to the re-INVITE it acknowledges.
func (r *reinviter) ackReinvite(cseq uint32, body []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.pending; p != nil && p.cseq == cseq {
		select {
		case p.ack <- bytes.Clone(body):
		default: // a retransmission
		}
	}
}

// awaitAck retransmits the 200 OK to a re-INVITE (T1 doubling up to T2,
// RFC 3261 §13.3.1.4) until the ACK comes, then applies the answer it
// carries if the 200 OK carried our offer.
func (r *reinviter) awaitAck(tx gsip.ServerTransaction, res *gsip.Response, p *pendingAck) {
	interval := gsip.T1
	retransmit := time.NewTimer(interval)
	defer retransmit.Stop()
	giveUp := time.NewTimer(64 * gsip.T1)
	defer giveUp.Stop()
	done := r.ctx().Done()
	for {
		select {
		case body := <-p.ack:
			r.acked(p, body)
			return
		case ack := <-tx.Acks(): // an ACK the transaction layer matched itself
			r.acked(p, ack.Body())
			return
		case <-retransmit.C:
			if err := tx.Respond(res); err == nil {
				interval = min(2*interval, gsip.T2)
				retransmit.Reset(interval)
			}
		case <-giveUp.C:
			r.notAcked(p)
			return
		case <-p.superseded:
			return
		case <-done:
			return
		}
	}
}

// acked completes a re-INVITE whose ACK has come.
func (r *reinviter) acked(p *pendingAck, body []byte) {
	r.mu.Lock()
	if r.pending != p {
		r.mu.Unlock()
		return
	}
	r.pending = nil
	if !p.offer {
		r.mu.Unlock()
		return
	}
	o, err := r.parseAnswerLocked(body)
	if err != nil {
		r.mu.Unlock()
		r.log.Warn("re-invite: the ack has no usable answer to our offer; the previous session stays", "error", err)
		r.srv.countReinvite(ReinviteKept)
		return
	}
	changed := r.updateLocked(o)
	*r.sdp = r.sent
	r.mu.Unlock()
	r.log.Info("re-invite", append([]any{"offer", "ours"}, changed...)...)
	r.srv.countReinvite(ReinviteApplied)
}

// parseAnswerLocked reads the answer to our re-INVITE offer from an ACK body (mu held).
func (r *reinviter) parseAnswerLocked(body []byte) (*Offer, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("the ack has no body")
	}
	o, err := r.srv.cfg.Codecs.negotiate(body, (*r.remote).Codec)
	if err != nil {
		return nil, err
	}
	// Our re-offer repeated our crypto line, if any (reofferSDP).
	var ours []Crypto
	if cur := (*r.remote).srtp; cur != nil {
		ours = []Crypto{cur.local}
	}
	if o.srtp, err = takeAnswerSRTP(o, ours, *r.srtp); err != nil {
		return nil, err
	}
	return o, nil
}

// notAcked ends a call whose 200 OK to a re-INVITE was never acknowledged.
func (r *reinviter) notAcked(p *pendingAck) {
	r.mu.Lock()
	if r.pending != p {
		r.mu.Unlock()
		return
	}
	r.pending = nil
	r.mu.Unlock()
	r.log.Warn("re-invite: the 200 OK was not acknowledged, hanging up", "cseq", p.cseq)
	r.srv.countReinvite(ReinviteNoACK)
	r.hangup()
}

// newReinviter gives an inbound call its re-INVITE handling.
func (c *InboundCall) newReinviter() reinviter {
	return reinviter{
		srv: c.srv, log: c.log, mu: &c.mu, ctx: c.Context, rtp: &c.rtp, remote: &c.offer, sdp: &c.sdp, srtp: &c.srtpPolicy,
		refuseLocked: func() (int, string, []gsip.Header) {
			switch {
			case c.finished:
				return 481, "Call/Transaction Does Not Exist", nil
			case !c.answered:
				// RFC 3261 §14.2: our final response to the INVITE is still to come.
				return 500, "Server Internal Error", []gsip.Header{gsip.NewHeader("Retry-After", strconv.Itoa(1+rand.IntN(10)))}
			}
			return 0, "", nil
		},
		hangup: func() {
			if err := c.hangup(context.Background(), ByServer, CauseNoACK); err != nil {
				c.log.Debug("bye", "error", fmt.Errorf("after an unacknowledged re-invite: %w", err))
			}
		},
	}
}

// newReinviterLocked gives an answered outbound leg its re-INVITE handling: an
// agent's phone holds (a=sendonly, a=inactive) and resumes (a=sendrecv) the
// call with them, a trunk refreshes the session. The leg's media follows;
// what it is bridged to is untouched, so a held caller keeps its media path
// (it hears what the phone sends on hold, often music) and hears the agent
// again on resume. o.mu held.
func (o *OutboundCall) newReinviterLocked(offer []byte) reinviter {
	o.sdp = offer
	return reinviter{
		srv: o.srv, log: o.log, mu: &o.mu, ctx: o.Context, rtp: &o.rtp, remote: &o.negotiated, sdp: &o.sdp, srtp: &o.srtpPolicy,
		refuseLocked: func() (int, string, []gsip.Header) {
			if o.closed || o.ctx.Err() != nil {
				return 481, "Call/Transaction Does Not Exist", nil
			}
			return 0, "", nil
		},
		hangup: func() {
			if err := o.Hangup(context.Background(), CauseNoACK); err != nil {
				o.log.Debug("bye", "error", fmt.Errorf("after an unacknowledged re-invite: %w", err))
			}
		},
	}
}

// ReinviteCounts returns how many re-INVITEs of calls (inbound and outbound legs) ended in each
// result (ReinviteApplied, ReinviteKept, …).
func (s *Server) ReinviteCounts() map[string]uint64 {
	out := make(map[string]uint64, len(reinviteResults))
	for i, r := range reinviteResults {
		out[r] = s.reinvites[i].Load()
	}
	return out
}

func (s *Server) countReinvite(result string) {
	for i, r := range reinviteResults {
		if r == result {
			s.reinvites[i].Add(1)
		}
	}
}

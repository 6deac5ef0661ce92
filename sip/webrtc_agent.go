package sip

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/emiago/sipgo"
	gsip "github.com/emiago/sipgo/sip"
	"github.com/google/uuid"
	"github.com/hotline-cc/hotline/media"
)

// Browser SIP clients (JsSIP, SIP.js) registered over WSS take their calls with WebRTC media
// (ICE, DTLS-SRTP), which our RTP legs do not speak. The server rings them with an INVITE
// without SDP (RFC 3261 13.2.1, late offer): the browser's 200 OK carries its WebRTC offer, the
// WebRTC engine (rtc/, the agent desktop's) answers it, and the answer goes in the ACK. The call's
// media is then a WebRTC leg like the desktop's, and its signalling this SIP dialog.

// WebRTCMedia answers a browser's WebRTC offer: it returns the leg that carries the call's media
// and the SDP answer.
type WebRTCMedia func(ctx context.Context, id, offer string) (WebRTCLeg, string, error)

// WebRTCLeg is what DialWebRTC needs of the media leg: its lifetime, and a way to end it.
type WebRTCLeg interface {
	Context() context.Context
	Hangup(ctx context.Context, cause string) error
}

// IsWebRTC reports whether a binding is a browser SIP client's (registered over WebSocket),
// whose calls need WebRTC media (DialWebRTC).
func IsWebRTC(b *Binding) bool {
	t := strings.ToUpper(b.Transport)
	return t == transportWSS || t == "WS"
}

// WebRTCCall is a call to a browser SIP client: the SIP dialog beside its WebRTC leg.
type WebRTCCall struct {
	dlg    *sipgo.DialogClientSession
	remote atomic.Bool // the browser sent BYE
}

// HungUpByAgent reports whether the browser ended the call (BYE) rather than the server.
func (c *WebRTCCall) HungUpByAgent() bool { return c.remote.Load() }

// DialWebRTC rings a browser SIP client and, once it answers, has answer make its media from the
// browser's offer. When the leg ends the server sends BYE; when the browser sends BYE the leg is
// hung up. Errors are like Dial's: not answered (media.ErrNoAnswer), or what else went wrong.
func (s *Server) DialWebRTC(ctx context.Context, req DialRequest, answer WebRTCMedia) (WebRTCLeg, *WebRTCCall, error) {
	b := req.Binding
	ep := s.endpointFor(b.Transport)
	if ep == nil {
		return nil, nil, errNotServing
	}
	id := uuid.NewString()
	log := s.log.With("call_id", id, "agent", b.User)
	log.Info("ringing browser agent", "contact", b.Contact.String(), "via", b.Source, "transport", b.Transport)
	inv := gsip.NewRequest(gsip.INVITE, b.Contact)
	cid := gsip.CallIDHeader(id)
	inv.AppendHeader(&cid)
	from := &gsip.FromHeader{DisplayName: req.FromName, Address: gsip.Uri{Scheme: "sip", User: req.FromUser, Host: s.cfg.AdvertiseIP.String()}, Params: gsip.NewParams()}
	from.Params.Add("tag", uuid.NewString()[:8])
	inv.AppendHeader(from)
	for _, h := range req.Headers {
		inv.AppendHeader(h)
	}
	inv.SetDestination(b.Source)
	inv.SetTransport(b.Transport)
	dlg, err := ep.dcc.WriteInvite(ctx, inv)
	if err != nil {
		return nil, nil, fmt.Errorf("invite %s: %w: %v", b.User, ErrUnreachable, err)
	}
	if err := waitAnswered(ctx, dlg); err != nil {
		dlg.Close()
		return nil, nil, fmt.Errorf("%s: %w (%v)", b.User, media.ErrNoAnswer, err)
	}
	call := &WebRTCCall{dlg: dlg}
	offer := dlg.InviteResponse.Body()
	fail := func(what string, err error) (WebRTCLeg, *WebRTCCall, error) {
		log.Warn("browser agent answered with unusable media", "step", what, "error", err)
		_ = dlg.Ack(context.Background())
		_ = dlg.Bye(context.Background())
		dlg.Close()
		return nil, nil, fmt.Errorf("%s: %s: %w", b.User, what, err)
	}
	if len(offer) == 0 {
		return fail("200 OK", errors.New("no sdp offer"))
	}
	leg, sdp, err := answer(ctx, id, string(offer))
	if err != nil {
		return fail("webrtc answer", err)
	}
	if err := dlg.WriteAck(context.Background(), ackWithBody(dlg, []byte(sdp))); err != nil {
		_ = leg.Hangup(context.Background(), "ack failed")
		return fail("ack", err)
	}
	log.Info("browser agent answered", "media", "webrtc")
	// The leg and the dialog end together, whichever ends first.
	context.AfterFunc(leg.Context(), func() {
		if dlg.Context().Err() == nil {
			_ = dlg.Bye(context.Background())
		}
		dlg.Close()
	})
	context.AfterFunc(dlg.Context(), func() {
		if leg.Context().Err() == nil {
			call.remote.Store(true)
			_ = leg.Hangup(context.Background(), "agent hung up")
		}
	})
	return leg, call, nil
}

// waitAnswered waits for the 200 OK; when ctx ends first, the INVITE is cancelled.
func waitAnswered(ctx context.Context, dlg *sipgo.DialogClientSession) error {
	var ringing atomic.Bool
	waitCtx, stop := context.WithCancelCause(context.Background())
	defer stop(nil)
	go func() {
		select {
		case <-ctx.Done():
			if ringing.Load() {
				stop(ctx.Err())
			} else {
				stop(sipgo.WaitAnswerForceCancelErr)
			}
		case <-waitCtx.Done():
		}
	}()
	return dlg.WaitAnswer(waitCtx, sipgo.AnswerOptions{OnResponse: func(r *gsip.Response) error {
		if r.IsProvisional() {
			ringing.Store(true)
		}
		return nil
	}})
}

// ackWithBody is the ACK of the dialog's 200 OK carrying our SDP answer (RFC 3261 13.2.2.4),
// sent to the browser's Contact over its connection (the dialog's RewriteContact).
func ackWithBody(dlg *sipgo.DialogClientSession, body []byte) *gsip.Request {
	inv, res := dlg.InviteRequest, dlg.InviteResponse
	target := inv.Recipient
	if c := res.Contact(); c != nil {
		target = c.Address
	}
	ack := gsip.NewRequest(gsip.ACK, *target.Clone())
	ack.AppendHeader(gsip.HeaderClone(inv.From()))
	ack.AppendHeader(gsip.HeaderClone(res.To()))
	ack.AppendHeader(gsip.HeaderClone(inv.CallID()))
	cseq := &gsip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: gsip.ACK}
	ack.AppendHeader(cseq)
	if c := inv.Contact(); c != nil {
		ack.AppendHeader(gsip.HeaderClone(c))
	}
	ack.AppendHeader(gsip.NewHeader("Content-Type", "application/sdp"))
	ack.SetBody(body)
	ack.SetTransport(inv.Transport())
	ack.SetSource(inv.Source())
	ack.Laddr = inv.Laddr
	return ack
}

package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	gsip "github.com/emiago/sipgo/sip"
	"github.com/google/uuid"
	"github.com/hotline-cc/hotline/media"
)

// DialRequest describes an outbound leg (ringing an agent's phone).
type DialRequest struct {
	Binding  *Binding // where the phone registered
	FromUser string   // caller number shown to the agent
	FromName string
	Headers  []gsip.Header
	SRTP     SRTPPolicy // the agent's (srtp.go)
}

// OutboundCall is a leg the server placed: an agent's phone (Dial) or an external number through a
// trunk (DialTrunk).
type OutboundCall struct {
	srv    *Server
	dlg    *sipgo.DialogClientSession
	log    *slog.Logger
	rtpC   *net.UDPConn
	rtcpC  *net.UDPConn
	callID string

	mu  sync.Mutex
	rtp *media.RTPSession
	// negotiated is what rtp was started with: the SDP answer of an early 183/180, then of the 200 OK.
	negotiated *Offer
	silent     bool // the early session's RTP timeout fired before the answer (it fires once)
	ctx        context.Context
	cancel     context.CancelCauseFunc
	answered   bool
	closed     bool
	byUs       bool
	sdp        []byte    // our SDP as the far end agreed to it: the INVITE's offer, then re-INVITEs'
	reinv      reinviter // re-INVITEs from the far end (reinvite.go)
	srtpPolicy SRTPPolicy
	offered    []Crypto // our offer's a=crypto lines
}

// Dial sends an INVITE to a registered phone and waits until it answers,
// fails, or ctx is done (then the INVITE is CANCELled).
func (s *Server) Dial(ctx context.Context, req DialRequest) (*OutboundCall, error) {
	b := req.Binding
	id := uuid.NewString()
	log := s.log.With("call_id", id, "agent", b.User)
	log.Info("ringing agent", "contact", b.Contact.String(), "via", b.Source)
	// Reach the phone where its REGISTER came from: that is what works through NAT.
	o, err := s.placeCallSRTP(ctx, outboundInvite{
		callID: id, uri: b.Contact, dest: b.Source, transport: b.Transport,
		fromUser: req.FromUser, fromName: req.FromName, headers: req.Headers, srtp: req.SRTP, log: log,
	})
	var re *ResponseError
	switch {
	case errors.As(err, &re):
		return nil, fmt.Errorf("%s answered %d %s: %w", b.User, re.Code, re.Reason, media.ErrNoAnswer)
	case errors.Is(err, media.ErrNoAnswer), errors.Is(err, ErrUnreachable) && ctx.Err() != nil:
		return nil, fmt.Errorf("%s: %w", b.User, media.ErrNoAnswer)
	case err != nil:
		return nil, fmt.Errorf("invite %s: %w", b.User, err)
	}
	o.log.Info("agent answered", "codec", o.Codec(), "srtp", o.SRTP())
	return o, nil
}

// outboundInvite is one INVITE the server sends, to an agent's phone or a trunk.
type outboundInvite struct {
	callID    string
	uri       gsip.Uri // request URI
	dest      string   // host:port to send to; "" for the request URI's
	transport string   // "" for the request URI's (default UDP)
	fromUser  string
	fromName  string
	headers   []gsip.Header
	// username and password answer 401/407 digest challenges; without a password a challenge is final.
	username, password string
	// onProgress hears provisional responses other than 100 Trying (180 Ringing, 183 Session Progress).
	onProgress func(code int, reason string)
	// onEarlyMedia, when set, starts the leg's media at the first provisional response with an SDP
	// answer and hands over its early audio; without it provisional SDP is ignored (agents' phones).
	onEarlyMedia func(EarlyMedia)
	srtp         SRTPPolicy
	// offerSAVP offers SRTP as RTP/SAVP although the policy is optional: the retry after a 488 to
	// our RTP/AVP offer with a=crypto (placeCallSRTP).
	offerSAVP bool
	log       *slog.Logger
}

// placeCall sends the INVITE with the server's SDP offer on fresh RTP ports and waits until it is
// answered (ACK sent, media running), refused (a *ResponseError), or ctx is done: then it is CANCELled
// and the error is media.ErrNoAnswer, or ErrUnreachable when the far end never responded at all.
func (s *Server) placeCall(ctx context.Context, inv outboundInvite) (*OutboundCall, error) {
	ep := s.endpointFor(inv.transport)
	if ep == nil {
		return nil, errNotServing
	}
	rc, cc, err := s.cfg.RTPPorts.ListenPair()
	if err != nil {
		return nil, err
	}
	offerPolicy := inv.srtp
	if inv.offerSAVP && offerPolicy == SRTPOptional {
		offerPolicy = SRTPRequired
	}
	sec, ours, err := offerSRTP(offerPolicy)
	if err != nil {
		rc.Close()
		cc.Close()
		return nil, err
	}
	o := &OutboundCall{srv: s, rtpC: rc, rtcpC: cc, callID: inv.callID, log: inv.log, srtpPolicy: inv.srtp, offered: ours}
	port := rc.LocalAddr().(*net.UDPAddr).Port

	req := gsip.NewRequest(gsip.INVITE, inv.uri)
	offer := s.cfg.Codecs.offerSDP(s.cfg.AdvertiseIP, port, sec)
	req.SetBody(offer)
	req.AppendHeader(gsip.NewHeader("Content-Type", "application/sdp"))
	cid := gsip.CallIDHeader(inv.callID)
	req.AppendHeader(&cid)
	from := &gsip.FromHeader{DisplayName: inv.fromName, Address: gsip.Uri{Scheme: "sip", User: inv.fromUser, Host: s.cfg.AdvertiseIP.String(), Port: int(ep.addr.Port())}, Params: gsip.NewParams()}
	from.Params.Add("tag", uuid.NewString()[:8])
	req.AppendHeader(from)
	for _, h := range inv.headers {
		req.AppendHeader(h)
	}
	if inv.dest != "" {
		req.SetDestination(inv.dest)
	}
	if inv.transport != "" {
		req.SetTransport(inv.transport)
	}
	dlg, err := ep.dcc.WriteInvite(ctx, req)
	if err != nil {
		o.closeSockets()
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	o.dlg = dlg
	s.outCalls.Store(o, struct{}{})
	if err := o.waitAnswer(ctx, inv); err != nil {
		s.outCalls.Delete(o)
		o.closeMedia()
		dlg.Close()
		return nil, err
	}
	ans, err := o.answerSDP(dlg.InviteResponse.Body())
	if err != nil {
		o.log.Warn("answer has unusable sdp", "error", err)
		_ = dlg.Ack(context.Background())
		_ = dlg.Bye(context.Background())
		s.outCalls.Delete(o)
		o.closeMedia()
		return nil, fmt.Errorf("answer sdp: %w", err)
	}
	if err := dlg.Ack(context.Background()); err != nil {
		o.log.Warn("ack failed", "error", err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ctx, o.cancel = context.WithCancelCause(dlg.Context())
	if err := o.answerMediaLocked(ans); err != nil {
		o.log.Warn("cannot restart media for the answer", "error", err)
		_ = dlg.Bye(context.Background())
		o.cancel(err)
		s.outCalls.Delete(o)
		o.closeMediaLocked()
		return nil, fmt.Errorf("answer media: %w", err)
	}
	o.answered = true
	o.reinv = o.newReinviterLocked(offer)
	// The far end's requests carry its tag in From and ours in To: the UAC's view of the dialog ID.
	s.outDialogs.Store(dlg.ID, o)
	context.AfterFunc(o.ctx, func() { s.outDialogs.CompareAndDelete(dlg.ID, o) })
	return o, nil
}

// answerSDP negotiates the 200 OK's SDP. A 200 without SDP after early media stands by the early
// answer (RFC 3261 13.2.1 wants it repeated, not every carrier does).
func (o *OutboundCall) answerSDP(body []byte) (*Offer, error) {
	o.mu.Lock()
	early := o.negotiated
	o.mu.Unlock()
	if len(body) == 0 && early != nil {
		o.log.Debug("answer without sdp: the early media's stands")
		return early, nil
	}
	return o.negotiateAnswer(body)
}

// negotiateAnswer reads an SDP answer to our offer: the codec, and the
// SRTP keys under the leg's policy.
func (o *OutboundCall) negotiateAnswer(body []byte) (*Offer, error) {
	ans, err := o.srv.cfg.Codecs.Negotiate(body)
	if err != nil {
		return nil, err
	}
	if ans.srtp, err = takeAnswerSRTP(ans, o.offered, o.srtpPolicy); err != nil {
		return nil, err
	}
	return ans, nil
}

// EarlyMedia is an outbound leg's audio before the answer: the far end's in-band ringback or
// announcement, which a carrier sends after a 183 Session Progress (or a 180) with SDP. Only that
// direction matters before the answer; toward the far end the leg sends silence, which also opens
// the way through NATs and lets the carrier latch onto our RTP.
type EarlyMedia interface {
	// SwapAudioIn sets where the far end's decoded early audio goes (nil discards) and returns the
	// previous writer. The leg writes from its receive path: the writer must not block.
	SwapAudioIn(media.FrameWriter) media.FrameWriter
}

// earlyMedia hands out only the early audio of the leg's RTP session, not the session itself (that
// belongs to the leg, which may yet fail or restart it for the 200 OK).
type earlyMedia struct{ rtp *media.RTPSession }

func (e earlyMedia) SwapAudioIn(w media.FrameWriter) media.FrameWriter { return e.rtp.SwapAudioIn(w) }

// startEarlyMedia starts the leg's RTP session toward the SDP answer of a provisional response, so
// the carrier's early audio is heard, and reports it to onEarlyMedia the first time. A later
// provisional SDP only moves the remote address. SDP we cannot use is logged and ignored: the caller
// keeps our ringback.
func (o *OutboundCall) startEarlyMedia(r *gsip.Response, inv outboundInvite) {
	if inv.onEarlyMedia == nil || len(r.Body()) == 0 {
		return
	}
	ans, err := o.negotiateAnswer(r.Body())
	if err != nil {
		o.log.Warn("early media sdp unusable, ignored", "status", r.StatusCode, "error", err)
		return
	}
	o.mu.Lock()
	if o.rtp != nil {
		if o.negotiated.Addr.String() != ans.Addr.String() && sameMedia(o.negotiated, ans) {
			o.log.Debug("early media moved", "remote", ans.Addr.String())
			o.rtp.SetRemote(ans.Addr)
			o.negotiated = ans
		}
		o.mu.Unlock()
		return
	}
	o.startRTPLocked(o.rtpC, o.rtcpC, ans)
	rtp := o.rtp
	o.mu.Unlock()
	o.log.Info("early media from the far end", "status", r.StatusCode, "codec", ans.Codec.Info().Name,
		"remote", ans.Addr.String())
	inv.onEarlyMedia(earlyMedia{rtp})
}

// answerMediaLocked starts the leg's media toward the 200 OK's SDP. A session started for early media
// is kept when the answer has the same codec (RFC 3261 13.2.1: the answer should repeat the early
// one), moved if only the address changed. Another codec, or an early session whose one-shot RTP
// timeout already fired while the number rang silently, is restarted on the same ports: those are the
// ones our offer advertised.
func (o *OutboundCall) answerMediaLocked(ans *Offer) error {
	if o.rtp == nil {
		o.startRTPLocked(o.rtpC, o.rtcpC, ans)
		return nil
	}
	if sameMedia(o.negotiated, ans) && !o.silent {
		if o.negotiated.Addr.String() != ans.Addr.String() {
			o.log.Info("answer moves the early media", "from", o.negotiated.Addr.String(), "to", ans.Addr.String())
			o.rtp.SetRemote(ans.Addr)
		}
		o.negotiated = ans
		return nil
	}
	o.log.Info("answer restarts the early media", "codec", ans.Codec.Info().Name, "early_codec", o.negotiated.Codec.Info().Name,
		"early_rtp_timed_out", o.silent)
	rtpAddr, rtcpAddr := o.rtpC.LocalAddr().(*net.UDPAddr), o.rtcpC.LocalAddr().(*net.UDPAddr)
	o.rtp.Close() // closes the sockets too
	o.rtp = nil
	rc, err := net.ListenUDP("udp", rtpAddr)
	if err != nil {
		return fmt.Errorf("rebind rtp port: %w", err)
	}
	cc, err := net.ListenUDP("udp", rtcpAddr)
	if err != nil {
		rc.Close()
		return fmt.Errorf("rebind rtcp port: %w", err)
	}
	o.rtpC, o.rtcpC = rc, cc
	o.startRTPLocked(rc, cc, ans)
	return nil
}

// sameMedia reports whether an RTP session started for a can carry b: the same codec and payload
// types (the address may differ).
func sameMedia(a, b *Offer) bool {
	ai, bi := a.Codec.Info(), b.Codec.Info()
	return ai.Name == bi.Name && ai.ClockRate == bi.ClockRate && ai.PayloadType == bi.PayloadType &&
		a.DTMFPT == b.DTMFPT && a.DTMFRate == b.DTMFRate && a.srtp.same(b.srtp)
}

// startRTPLocked starts the leg's RTP session toward ans (o.mu held). Its RTP timeout hangs up an
// answered leg; before the answer a carrier may well be silent, so it is only noted.
func (o *OutboundCall) startRTPLocked(rc, cc *net.UDPConn, ans *Offer) {
	var rtp *media.RTPSession
	rtp = media.NewRTPSession(rc, cc, media.RTPConfig{
		Codec: ans.Codec, DTMFPayload: ans.DTMFPT, DTMFClockRate: ans.DTMFRate, Remote: ans.Addr,
		Timeout: o.srv.cfg.RTPTimeout, Logger: o.log, SRTP: ans.srtp.config(),
		OnTimeout: func() {
			o.mu.Lock()
			current, answered := o.rtp == rtp, o.answered
			if current && !answered {
				o.silent = true
			}
			o.mu.Unlock()
			if current && answered {
				_ = o.Hangup(context.Background(), "rtp_timeout")
			}
		},
	})
	o.rtp, o.negotiated = rtp, ans
}

// waitAnswer waits for the INVITE's final response, answering digest challenges and reporting
// provisional responses. When ctx ends, sipgo CANCELs the INVITE once it has a provisional response
// (RFC 3261 9.1); a far end that sent nothing at all is given up at once rather than after Timer B.
func (o *OutboundCall) waitAnswer(ctx context.Context, inv outboundInvite) error {
	dlg := o.dlg
	var ringing atomic.Bool // a provisional response on the current INVITE transaction: CANCEL is possible
	var heard atomic.Bool   // any response at all
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
	err := dlg.WaitAnswer(waitCtx, sipgo.AnswerOptions{
		Username: inv.username, Password: inv.password,
		OnResponse: func(r *gsip.Response) error {
			heard.Store(true)
			switch {
			case r.IsProvisional():
				ringing.Store(true)
				if r.StatusCode == 100 {
					break
				}
				// Media first: who hears of the progress may look for the early audio.
				o.startEarlyMedia(r, inv)
				if inv.onProgress != nil {
					inv.onProgress(r.StatusCode, r.Reason)
				}
			case !r.IsSuccess():
				ringing.Store(false) // a challenge: the authenticated INVITE is a new transaction
				if r.StatusCode == 401 || r.StatusCode == 407 {
					o.log.Debug("invite challenged", "status", r.StatusCode, "credentials", inv.password != "")
				}
			}
			return nil
		},
	})
	if err == nil {
		return nil
	}
	// A 200 OK that crossed our CANCEL is a call nobody wants: confirm and end it.
	if r := dlg.InviteResponse; r != nil && r.IsSuccess() {
		_ = dlg.Ack(context.Background())
		_ = dlg.Bye(context.Background())
	}
	var de *sipgo.ErrDialogResponse
	switch {
	case errors.As(err, &de):
		return &ResponseError{Code: de.Res.StatusCode, Reason: de.Res.Reason}
	case ctx.Err() != nil && !heard.Load():
		return fmt.Errorf("%w: no response before the dial timeout", ErrUnreachable)
	case ctx.Err() != nil:
		return media.ErrNoAnswer
	}
	return fmt.Errorf("%w: %v", ErrUnreachable, err)
}

func (o *OutboundCall) closeSockets() {
	o.rtpC.Close()
	o.rtcpC.Close()
}

// closeMedia releases a leg that never got answered: its early RTP session, if one ran, or its ports.
func (o *OutboundCall) closeMedia() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closeMediaLocked()
}

func (o *OutboundCall) closeMediaLocked() {
	if o.rtp != nil {
		o.rtp.Close()
		o.rtp = nil
		return
	}
	o.closeSockets()
}

// Codec names the leg's negotiated codec (a re-INVITE may change it).
func (o *OutboundCall) Codec() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.negotiated.Codec.Info().Name
}

// HungUpByUs reports whether the server (not the phone) ended the call.
func (o *OutboundCall) HungUpByUs() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.byUs
}

// Close releases the leg's media. Call after the leg ended.
func (o *OutboundCall) Close() {
	o.srv.outCalls.Delete(o)
	if o.dlg != nil {
		o.srv.outDialogs.CompareAndDelete(o.dlg.ID, o)
	}
	if o.rtp != nil {
		o.rtp.Close()
	}
}

// SRTP reports whether the leg's media is encrypted.
func (o *OutboundCall) SRTP() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.negotiated != nil && o.negotiated.srtp != nil
}

func (o *OutboundCall) ID() string                  { return o.callID }
func (o *OutboundCall) Context() context.Context    { return o.ctx }
func (o *OutboundCall) RTP() *media.RTPSession      { return o.rtp }
func (o *OutboundCall) AudioOut() media.FrameWriter { return o.rtp.AudioOut() }
func (o *OutboundCall) FlushAudioOut()              { o.rtp.FlushAudioOut() }
func (o *OutboundCall) DTMF() <-chan rune           { return o.rtp.DTMF() }
func (o *OutboundCall) SwapAudioIn(w media.FrameWriter) media.FrameWriter {
	return o.rtp.SwapAudioIn(w)
}

// Hangup sends BYE (once).
func (o *OutboundCall) Hangup(ctx context.Context, cause string) error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil
	}
	o.closed = true
	if o.ctx.Err() == nil {
		o.byUs = true
	}
	o.mu.Unlock()
	if o.ctx.Err() != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := o.dlg.Bye(ctx)
	o.cancel(ErrHungUp)
	return err
}

// SendDigit sends a key press to the far end as an RFC 4733 telephone-event (media.DigitSender). It
// fails when the far end did not answer with telephone-event.
func (o *OutboundCall) SendDigit(d rune) error {
	o.mu.Lock()
	r := o.rtp
	o.mu.Unlock()
	if r == nil {
		return errNoMedia
	}
	return r.SendDTMF(d)
}

var (
	_ media.RTPLeg      = (*OutboundCall)(nil)
	_ media.DigitSender = (*OutboundCall)(nil)
)

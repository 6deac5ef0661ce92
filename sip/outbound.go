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
	"github.com/google/uuid"
	"github.com/hotline-cc/hotline/media"
)

// DialRequest describes an outbound leg (ringing an agent's phone).
type DialRequest struct {
	Binding  *Binding // where the phone registered
	FromUser string   // caller number shown to the agent
	FromName string
	Headers  []gsip.Header
}

// OutboundCall is a leg the server placed (an agent's phone).
type OutboundCall struct {
	srv    *Server
	dlg    *sipgo.DialogClientSession
	log    *slog.Logger
	rtpC   *net.UDPConn
	rtcpC  *net.UDPConn
	callID string

	mu       sync.Mutex
	rtp      *media.RTPSession
	ctx      context.Context
	cancel   context.CancelCauseFunc
	answered bool
	closed   bool
	byUs     bool
}

// ErrNoAnswer is returned when the dialled phone did not answer in time.
var ErrNoAnswer = errors.New("no answer")

// Dial sends an INVITE to a registered phone and waits until it answers,
// fails, or ctx is done (then the INVITE is CANCELled).
func (s *Server) Dial(ctx context.Context, req DialRequest) (*OutboundCall, error) {
	b := req.Binding
	rc, cc, err := s.cfg.RTPPorts.ListenPair()
	if err != nil {
		return nil, err
	}
	id := uuid.NewString()
	o := &OutboundCall{srv: s, rtpC: rc, rtcpC: cc, callID: id, log: s.log.With("call_id", id, "agent", b.User)}
	port := rc.LocalAddr().(*net.UDPAddr).Port
	body := s.cfg.Codecs.OfferSDP(s.cfg.AdvertiseIP, port)

	uri := b.Contact
	inv := gsip.NewRequest(gsip.INVITE, uri)
	inv.SetBody(body)
	inv.AppendHeader(gsip.NewHeader("Content-Type", "application/sdp"))
	cid := gsip.CallIDHeader(id)
	inv.AppendHeader(&cid)
	from := &gsip.FromHeader{DisplayName: req.FromName, Address: gsip.Uri{Scheme: "sip", User: req.FromUser, Host: s.cfg.AdvertiseIP.String(), Port: s.port}, Params: gsip.NewParams()}
	from.Params.Add("tag", uuid.NewString()[:8])
	inv.AppendHeader(from)
	for _, h := range req.Headers {
		inv.AppendHeader(h)
	}
	// Reach the phone where its REGISTER came from: that is what works through NAT.
	inv.SetDestination(b.Source)
	if b.Transport != "" {
		inv.SetTransport(b.Transport)
	}
	o.log.Info("ringing agent", "contact", uri.String(), "via", b.Source)
	dlg, err := s.dcc.WriteInvite(ctx, inv)
	if err != nil {
		o.closeSockets()
		return nil, fmt.Errorf("invite %s: %w", b.User, err)
	}
	o.dlg = dlg
	s.outCalls.Store(o, struct{}{})
	if err := dlg.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		s.outCalls.Delete(o)
		o.closeSockets()
		dlg.Close()
		var de *sipgo.ErrDialogResponse
		if errors.As(err, &de) {
			return nil, fmt.Errorf("%s answered %d %s: %w", b.User, de.Res.StatusCode, de.Res.Reason, ErrNoAnswer)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", b.User, ErrNoAnswer)
		}
		return nil, err
	}
	ans, err := s.cfg.Codecs.Negotiate(dlg.InviteResponse.Body())
	if err != nil {
		o.log.Warn("agent answer has unusable sdp", "error", err)
		_ = dlg.Ack(context.Background())
		_ = dlg.Bye(context.Background())
		s.outCalls.Delete(o)
		o.closeSockets()
		return nil, fmt.Errorf("agent sdp: %w", err)
	}
	if err := dlg.Ack(context.Background()); err != nil {
		o.log.Warn("ack failed", "error", err)
	}
	o.ctx, o.cancel = context.WithCancelCause(dlg.Context())
	o.rtp = media.NewRTPSession(rc, cc, media.RTPConfig{
		Codec: ans.Codec, DTMFPayload: ans.DTMFPT, DTMFClockRate: ans.DTMFRate, Remote: ans.Addr,
		Timeout: s.cfg.RTPTimeout, Logger: o.log,
		OnTimeout: func() { _ = o.Hangup(context.Background(), "rtp_timeout") },
	})
	o.answered = true
	o.log.Info("agent answered", "codec", ans.Codec.Info().Name)
	return o, nil
}

func (o *OutboundCall) closeSockets() {
	o.rtpC.Close()
	o.rtcpC.Close()
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
	if o.rtp != nil {
		o.rtp.Close()
	}
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

var _ media.RTPLeg = (*OutboundCall)(nil)

package main

import (
	"context"
	"fmt"

	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/rtc"
	hsip "github.com/hotline-cc/hotline/sip"
	"github.com/prometheus/client_golang/prometheus"
)

// The adapters between the SIP server and the IVR and desks: each only hands values across.

// callHandler runs each inbound SIP call through the IVR, in the call's goroutine.
type callHandler struct{ engine *ivr.Engine }

func (h *callHandler) HandleCall(c *hsip.InboundCall) {
	rec := h.engine.Run(c, ivr.CallInfo{
		ID: c.CallID, From: c.From, To: c.To, FromURI: c.FromURI, ToURI: c.ToURI,
		SourceAddr: c.Source, Headers: c.Headers(),
	})
	callsTotal.WithLabelValues(rec.Disposition, rec.Codec).Inc()
	for _, x := range rec.Transfers {
		transfersTotal.WithLabelValues(x.Trunk, x.Outcome).Inc()
	}
}

var (
	callsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hotline_calls_total", Help: "Inbound calls ended, by disposition and codec.",
	}, []string{"disposition", "codec"})
	transfersTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hotline_external_transfers_total", Help: "Transfers to external numbers, by trunk and outcome.",
	}, []string{"trunk", "outcome"})
)

// sipPhones rings agents' registered SIP phones for their desks.
type sipPhones struct {
	reg  *hsip.Registrar
	srv  *hsip.Server
	srtp map[string]hsip.SRTPPolicy // agent id → SRTP policy of calls to their phone (srtp.go)
	rtc  *rtc.Engine                // media of browser SIP clients (registered over WSS)
}

func (p sipPhones) Registered(agent string) bool {
	_, ok := p.reg.Lookup(agent)
	return ok
}

func (p sipPhones) DialPhone(ctx context.Context, agent string, caller ivr.CallInfo) (ivr.AgentLeg, error) {
	b, ok := p.reg.Lookup(agent)
	if !ok {
		return nil, fmt.Errorf("agent %s has no SIP phone registered", agent)
	}
	if hsip.IsWebRTC(b) {
		return p.dialBrowser(ctx, hsip.DialRequest{Binding: b, FromUser: caller.From, FromName: caller.From})
	}
	leg, err := p.srv.Dial(ctx, hsip.DialRequest{Binding: b, FromUser: caller.From, FromName: caller.From,
		SRTP: max(p.srtp[agent], trunkSRTP(caller.SRTP))})
	if err != nil {
		return nil, err
	}
	return leg, nil
}

// dialBrowser rings a browser SIP client (JsSIP, SIP.js): SIP over its WebSocket, media a WebRTC
// leg of the desktop's engine.
func (p sipPhones) dialBrowser(ctx context.Context, req hsip.DialRequest) (ivr.AgentLeg, error) {
	var leg *rtc.Leg
	_, call, err := p.srv.DialWebRTC(ctx, req, func(ctx context.Context, id, offer string) (hsip.WebRTCLeg, string, error) {
		l, answer, err := p.rtc.Accept(ctx, id, offer, nil)
		if err != nil {
			return nil, "", err
		}
		leg = l
		return l, answer, nil
	})
	if err != nil {
		return nil, err
	}
	return browserSIPLeg{leg, call}, nil
}

// browserSIPLeg is a browser SIP client's call: WebRTC media, SIP signalling.
type browserSIPLeg struct {
	*rtc.Leg
	call *hsip.WebRTCCall
}

// HungUpByUs: a BYE from the browser ends the leg through Hangup, which the leg counts as ours.
func (l browserSIPLeg) HungUpByUs() bool { return l.Leg.HungUpByUs() && !l.call.HungUpByAgent() }

// trunkDialer calls external numbers through the dialplan's trunks, with the credentials
// hotline.yaml holds for them (a trunk without any dials unauthenticated).
type trunkDialer struct {
	srv   *hsip.Server
	creds map[string]*config.Trunk
}

func (d trunkDialer) DialTrunk(ctx context.Context, req ivr.TrunkCall) (ivr.TrunkLeg, error) {
	t := req.Trunk
	tr := hsip.TrunkRequest{Trunk: t.Name, Number: req.Number, Host: t.Host, Transport: t.Transport,
		CallerID: req.CallerID, OnProgress: req.OnProgress, Log: req.Log, SRTP: trunkSRTP(t.SRTP)}
	if req.OnEarlyMedia != nil {
		tr.OnEarlyMedia = func(e hsip.EarlyMedia) { req.OnEarlyMedia(e) }
	}
	if c := d.creds[t.Name]; c != nil {
		tr.Username, tr.Password = c.Username, c.Secret()
	}
	leg, err := d.srv.DialTrunk(ctx, tr)
	if err != nil {
		return nil, err
	}
	return leg, nil
}

package main

import (
	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/media"
	hsip "github.com/hotline-cc/hotline/sip"
	"github.com/prometheus/client_golang/prometheus"
)

// agentSRTP maps agents to the SRTP policy of calls to their SIP phones (validated at load).
func agentSRTP(agents []config.Agent) map[string]hsip.SRTPPolicy {
	m := make(map[string]hsip.SRTPPolicy, len(agents))
	for _, a := range agents {
		if p, err := hsip.ParseSRTPPolicy(a.SRTP); err == nil {
			m[a.ID] = p
		}
	}
	return m
}

// trunkSRTP reads a dialplan trunk's or queue's srtp: (validated by the dialplan parser; "" is off).
// An unreadable value is taken as required: a typo must not turn encryption off. Policies are
// ordered off < optional < required, so the stricter of two is their max.
func trunkSRTP(s string) hsip.SRTPPolicy {
	p, err := hsip.ParseSRTPPolicy(s)
	if err != nil {
		return hsip.SRTPRequired
	}
	return p
}

var srtpDroppedCounter = prometheus.NewCounterFunc(prometheus.CounterOpts{
	Name: "hotline_srtp_auth_failures_total",
	Help: "Inbound RTP and RTCP packets dropped because they failed SRTP authentication (forged, corrupted, replayed, wrongly keyed, or plain RTP sent to an encrypted leg).",
}, func() float64 { return float64(media.SRTPDropped()) })

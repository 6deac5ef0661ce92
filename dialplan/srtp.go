package dialplan

import (
	"slices"

	"gopkg.in/yaml.v3"
)

// SRTP policies (media encryption with SDES keys), for settings (the routes' default), routes and
// trunks:
//
//	settings:
//	  srtp: optional                 # off (default), optional or required
//	routes:
//	  - {name: secure, to: "200", flow: main, srtp: required}   # a plain-RTP offer gets 488
//	trunks:
//	  pstn: {host: sip.carrier.example, allow: ["^1"], srtp: optional}
//	queues:
//	  billing: {members: [alice], srtp: required}   # card numbers are read out here
//
// A route's policy applies to the caller's leg; a trunk's to the legs dialled through it. Agents'
// phones have theirs in hotline.yaml (agents: - {id: alice, srtp: required}); a queue's is the least
// its calls get on the agents' phones (an agent's stricter policy wins), and unset leaves the agents'. The dialplan only
// states the policy; package sip negotiates it (sip/srtp.go).
const (
	// SRTPOff is plain RTP; an offer that makes SRTP mandatory (RTP/SAVP) is refused.
	SRTPOff = "off"
	// SRTPOptional encrypts when the other side can, and takes plain RTP otherwise.
	SRTPOptional = "optional"
	// SRTPRequired encrypts or refuses the call (488 Not Acceptable Here).
	SRTPRequired = "required"
)

// DefaultSRTP is the policy when settings leave it out.
const DefaultSRTP = SRTPOff

var srtpPolicies = []string{SRTPOff, SRTPOptional, SRTPRequired}

// SRTPPolicies returns the SRTP policies a dialplan may name.
func SRTPPolicies() []string { return slices.Clone(srtpPolicies) }

// srtpPolicy reads an SRTP policy; def is used when the key is absent.
func (f *fields) srtpPolicy(key, def string) string {
	if v := f.value(key, false); v != nil && v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
		// srtp: true is a guess at the syntax: say which words are meant.
		f.errorf(f.pos(key), "write off, optional or required", "%s: %q is not an srtp policy", key, v.Value)
		return def
	}
	return f.oneOf(key, def, srtpPolicies)
}

package config

import "slices"

// SRTP policies an agent's SIP phone may have (agents: - {id: alice, srtp: required}): off (the
// default) rings the phone with plain RTP, optional offers SRTP the phone may decline (RTP/AVP
// with a=crypto), required offers RTP/SAVP only, and a phone that answers without SRTP is hung up.
// Package sip negotiates them (sip/srtp.go); callers' legs and trunks take theirs from the dialplan.
var srtpPolicies = []string{"", "off", "optional", "required"}

// validateSRTP reports agents' srtp values that are not a policy.
func (c *Config) validateSRTP(bad func(line int, format string, args ...any)) {
	for _, a := range c.Agents {
		if !slices.Contains(srtpPolicies, a.SRTP) {
			bad(a.line, "agent %q: srtp %q must be off, optional or required", a.ID, a.SRTP)
		}
	}
}

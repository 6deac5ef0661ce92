package sip

import (
	"maps"
	"testing"

	gsip "github.com/emiago/sipgo/sip"
)

// TestInvite: what the caller's INVITE says about the call, and its headers by name for routes,
// the first of a repeated header winning.
func TestInvite(t *testing.T) {
	raw := "INVITE sip:4008001234@10.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bK-first\r\n" +
		"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-second\r\n" +
		"From: \"Ann\" <sip:13800138000@192.0.2.7>;tag=a1\r\n" +
		"To: <sip:4008001234@10.0.0.1>\r\n" +
		"Call-ID: invite-headers-1\r\n" +
		"CSeq: 1 INVITE\r\n" +
		"X-Customer-Tier: gold\r\n" +
		"X-Route: first\r\n" +
		"X-Route: second\r\n" +
		"Content-Length: 0\r\n\r\n"
	m, err := gsip.ParseMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	req := m.(*gsip.Request)
	req.SetSource("192.0.2.7:5062")
	inv := newInvite(req)
	want := Invite{CallID: "invite-headers-1", From: "13800138000", To: "4008001234",
		FromURI: "sip:13800138000@192.0.2.7", ToURI: "sip:4008001234@10.0.0.1", Source: "192.0.2.7:5062", Transport: "UDP", req: req}
	if inv != want {
		t.Errorf("newInvite = %+v\nwant %+v", inv, want)
	}

	h := inv.Headers()
	for name, value := range map[string]string{
		"X-Customer-Tier": "gold",
		"X-Route":         "first",
		"Via":             "SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bK-first",
		"Call-ID":         "invite-headers-1",
		"From":            `"Ann" <sip:13800138000@192.0.2.7>;tag=a1`,
	} {
		if got, ok := h[name]; !ok || got != value {
			t.Errorf("Headers()[%q] = %q (present %v), want %q", name, got, ok, value)
		}
	}
	if _, ok := h["x-route"]; ok {
		t.Error("Headers() has a name the INVITE did not write")
	}
	// Each call hands out its own map.
	before := maps.Clone(h)
	h["X-Route"] = "changed"
	if got := inv.Headers(); !maps.Equal(got, before) {
		t.Errorf("Headers() after the caller changed a copy: %v, want %v", got, before)
	}
	if got := (&Invite{}).Headers(); got != nil {
		t.Errorf("Headers() without an INVITE = %v, want nil", got)
	}
}

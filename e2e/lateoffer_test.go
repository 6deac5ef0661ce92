package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
)

// TestLateOffer: a sipp caller sends an INVITE without SDP. The server offers
// in its 200 OK, the caller answers PCMU in the ACK and presses 0 over RTP
// (RFC 2833): the call runs the menu like any other, and its record names the
// codec the ACK chose.
func TestLateOffer(t *testing.T) {
	srv := StartServer(t, ServerOptions{})
	res, err := peers.RunSipp(t, peers.SippArgs{Scenario: "testdata/uac_late_offer.xml", Remote: srv.SIPAddr(), Service: "4008001234",
		Keys: map[string]string{"greeting_ms": "2500"}, Timeout: 90 * time.Second})
	if err != nil {
		t.Fatalf("sipp: %v\n%s\n%s", err, res.Logs, res.ErrorLog)
	}
	c := srv.WaitCalls(t, 1, 15*time.Second)[0]
	var nodes []string
	for _, p := range c.Path {
		nodes = append(nodes, p.Node)
	}
	// 0 → queue → nobody logged in → sorry → goodbye: the key arrived on the late-offer media.
	if !strings.HasPrefix(strings.Join(nodes, ","), "greet,menu,agent,sorry") {
		t.Fatalf("path = %v (the RFC 2833 key was not used)", nodes)
	}
	if c.Answer.IsZero() || c.Codec != "PCMU" || c.Disposition != "no_agent" || c.HangupBy != "server" {
		t.Fatalf("record: answer %v codec %q disposition %q hangup %s/%s, want answered, PCMU, no_agent, server",
			c.Answer, c.Codec, c.Disposition, c.HangupBy, c.HangupCause)
	}
}

// TestLateOfferACKWithoutAnswer: the caller's ACK to the server's offer has
// no SDP. There can be no media, so the server hangs up with BYE (the sipp
// scenario fails without it) and records the call as failed, saying why.
func TestLateOfferACKWithoutAnswer(t *testing.T) {
	srv := StartServer(t, ServerOptions{})
	res, err := peers.RunSipp(t, peers.SippArgs{Scenario: "testdata/uac_late_offer_no_answer.xml", Remote: srv.SIPAddr(), Service: "4008001234",
		Timeout: 60 * time.Second})
	if err != nil {
		t.Fatalf("the server did not hang up the call without an answer: %v\n%s", err, res.ErrorLog)
	}
	c := srv.WaitCalls(t, 1, 15*time.Second)[0]
	if c.Disposition != "failed" || c.HangupBy != "server" || c.HangupCause != "no_sdp_answer" || !c.Answer.IsZero() || c.Codec != "" {
		t.Fatalf("record: disposition %q hangup %s/%s answer %v codec %q, want failed, server/no_sdp_answer, never answered, no codec",
			c.Disposition, c.HangupBy, c.HangupCause, c.Answer, c.Codec)
	}
}

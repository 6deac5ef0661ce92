package sip

import (
	"context"
	"errors"
	"testing"
	"time"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/pion/rtp"
)

// heardDigits are the keys in RFC 4733 events of payload type pt among pkts, once per press.
func heardDigits(pkts []rtp.Packet, pt uint8) []rune {
	var keys []rune
	var last uint32
	for _, p := range pkts {
		if p.PayloadType != pt {
			continue
		}
		ev, err := media.UnmarshalDTMF(p.Payload)
		if err != nil || (len(keys) > 0 && p.Timestamp == last) {
			continue
		}
		if d, ok := media.EventToDigit(ev.Event); ok {
			keys, last = append(keys, d), p.Timestamp
		}
	}
	return keys
}

// digitHandler answers and sends the caller a key press; before media it cannot.
type digitHandler struct{ early, sent chan error }

func (h digitHandler) HandleCall(c *InboundCall) {
	h.early <- c.SendDigit('1')
	if err := c.Answer(); err != nil {
		h.sent <- err
		return
	}
	h.sent <- c.SendDigit('7')
	<-c.Context().Done()
}

// TestSendDigit: both kinds of call send a key press as RFC 4733 telephone-events toward the far
// end (media.DigitSender); a call without media yet says so.
func TestSendDigit(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets and runs SIP dialogs")
	}
	t.Run("inbound", func(t *testing.T) {
		h := digitHandler{early: make(chan error, 1), sent: make(chan error, 1)}
		_, srvAddr := startTestServer(t, h, 33000)
		ear := audiotest.NewRTPEar(t)
		d := newDialog(t, srvAddr, "digit")
		if res := d.invite(callerSDP(ear.Port(), "0 101", "sendrecv", pcmuOnly...)); res.StatusCode != 200 {
			t.Fatalf("INVITE: %d %s", res.StatusCode, res.Reason)
		}
		d.ack("")
		if err := <-h.early; !errors.Is(err, errNoMedia) {
			t.Errorf("SendDigit before the call has media: %v, want errNoMedia", err)
		}
		if err := <-h.sent; err != nil {
			t.Fatalf("SendDigit: %v", err)
		}
		if keys := heardDigits(ear.Listen(700*time.Millisecond), 101); string(keys) != "7" {
			t.Errorf("the caller heard keys %q, want \"7\"", string(keys))
		}
		d.bye()
	})

	t.Run("outbound", func(t *testing.T) {
		s, _ := startTestServer(t, lateHandler{results: make(chan lateResult, 1)}, 37000)
		carrier := newFakeCarrier(t)
		ear := audiotest.HearRTP(t, carrier.rtp)
		res, _ := dialTrunk(context.Background(), s, TrunkRequest{Trunk: "pstn", Number: "2001", Host: carrier.host(), Log: testLogger(t)})
		inv := carrier.expect(gsip.INVITE)
		carrier.respond(inv, 200, "OK", carrier.answerSDP())
		carrier.expect(gsip.ACK)
		r := waitDial(t, res)
		if r.err != nil {
			t.Fatalf("DialTrunk: %v", r.err)
		}
		defer r.call.Close()
		if err := r.call.SendDigit('#'); err != nil {
			t.Fatalf("SendDigit: %v", err)
		}
		if keys := heardDigits(ear.Listen(700*time.Millisecond), 101); string(keys) != "#" {
			t.Errorf("the far end heard keys %q, want \"#\"", string(keys))
		}
		go func() { _ = r.call.Hangup(context.Background(), "normal") }()
		carrier.respond(carrier.expect(gsip.BYE), 200, "OK", "")
	})
}

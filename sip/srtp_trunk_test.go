package sip

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/media"
	"github.com/pion/srtp/v3"
)

// carrierSRTPAnswer is the carrier's answer with its own key under tag 1.
func carrierSRTPAnswer(f *fakeCarrier, profile string) (string, Crypto) {
	k, _ := newCrypto(1, media.SuiteAESCM128SHA1_80)
	return savpSDP(f.rtp.LocalAddr().(*net.UDPAddr).Port, profile, k), k
}

// offeredCrypto is our INVITE's profile and its crypto line with tag 1.
func offeredCrypto(t *testing.T, inv carrierMsg) (string, Crypto, int) {
	t.Helper()
	o, err := ParseOffer(inv.req.Body())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range o.Crypto {
		if c.Tag == 1 {
			return o.Profile, c, len(o.Crypto)
		}
	}
	return o.Profile, Crypto{}, len(o.Crypto)
}

// carrierHearsSRTP reads our RTP at the carrier and authenticates it with our key.
func carrierHearsSRTP(t *testing.T, f *fakeCarrier, ours Crypto) {
	t.Helper()
	ctx, err := srtp.CreateContext(ours.Key[:16], ours.Key[16:], srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	_ = f.rtp.SetReadDeadline(time.Now().Add(10 * time.Second))
	for range 5 {
		n, err := f.rtp.Read(buf)
		if err != nil {
			t.Fatalf("no RTP toward the answer: %v", err)
		}
		if _, err := ctx.DecryptRTP(nil, buf[:n], nil); err != nil {
			t.Fatalf("our RTP does not authenticate with the offered key: %v", err)
		}
	}
}

func hangUpTrunk(t *testing.T, f *fakeCarrier, call *OutboundCall) {
	t.Helper()
	go func() { _ = call.Hangup(context.Background(), "normal") }()
	f.respond(f.expect(gsip.BYE), 200, "OK", "")
}

// TestDialTrunkSRTP: a trunk whose policy requires SRTP is offered RTP/SAVP with our keys and the leg
// is encrypted with them; an answer without SRTP ends it. An optional trunk is offered RTP/AVP with
// a=crypto, and RTP/SAVP once more after a 488.
func TestDialTrunkSRTP(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets and runs SIP dialogs")
	}
	s := startTrunkServer(t)
	dial := func(f *fakeCarrier, p SRTPPolicy) <-chan dialResult {
		res, _ := dialTrunk(context.Background(), s, TrunkRequest{Trunk: "sec", Number: "13800138000", Host: f.host(),
			SRTP: p, Log: testLogger(t)})
		return res
	}

	t.Run("required", func(t *testing.T) {
		f := newFakeCarrier(t)
		res := dial(f, SRTPRequired)
		inv := f.expect(gsip.INVITE)
		profile, ours, n := offeredCrypto(t, inv)
		if profile != "RTP/SAVP" || n != 2 || ours.Suite != media.SuiteAESCM128SHA1_80 {
			t.Fatalf("offer %s with %d crypto lines (tag 1: %v), want RTP/SAVP with 2:\n%s", profile, n, ours, inv.req.Body())
		}
		ans, _ := carrierSRTPAnswer(f, "RTP/SAVP")
		f.respond(inv, 200, "OK", ans)
		f.expect(gsip.ACK)
		r := waitDial(t, res)
		if r.err != nil || !r.call.SRTP() {
			t.Fatalf("DialTrunk: %v, srtp %v", r.err, r.err == nil && r.call.SRTP())
		}
		carrierHearsSRTP(t, f, ours)
		hangUpTrunk(t, f, r.call)
	})

	t.Run("required, plain answer", func(t *testing.T) {
		f := newFakeCarrier(t)
		res := dial(f, SRTPRequired)
		inv := f.expect(gsip.INVITE)
		f.respond(inv, 200, "OK", f.answerSDP())
		f.expect(gsip.ACK)
		f.respond(f.expect(gsip.BYE), 200, "OK", "")
		if r := waitDial(t, res); r.err == nil || !strings.Contains(r.err.Error(), "srtp") {
			t.Fatalf("DialTrunk: %v, want an srtp error", r.err)
		}
	})

	t.Run("optional, 488, then RTP/SAVP", func(t *testing.T) {
		f := newFakeCarrier(t)
		res := dial(f, SRTPOptional)
		inv := f.expect(gsip.INVITE)
		if profile, _, n := offeredCrypto(t, inv); profile != "RTP/AVP" || n != 2 {
			t.Fatalf("first offer %s with %d crypto lines, want RTP/AVP with 2", profile, n)
		}
		f.respond(inv, 488, "Not Acceptable Here", "")
		f.expect(gsip.ACK)
		again := f.expect(gsip.INVITE)
		profile, ours, _ := offeredCrypto(t, again)
		if profile != "RTP/SAVP" || again.req.CallID().Value() == inv.req.CallID().Value() {
			t.Fatalf("second offer %s on Call-ID %s, want RTP/SAVP on a new one", profile, again.req.CallID().Value())
		}
		ans, _ := carrierSRTPAnswer(f, "RTP/SAVP")
		f.respond(again, 200, "OK", ans)
		f.expect(gsip.ACK)
		r := waitDial(t, res)
		if r.err != nil || !r.call.SRTP() {
			t.Fatalf("DialTrunk: %v", r.err)
		}
		carrierHearsSRTP(t, f, ours)
		hangUpTrunk(t, f, r.call)
	})

	t.Run("optional, plain answer", func(t *testing.T) {
		f := newFakeCarrier(t)
		res := dial(f, SRTPOptional)
		inv := f.expect(gsip.INVITE)
		f.respond(inv, 200, "OK", f.answerSDP())
		f.expect(gsip.ACK)
		r := waitDial(t, res)
		if r.err != nil || r.call.SRTP() {
			t.Fatalf("DialTrunk: %v, want a plain leg", r.err)
		}
		hangUpTrunk(t, f, r.call)
	})
}

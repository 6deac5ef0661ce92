package sip

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// srtpToneHandler requires SRTP on the call, answers and plays the tone.
type srtpToneHandler struct{ toneHandler }

func (h srtpToneHandler) HandleCall(c *InboundCall) {
	if err := c.SetSRTPPolicy(SRTPRequired); err != nil {
		h.ended <- [2]string{"", err.Error()}
		return
	}
	h.toneHandler.HandleCall(c)
}

// savpSDP is a caller's RTP/SAVP SDP with one crypto line.
func savpSDP(port int, profile string, crypto ...Crypto) string {
	s := fmt.Sprintf("v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d %s 0 101\r\n"+
		"a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n", port, profile)
	for _, c := range crypto {
		s += "a=crypto:" + c.String() + "\r\n"
	}
	return s + "a=sendrecv\r\n"
}

// decryptTone decrypts what the ear heard with key (the server's) and
// reports how much of it authenticated and whether it holds the tone.
func decryptTone(t *testing.T, pkts []rtp.Packet, key []byte) (ok int, tone bool) {
	t.Helper()
	ctx, err := srtp.CreateContext(key[:16], key[16:], srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err != nil {
		t.Fatal(err)
	}
	var pcm media.PCM16
	for _, p := range pkts {
		b, _ := p.Marshal()
		plain, err := ctx.DecryptRTP(nil, b, nil)
		if err != nil {
			continue
		}
		var q rtp.Packet
		if q.Unmarshal(plain) == nil && q.PayloadType == 0 {
			ok++
			pcm = append(pcm, media.DecodeULaw(nil, q.Payload)...)
		}
	}
	tone, _ = audiotest.DetectTone(pcm, reinviteTone, 8000)
	return ok, tone
}

func answerCrypto(t *testing.T, body []byte) (*Offer, Crypto) {
	t.Helper()
	o, err := ParseOffer(body)
	if err != nil {
		t.Fatal(err)
	}
	if o.Profile != "RTP/SAVP" || len(o.Crypto) != 1 {
		t.Fatalf("answer has %s with %d crypto lines, want RTP/SAVP with one:\n%s", o.Profile, len(o.Crypto), body)
	}
	return o, o.Crypto[0]
}

// TestSRTPCallAndReinvite: a caller offering RTP/SAVP gets an answer with
// the server's own key and hears the tone through SRTP (and not without
// the key). A re-INVITE repeating the caller's key keeps the server's; one
// with a new key gets a new server key, and the media follows it at once.
// A re-INVITE to plain RTP is refused with 488 and a Warning, and the
// call stays encrypted.
func TestSRTPCallAndReinvite(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets and runs a SIP dialog")
	}
	h := srtpToneHandler{toneHandler{ended: make(chan [2]string, 1)}}
	_, srvAddr := startTestServer(t, h, 29200)
	d := newDialog(t, srvAddr, "srtp")
	ear := audiotest.NewRTPEar(t)
	k1, _ := newCrypto(1, media.SuiteAESCM128SHA1_80)

	res := d.invite(savpSDP(ear.Port(), "RTP/SAVP", k1))
	if res.StatusCode != 200 {
		t.Fatalf("INVITE: %d %s", res.StatusCode, res.Reason)
	}
	d.ack("")
	_, s1 := answerCrypto(t, res.Body())
	if s1.Tag != 1 || bytes.Equal(s1.Key, k1.Key) {
		t.Fatalf("answer crypto %v: want tag 1 and a key of the server's own", s1)
	}
	pkts := ear.Listen(800 * time.Millisecond)
	if n, tone := decryptTone(t, pkts, s1.Key); n < 20 || !tone {
		t.Fatalf("%d of %d packets decrypt with the answer's key (tone %v)", n, len(pkts), tone)
	}
	if n, _ := decryptTone(t, pkts, k1.Key); n != 0 {
		t.Fatalf("%d packets decrypt with the wrong key", n)
	}

	// The same offer again: the same keys (and contexts).
	res = d.invite(savpSDP(ear.Port(), "RTP/SAVP", k1))
	d.ack("")
	if _, s := answerCrypto(t, res.Body()); res.StatusCode != 200 || !s.equal(s1) {
		t.Fatalf("repeated offer: %d, crypto %v, want the same key as before", res.StatusCode, s)
	}

	// New keys: a new server key, used from now on.
	k2, _ := newCrypto(1, media.SuiteAESCM128SHA1_80)
	res = d.invite(savpSDP(ear.Port(), "RTP/SAVP", k2))
	d.ack("")
	_, s2 := answerCrypto(t, res.Body())
	if res.StatusCode != 200 || bytes.Equal(s2.Key, s1.Key) {
		t.Fatalf("new keys: %d, crypto %v, want a new server key", res.StatusCode, s2)
	}
	time.Sleep(60 * time.Millisecond) // packets already on their way
	pkts = ear.Listen(800 * time.Millisecond)
	if n, tone := decryptTone(t, pkts, s2.Key); n < 20 || !tone {
		t.Fatalf("after the new keys %d of %d packets decrypt with the new key (tone %v)", n, len(pkts), tone)
	}
	if n, _ := decryptTone(t, pkts, s1.Key); n != 0 {
		t.Fatalf("after the new keys %d packets still decrypt with the old key", n)
	}

	// Plain RTP on a call that requires SRTP: refused, the call stays as it was.
	res = d.invite(savpSDP(ear.Port(), "RTP/AVP"))
	if res.StatusCode != 488 {
		t.Fatalf("re-INVITE to plain RTP: %d %s, want 488", res.StatusCode, res.Reason)
	}
	d.ack("")
	if w := res.GetHeader("Warning"); w == nil || !strings.Contains(w.Value(), "SRTP is required") {
		t.Fatalf("488 without the Warning saying why: %v", w)
	}
	pkts = ear.Listen(500 * time.Millisecond)
	if n, _ := decryptTone(t, pkts, s2.Key); n < 10 {
		t.Fatalf("after the refused re-INVITE only %d of %d packets are encrypted with the current key", n, len(pkts))
	}
	d.bye()
}

// TestSRTPRequiredRejectsPlainInvite: the first INVITE in plain RTP on a
// call that requires SRTP gets 488 with a Warning.
func TestSRTPRequiredRejectsPlainInvite(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets and runs a SIP dialog")
	}
	h := srtpToneHandler{toneHandler{ended: make(chan [2]string, 1)}}
	_, srvAddr := startTestServer(t, h, 29200)
	d := newDialog(t, srvAddr, "plain")
	res := d.invite(savpSDP(4000, "RTP/AVP"))
	if res.StatusCode != 488 {
		t.Fatalf("INVITE: %d %s, want 488", res.StatusCode, res.Reason)
	}
	d.ack("")
	w := res.GetHeader("Warning")
	if w == nil || !strings.HasPrefix(w.Value(), `302 hotline "SRTP is required here`) {
		t.Fatalf("Warning %v", w)
	}
}

// TestSRTPLateOffer: an INVITE without SDP on a call that requires SRTP
// gets our offer, RTP/SAVP with our keys, in the 200 OK; the ACK's answer
// picks tag 1 and the tone arrives encrypted with that key.
func TestSRTPLateOffer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets and runs a SIP dialog")
	}
	h := srtpToneHandler{toneHandler{ended: make(chan [2]string, 1)}}
	_, srvAddr := startTestServer(t, h, 29200)
	d := newDialog(t, srvAddr, "late")
	ear := audiotest.NewRTPEar(t)
	res := d.invite("")
	if res.StatusCode != 200 {
		t.Fatalf("INVITE: %d %s", res.StatusCode, res.Reason)
	}
	o, err := ParseOffer(res.Body())
	if err != nil {
		t.Fatal(err)
	}
	if o.Profile != "RTP/SAVP" || len(o.Crypto) != 2 || o.Crypto[0].Tag != 1 {
		t.Fatalf("our late offer: %s with %v, want RTP/SAVP with tags 1 and 2:\n%s", o.Profile, o.Crypto, res.Body())
	}
	mine, _ := newCrypto(1, media.SuiteAESCM128SHA1_80)
	d.ack(savpSDP(ear.Port(), "RTP/SAVP", mine))
	pkts := ear.Listen(800 * time.Millisecond)
	if n, tone := decryptTone(t, pkts, o.Crypto[0].Key); n < 20 || !tone {
		t.Fatalf("%d of %d packets decrypt with our offered key (tone %v)", n, len(pkts), tone)
	}
	d.bye()
}

package sip

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/opus"
)

func offer(m string, attrs ...string) []byte {
	s := "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" + m + "\r\n"
	for _, a := range attrs {
		s += a + "\r\n"
	}
	return []byte(s)
}

func TestParseOfferNegotiation(t *testing.T) {
	tests := []struct {
		name    string
		sdp     []byte
		codec   string
		pt      uint8
		dtmf    uint8
		wantErr error
	}{
		{"pcmu first", offer("m=audio 4000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000"), "PCMU", 0, 101, nil},
		{"caller prefers pcma", offer("m=audio 4000 RTP/AVP 8 0", "a=rtpmap:8 PCMA/8000"), "PCMA", 8, 0, nil},
		{"skips unknown codecs", offer("m=audio 4000 RTP/AVP 18 8", "a=rtpmap:18 G729/8000"), "PCMA", 8, 0, nil},
		{"prefers wideband", offer("m=audio 4000 RTP/AVP 0 8 9 101", "a=rtpmap:9 G722/8000", "a=rtpmap:101 telephone-event/8000"), "G722", 9, 101, nil},
		{"static g722 without rtpmap", offer("m=audio 4000 RTP/AVP 0 9"), "G722", 9, 0, nil},
		{"dynamic pcmu", offer("m=audio 4000 RTP/AVP 96 97", "a=rtpmap:96 speex/16000", "a=rtpmap:97 PCMU/8000"), "PCMU", 97, 0, nil},
		{"g722 at the wrong clock rate is not g722", offer("m=audio 4000 RTP/AVP 96 0", "a=rtpmap:96 G722/16000"), "PCMU", 0, 0, nil},
		{"dtmf pt from rtpmap", offer("m=audio 4000 RTP/AVP 0 96", "a=rtpmap:96 telephone-event/8000"), "PCMU", 0, 96, nil},
		{"no common codec", offer("m=audio 4000 RTP/AVP 18", "a=rtpmap:18 G729/8000"), "", 0, 0, ErrNoCommonCodec},
		{"video only", offer("m=video 4000 RTP/AVP 96", "a=rtpmap:96 H264/90000"), "", 0, 0, ErrNoCommonCodec},
		{"audio port 0 (declined)", offer("m=audio 0 RTP/AVP 0"), "", 0, 0, ErrNoCommonCodec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseOffer(tt.sdp)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			info := o.Codec.Info()
			if info.Name != tt.codec || info.PayloadType != tt.pt || o.DTMFPT != tt.dtmf {
				t.Fatalf("got %s/%d dtmf %d, want %s/%d dtmf %d", info.Name, info.PayloadType, o.DTMFPT, tt.codec, tt.pt, tt.dtmf)
			}
			if o.Addr.String() != "192.0.2.10:4000" {
				t.Fatalf("addr = %s", o.Addr)
			}
		})
	}
}

func TestParseOfferMalformed(t *testing.T) {
	for _, body := range []string{"", "garbage", "v=0\r\n", string(offer("m=audio 4000 RTP/AVP 0"))[:40]} {
		if _, err := ParseOffer([]byte(body)); err == nil {
			t.Errorf("ParseOffer(%q) accepted malformed SDP", body)
		}
	}
}

func TestAnswerRoundTrip(t *testing.T) {
	o, err := ParseOffer(offer("m=audio 4000 RTP/AVP 8 101", "a=rtpmap:101 telephone-event/8000"))
	if err != nil {
		t.Fatal(err)
	}
	ans := AnswerSDP(net.IPv4(127, 0, 0, 1), 20000, o)
	if !strings.Contains(string(ans), "m=audio 20000 RTP/AVP 8 101\r\n") {
		t.Fatalf("answer lacks the chosen codec:\n%s", ans)
	}
	back, err := ParseOffer(ans)
	if err != nil {
		t.Fatalf("our own answer does not parse: %v\n%s", err, ans)
	}
	if back.Codec.Info().Name != "PCMA" || back.DTMFPT != 101 || back.Addr.Port != 20000 {
		t.Fatalf("round trip = %+v", back)
	}
}

func TestParseCodecs(t *testing.T) {
	cs, err := ParseCodecs([]string{"pcma", "G722"})
	if err != nil || len(cs) != 2 || cs[0].Info().Name != "PCMA" || cs[1].Info().Name != "G722" {
		t.Fatalf("ParseCodecs = %v, %v", cs, err)
	}
	// The configured order decides, not the caller's; codecs left out of
	// the list are never chosen.
	o, err := cs.Negotiate(offer("m=audio 4000 RTP/AVP 9 0 8"))
	if err != nil || o.Codec.Info().Name != "PCMA" {
		t.Fatalf("negotiated %v, %v", o, err)
	}
	if o, err := cs.Negotiate(offer("m=audio 4000 RTP/AVP 0 9")); err != nil || o.Codec.Info().Name != "G722" {
		t.Fatalf("negotiated %v, %v", o, err)
	}
	for _, bad := range [][]string{{"G729"}, {"PCMU", "pcmu"}, {}} {
		if _, err := ParseCodecs(bad); err == nil {
			t.Errorf("ParseCodecs(%q) accepted", bad)
		}
	}
}

func TestOfferSDPListsEveryCodec(t *testing.T) {
	body := string(OfferSDP(net.IPv4(127, 0, 0, 1), 20000))
	for _, want := range []string{"a=rtpmap:9 G722/8000\r\n", "a=rtpmap:0 PCMU/8000\r\n", "a=rtpmap:8 PCMA/8000\r\n", "a=rtpmap:101 telephone-event/8000\r\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("offer lacks %q:\n%s", want, body)
		}
	}
	if opus.Available {
		for _, want := range []string{"a=rtpmap:111 opus/48000/2\r\n", "a=fmtp:111 useinbandfec=1;", "a=rtpmap:110 telephone-event/48000\r\n"} {
			if !strings.Contains(body, want) {
				t.Errorf("offer lacks %q:\n%s", want, body)
			}
		}
	}
	// An answer to our own offer picks our first preference.
	o, err := ParseOffer([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if o.Codec.Info().Name != DefaultCodecs()[0].Info().Name || o.DTMFPT == 0 {
		t.Fatalf("our offer parses as %s dtmf %d", o.Codec.Info().Name, o.DTMFPT)
	}
}

func TestTelephoneEventRate(t *testing.T) {
	// Next to a 48 kHz codec the 48 kHz telephone-event is taken; next to an
	// 8 kHz one the 8 kHz event.
	o, err := ParseOffer(offer("m=audio 4000 RTP/AVP 0 110 101", "a=rtpmap:110 telephone-event/48000", "a=rtpmap:101 telephone-event/8000"))
	if err != nil || o.DTMFPT != 101 || o.DTMFRate != 8000 {
		t.Fatalf("got %+v, %v", o, err)
	}
	ans := string(AnswerSDP(net.IPv4(127, 0, 0, 1), 20000, o))
	if !strings.Contains(ans, "a=rtpmap:101 telephone-event/8000\r\n") || strings.Contains(ans, "110") {
		t.Fatalf("answer:\n%s", ans)
	}
}

// TestDirection: hold and resume as SDP says them (RFC 3264 §5.1, §8.4):
// the stream's attribute over the session's, and 0.0.0.0 as the old way of
// saying "do not send to me". Our answer takes the reverse.
func TestDirection(t *testing.T) {
	session := func(attr, conn string) []byte {
		return []byte("v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 " + conn + "\r\nt=0 0\r\n" + attr +
			"m=audio 4000 RTP/AVP 0\r\n")
	}
	for _, tt := range []struct {
		name string
		sdp  []byte
		want media.Direction
		ours string
	}{
		{"none", offer("m=audio 4000 RTP/AVP 0"), media.SendRecv, "a=sendrecv"},
		{"sendonly", offer("m=audio 4000 RTP/AVP 0", "a=sendonly"), media.SendOnly, "a=recvonly"},
		{"recvonly", offer("m=audio 4000 RTP/AVP 0", "a=recvonly"), media.RecvOnly, "a=sendonly"},
		{"inactive", offer("m=audio 4000 RTP/AVP 0", "a=inactive"), media.Inactive, "a=inactive"},
		{"session level", session("a=sendonly\r\n", "192.0.2.10"), media.SendOnly, "a=recvonly"},
		{"stream over session", append(session("a=inactive\r\n", "192.0.2.10"), "a=sendrecv\r\n"...), media.SendRecv, "a=sendrecv"},
		{"0.0.0.0", session("", "0.0.0.0"), media.SendOnly, "a=recvonly"},
		{"0.0.0.0 and recvonly", append(session("", "0.0.0.0"), "a=recvonly\r\n"...), media.Inactive, "a=inactive"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseOffer(tt.sdp)
			if err != nil {
				t.Fatal(err)
			}
			if o.Direction != tt.want {
				t.Errorf("direction %s, want %s", o.Direction, tt.want)
			}
			if ans := string(AnswerSDP(net.IPv4(127, 0, 0, 1), 20000, o)); !strings.Contains(ans, tt.ours+"\r\n") {
				t.Errorf("our answer lacks %s:\n%s", tt.ours, ans)
			}
		})
	}
}

// TestNegotiateKeeps: on an established call the current codec stays while
// the remote still lists it, whatever the order; otherwise the usual choice.
func TestNegotiateKeeps(t *testing.T) {
	cs := Codecs{media.G722(), media.PCMU(), media.PCMA()}
	for _, tt := range []struct {
		sdp        []byte
		keep, want string
	}{
		{offer("m=audio 4000 RTP/AVP 9 0 8"), "PCMA", "PCMA"},
		{offer("m=audio 4000 RTP/AVP 0 8"), "PCMA", "PCMA"},
		{offer("m=audio 4000 RTP/AVP 9 0"), "PCMA", "G722"},
	} {
		var keep media.Codec
		for _, c := range cs {
			if c.Info().Name == tt.keep {
				keep = c
			}
		}
		o, err := cs.negotiate(tt.sdp, keep)
		if err != nil || o.Codec.Info().Name != tt.want {
			t.Errorf("%q keeping %s: %v %v, want %s", tt.sdp, tt.keep, o, err, tt.want)
		}
	}
}

// TestNegotiateOpusFEC: the remote's a=fmtp for the Opus payload type sets
// up our encoder (in-band FEC for a useinbandfec=1 decoder); our own codec
// info, which our SDP shows, is unchanged.
func TestNegotiateOpusFEC(t *testing.T) {
	if !opus.Available {
		t.Skip("no libopus in this build (go test -tags opus)")
	}
	for _, tt := range []struct {
		fmtp string
		fec  bool
	}{{"minptime=10;useinbandfec=1", true}, {"useinbandfec=0", false}, {"", false}} {
		attrs := []string{"a=rtpmap:96 opus/48000/2"}
		if tt.fmtp != "" {
			attrs = append(attrs, "a=fmtp:96 "+tt.fmtp)
		}
		o, err := ParseOffer(offer("m=audio 4000 RTP/AVP 96 0", attrs...))
		if err != nil {
			t.Fatal(err)
		}
		base := opus.New(0)
		if tt.fec {
			base = media.WithRemoteFMTP(base, "useinbandfec=1")
		}
		if o.FMTP != tt.fmtp || o.Codec != withPayloadType(base, 96) {
			t.Errorf("fmtp %q: negotiated %+v (fmtp %q), want the codec set up with fec=%v", tt.fmtp, o.Codec, o.FMTP, tt.fec)
		}
		if info := o.Codec.Info(); info.PayloadType != 96 || info.FMTP != opus.New(0).Info().FMTP {
			t.Errorf("fmtp %q: our codec info became %+v", tt.fmtp, info)
		}
	}
}

// TestReofferSDP: our offer on an established call starts with the current
// codec on its payload type and keeps the current telephone-event's, then
// lists the rest without reusing a number.
func TestReofferSDP(t *testing.T) {
	cs := DefaultCodecs()
	cur := &Offer{Codec: withPayloadType(media.PCMA(), 8), DTMFPT: 96, DTMFRate: 8000}
	if opus.Available {
		// A remote that put Opus where our offers put telephone-event.
		cur = &Offer{Codec: withPayloadType(opus.New(0), 101), DTMFPT: 100, DTMFRate: 48000}
	}
	body := string(cs.reofferSDP(net.IPv4(127, 0, 0, 1), 20000, cur))
	m := strings.Fields(strings.SplitN(strings.SplitN(body, "m=audio ", 2)[1], "\r\n", 2)[0])[2:]
	if m[0] != strconv.Itoa(int(cur.Codec.Info().PayloadType)) {
		t.Errorf("offer lists %s first, want the current codec:\n%s", m[0], body)
	}
	seen := map[string]bool{}
	for _, pt := range m {
		if seen[pt] {
			t.Errorf("payload type %s listed twice:\n%s", pt, body)
		}
		seen[pt] = true
	}
	if want := fmt.Sprintf("a=rtpmap:%d telephone-event/%d\r\n", cur.DTMFPT, cur.DTMFRate); !strings.Contains(body, want) {
		t.Errorf("offer lacks the current %q:\n%s", want, body)
	}
	events := 1 // 8 kHz, and 48 kHz next to Opus
	if opus.Available {
		events = 2
	}
	if len(m) != len(cs)+events || !strings.Contains(body, "telephone-event/8000") {
		t.Errorf("offer lists %v: every codec and telephone-event at each clock rate wanted:\n%s", m, body)
	}
	o, err := cs.Negotiate([]byte(body))
	if err != nil || o.Codec.Info().Name != DefaultCodecs()[0].Info().Name {
		t.Errorf("our offer does not parse as ours: %v %v", o, err)
	}
}

// TestNextSDP: a call's SDPs share a session id; the version goes up when
// the SDP changes and stays when it does not (RFC 3264 §8).
func TestNextSDP(t *testing.T) {
	o, _ := ParseOffer(offer("m=audio 4000 RTP/AVP 0"))
	first := AnswerSDP(net.IPv4(127, 0, 0, 1), 20000, o)
	origin := func(b []byte) []string { l, _ := cutOrigin(b); return strings.Fields(l) }
	same := nextSDP(first, AnswerSDP(net.IPv4(127, 0, 0, 1), 20000, o))
	if string(same) != string(first) {
		t.Errorf("an unchanged SDP changed:\n%s\n%s", first, same)
	}
	o.Direction = media.SendOnly
	held := nextSDP(same, AnswerSDP(net.IPv4(127, 0, 0, 1), 20000, o))
	f, h := origin(first), origin(held)
	v, _ := strconv.Atoi(f[2])
	if len(h) != 6 || h[1] != f[1] || h[2] != strconv.Itoa(v+1) || !strings.Contains(string(held), "a=recvonly") {
		t.Errorf("held: o=%v after o=%v, want the same session, version %d", h, f, v+1)
	}
}

func FuzzParseOffer(f *testing.F) {
	f.Add(offer("m=audio 4000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000"))
	f.Add(offer("m=audio 4000 RTP/AVP 96", "a=rtpmap:96 PCMU/8000"))
	f.Add(offer("m=audio 4000 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20"))
	f.Add([]byte("v=0\r\nc=IN IP4 ::1\r\nm=audio 1 RTP/AVP 0\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseOffer(b)
		if err == nil && (o.Codec == nil || o.Addr == nil) {
			t.Fatalf("accepted offer without codec or address: %+v", o)
		}
		if err != nil {
			return
		}
		// Whatever the offer's crypto, every policy answers it or refuses it cleanly.
		for _, p := range []SRTPPolicy{SRTPOff, SRTPOptional, SRTPRequired} {
			s, err := answerSRTP(o, p, nil)
			if err == nil {
				o.srtp = s
				_ = AnswerSDP(net.IPv4(127, 0, 0, 1), 5000, o)
			}
		}
	})
}

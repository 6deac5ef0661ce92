package sip

import (
	"errors"
	"net"
	"strings"
	"testing"

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

func FuzzParseOffer(f *testing.F) {
	f.Add(offer("m=audio 4000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000"))
	f.Add(offer("m=audio 4000 RTP/AVP 96", "a=rtpmap:96 PCMU/8000"))
	f.Add([]byte("v=0\r\nc=IN IP4 ::1\r\nm=audio 1 RTP/AVP 0\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseOffer(b)
		if err == nil && (o.Codec == nil || o.Addr == nil) {
			t.Fatalf("accepted offer without codec or address: %+v", o)
		}
	})
}

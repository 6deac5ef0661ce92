package sip

import (
	"errors"
	"net"
	"strings"
	"testing"
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
		{"skips unknown codecs", offer("m=audio 4000 RTP/AVP 18 9 8", "a=rtpmap:18 G729/8000", "a=rtpmap:9 G722/8000"), "PCMA", 8, 0, nil},
		{"dynamic pcmu", offer("m=audio 4000 RTP/AVP 96 97", "a=rtpmap:96 opus/48000/2", "a=rtpmap:97 PCMU/8000"), "PCMU", 97, 0, nil},
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
	ans := AnswerSDP(net.IPv4(127, 0, 0, 1), 20000, o.Codec, o.DTMFPT)
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

package sip

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/media"
)

// The key of RFC 4568's example (§9.1): 30 bytes of base64.
const exampleKey = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"

func TestParseCrypto(t *testing.T) {
	for _, in := range []string{
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + exampleKey,
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + exampleKey + "|2^20",
		"2 AES_CM_128_HMAC_SHA1_32 inline:" + exampleKey + "|1048576",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + strings.TrimRight(exampleKey, "="),
	} {
		c, err := ParseCrypto(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if len(c.Key) != media.SRTPKeyLen || !c.Suite.Supported() {
			t.Errorf("%q: parsed %+v", in, c)
		}
		// What we write parses back to the same.
		back, err := ParseCrypto(c.String())
		if err != nil || !back.equal(c) {
			t.Errorf("%q: %q parses back to %+v (%v)", in, c.String(), back, err)
		}
	}
	for _, in := range []string{
		"",
		"1 AES_CM_128_HMAC_SHA1_80",
		"x AES_CM_128_HMAC_SHA1_80 inline:" + exampleKey,
		"1 F8_128_HMAC_SHA1_80 inline:" + exampleKey,
		"1 AEAD_AES_256_GCM inline:" + exampleKey,
		"1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=",                            // 5 bytes
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + exampleKey + "|2^20|1:4",         // MKI
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + exampleKey + "|1:4",              // MKI, no lifetime
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + exampleKey + " UNENCRYPTED_SRTP", // session param
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + exampleKey + ";inline:" + exampleKey,
		"1 AES_CM_128_HMAC_SHA1_80 key:" + exampleKey,
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + exampleKey + "|2^x",
	} {
		if _, err := ParseCrypto(in); !errors.Is(err, ErrBadCrypto) {
			t.Errorf("%q: error %v, want ErrBadCrypto", in, err)
		}
	}
}

func FuzzParseCrypto(f *testing.F) {
	f.Add("1 AES_CM_128_HMAC_SHA1_80 inline:" + exampleKey + "|2^20|1:4")
	f.Add("2 AES_CM_128_HMAC_SHA1_32 inline:" + exampleKey)
	f.Add("1 AES_CM_128_HMAC_SHA1_80 inline:" + exampleKey + ";inline:x|2^")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCrypto(s)
		if err != nil {
			if !errors.Is(err, ErrBadCrypto) {
				t.Fatalf("%q: error %v is not ErrBadCrypto", s, err)
			}
			return
		}
		if len(c.Key) != media.SRTPKeyLen || !c.Suite.Supported() {
			t.Fatalf("%q: accepted %+v", s, c)
		}
		if back, err := ParseCrypto(c.String()); err != nil || !back.equal(c) {
			t.Fatalf("%q: %q does not parse back (%v)", s, c.String(), err)
		}
	})
}

func sdpOffer(profile string, crypto ...string) []byte {
	var b strings.Builder
	b.WriteString("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n")
	b.WriteString("m=audio 4000 " + profile + " 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n")
	for _, c := range crypto {
		b.WriteString("a=crypto:" + c + "\r\n")
	}
	b.WriteString("a=sendrecv\r\n")
	return []byte(b.String())
}

var (
	crypto80 = "1 AES_CM_128_HMAC_SHA1_80 inline:" + exampleKey
	crypto32 = "2 AES_CM_128_HMAC_SHA1_32 inline:" + exampleKey
	badSuite = "3 AEAD_AES_256_GCM inline:" + exampleKey
)

// Every combination of offer and policy: answered plain, answered with
// SRTP (profile and tag as offered), or refused with the Warning code.
func TestAnswerSRTP(t *testing.T) {
	for _, tc := range []struct {
		name    string
		offer   []byte
		policy  SRTPPolicy
		srtp    bool
		profile string
		tag     int
		warn    int // 0: accepted
	}{
		{"plain, off", sdpOffer("RTP/AVP"), SRTPOff, false, "", 0, 0},
		{"plain, optional", sdpOffer("RTP/AVP"), SRTPOptional, false, "", 0, 0},
		{"plain, required", sdpOffer("RTP/AVP"), SRTPRequired, false, "", 0, 302},
		{"savp, off", sdpOffer("RTP/SAVP", crypto80), SRTPOff, false, "", 0, 302},
		{"savp, optional", sdpOffer("RTP/SAVP", crypto80, crypto32), SRTPOptional, true, "RTP/SAVP", 1, 0},
		{"savp, required", sdpOffer("RTP/SAVP", badSuite, crypto32), SRTPRequired, true, "RTP/SAVP", 2, 0},
		{"savp without usable crypto", sdpOffer("RTP/SAVP", badSuite), SRTPRequired, false, "", 0, 305},
		{"avp with crypto, off", sdpOffer("RTP/AVP", crypto80), SRTPOff, false, "", 0, 0},
		{"avp with crypto, optional", sdpOffer("RTP/AVP", crypto80), SRTPOptional, true, "RTP/AVP", 1, 0},
		{"avp with crypto, required", sdpOffer("RTP/AVP", crypto80), SRTPRequired, true, "RTP/AVP", 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := DefaultCodecs().Negotiate(tc.offer)
			if err != nil {
				t.Fatal(err)
			}
			s, err := answerSRTP(o, tc.policy, nil)
			var se *SRTPError
			if tc.warn != 0 {
				if !errors.As(err, &se) || se.Warn != tc.warn {
					t.Fatalf("error %v, want an SRTPError with Warning %d", err, tc.warn)
				}
				if w := se.warning().Value(); !strings.HasPrefix(w, "30") || !strings.Contains(w, "hotline") {
					t.Fatalf("Warning %q", w)
				}
				return
			}
			if err != nil || (s != nil) != tc.srtp {
				t.Fatalf("srtp %v (%v), want %v", s != nil, err, tc.srtp)
			}
			o.srtp = s
			ans := AnswerSDP(net.IPv4(127, 0, 0, 1), 5000, o)
			back, err := DefaultCodecs().Negotiate(ans)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.srtp {
				if len(back.Crypto) != 0 || back.Profile != "RTP/AVP" {
					t.Fatalf("plain answer has %s with %d crypto lines:\n%s", back.Profile, len(back.Crypto), ans)
				}
				return
			}
			if back.Profile != tc.profile || len(back.Crypto) != 1 || back.Crypto[0].Tag != tc.tag {
				t.Fatalf("answer %s %+v, want %s with tag %d:\n%s", back.Profile, back.Crypto, tc.profile, tc.tag, ans)
			}
			if bytes.Equal(back.Crypto[0].Key, o.Crypto[0].Key) || back.Crypto[0].Suite != s.remote.Suite {
				t.Fatal("the answer does not carry a key of our own in the offer's suite")
			}
		})
	}
}

// Our offers: off is plain, optional RTP/AVP with crypto, required
// RTP/SAVP; the answer is taken when it picks one of our lines, refused
// when required and it picks none.
func TestOfferSRTPAndAnswer(t *testing.T) {
	for _, tc := range []struct {
		policy  SRTPPolicy
		profile string
		lines   int
	}{{SRTPOff, "RTP/AVP", 0}, {SRTPOptional, "RTP/AVP", 2}, {SRTPRequired, "RTP/SAVP", 2}} {
		sec, ours, err := offerSRTP(tc.policy)
		if err != nil {
			t.Fatal(err)
		}
		o, err := DefaultCodecs().Negotiate(DefaultCodecs().offerSDP(net.IPv4(127, 0, 0, 1), 5000, sec))
		if err != nil {
			t.Fatal(err)
		}
		if o.Profile != tc.profile || len(o.Crypto) != tc.lines || len(ours) != tc.lines {
			t.Fatalf("%s: offer %s with %d crypto lines, want %s with %d", tc.policy, o.Profile, len(o.Crypto), tc.profile, tc.lines)
		}
		if tc.policy == SRTPOff {
			continue
		}
		// A phone answering with its key under our tag 1.
		ans, _ := DefaultCodecs().Negotiate(sdpOffer(tc.profile, crypto80))
		s, err := takeAnswerSRTP(ans, ours, tc.policy)
		if err != nil || s == nil || !s.local.equal(ours[0]) || s.remote.Tag != 1 {
			t.Fatalf("%s: answer with tag 1 taken as %+v (%v)", tc.policy, s, err)
		}
		plain, _ := DefaultCodecs().Negotiate(sdpOffer("RTP/AVP"))
		s, err = takeAnswerSRTP(plain, ours, tc.policy)
		if tc.policy == SRTPRequired {
			var se *SRTPError
			if !errors.As(err, &se) {
				t.Fatalf("required: a plain answer gives %v, want an SRTPError", err)
			}
		} else if err != nil || s != nil {
			t.Fatalf("optional: a plain answer gives %+v (%v), want plain", s, err)
		}
	}
}

// A re-INVITE repeating the remote's crypto keeps the keys (same
// session); one with a new key gets new keys of ours too.
func TestAnswerSRTPReinvite(t *testing.T) {
	o, _ := DefaultCodecs().Negotiate(sdpOffer("RTP/SAVP", crypto80))
	cur, err := answerSRTP(o, SRTPRequired, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := DefaultCodecs().Negotiate(sdpOffer("RTP/SAVP", crypto80))
	if s, err := answerSRTP(again, SRTPRequired, cur); err != nil || s != cur {
		t.Fatalf("same keys: %+v (%v), want the current session", s, err)
	}
	other := &Crypto{Tag: 1, Suite: media.SuiteAESCM128SHA1_80, Key: bytes.Repeat([]byte{7}, media.SRTPKeyLen)}
	rekey, _ := DefaultCodecs().Negotiate(sdpOffer("RTP/SAVP", other.String()))
	s, err := answerSRTP(rekey, SRTPRequired, cur)
	if err != nil || s.same(cur) || !s.remote.equal(*other) || s.local.equal(cur.local) {
		t.Fatalf("new keys: %+v (%v), want new keys both ways", s, err)
	}
	plain, _ := DefaultCodecs().Negotiate(sdpOffer("RTP/AVP"))
	if _, err := answerSRTP(plain, SRTPRequired, cur); err == nil {
		t.Fatal("a required call took a re-INVITE to plain RTP")
	}
}

func TestParseSRTPPolicy(t *testing.T) {
	for in, want := range map[string]SRTPPolicy{"": SRTPOff, "off": SRTPOff, "Optional": SRTPOptional, "required": SRTPRequired} {
		if p, err := ParseSRTPPolicy(in); err != nil || p != want {
			t.Errorf("%q: %v (%v), want %v", in, p, err, want)
		}
	}
	if _, err := ParseSRTPPolicy("yes"); err == nil {
		t.Error("yes: accepted")
	}
}

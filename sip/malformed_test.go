package sip

import (
	"strings"
	"testing"
)

const goodInvite = "INVITE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:100@127.0.0.1>\r\nCall-ID: abc\r\nCSeq: 1 INVITE\r\nContent-Length: 4\r\n\r\nbody"

func TestCheckRequest(t *testing.T) {
	tests := []struct {
		name, msg, want string
	}{
		{"good", goodInvite, ""},
		{"compact headers", "OPTIONS sip:x SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nf: <sip:a@h>;tag=1\r\nt: <sip:x>\r\ni: c\r\nCSeq: 2 OPTIONS\r\nl: 0\r\n\r\n", ""},
		{"response passes", "SIP/2.0 200 OK\r\n\r\n", ""},
		{"keepalive passes", "\r\n\r\n", ""},
		{"no blank line", "INVITE sip:x SIP/2.0\r\nVia: x\r\n", "no blank line"},
		{"bad request line", strings.Replace(goodInvite, " SIP/2.0\r\n", " SIP/3.0\r\n", 1), "bad request line"},
		{"lowercase method", strings.Replace(goodInvite, "INVITE sip", "invite sip", 1), "bad method"},
		{"missing call-id", strings.Replace(goodInvite, "Call-ID: abc\r\n", "", 1), "missing call-id"},
		{"bad cseq", strings.Replace(goodInvite, "CSeq: 1 INVITE", "CSeq: one INVITE", 1), "bad CSeq number"},
		{"short body", strings.Replace(goodInvite, "Content-Length: 4", "Content-Length: 400", 1), "Content-Length larger"},
		{"no colon", strings.Replace(goodInvite, "Call-ID: abc", "Call-ID abc", 1), "without a colon"},
	}
	for _, tt := range tests {
		got := checkRequest([]byte(tt.msg))
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: checkRequest = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestBadRequestEchoesHeaders(t *testing.T) {
	msg := strings.Replace(goodInvite, "CSeq: 1 INVITE", "CSeq: x INVITE", 1)
	resp := string(badRequest([]byte(msg), "bad CSeq number"))
	for _, want := range []string{"SIP/2.0 400 Bad Request\r\n", "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n", "Call-ID: abc\r\n", "Warning: 399 hotline \"bad CSeq number\""} {
		if !strings.Contains(resp, want) {
			t.Errorf("400 lacks %q:\n%s", want, resp)
		}
	}
	if badRequest([]byte("FOO sip:x SIP/2.0\r\nCall-ID: a\r\n\r\n"), "x") != nil {
		t.Error("answered a request without Via")
	}
}

func FuzzCheckRequest(f *testing.F) {
	f.Add([]byte(goodInvite))
	f.Add([]byte("SIP/2.0 200 OK\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if checkRequest(b) != "" {
			_ = badRequest(b, "x")
		}
	})
}

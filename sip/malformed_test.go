package sip

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
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
		{"response code too large", "SIP/2.0 4294967301 better not break the receiver\r\nCSeq: 1 INVITE\r\n\r\n", "malformed response"},
		{"response CSeq too large", "SIP/2.0 503 Service Unavailable\r\nCSeq: 9292394834772304023312 OPTIONS\r\n\r\n", "malformed response"},
		{"keepalive passes", "\r\n\r\n", ""},
		{"no blank line", "INVITE sip:x SIP/2.0\r\nVia: x\r\n", "no blank line"},
		{"bad request line", strings.Replace(goodInvite, " SIP/2.0\r\n", " HTTP/1.1\r\n", 1), "bad request line"},
		{"other version", strings.Replace(goodInvite, " SIP/2.0\r\n", " SIP/3.0\r\n", 1), "version not supported"},
		{"lowercase method is an unknown one", strings.Replace(goodInvite, "INVITE sip", "invite sip", 1), ""},
		{"bad method", strings.Replace(goodInvite, "INVITE sip", "IN(VITE sip", 1), "bad method"},
		{"missing call-id", strings.Replace(goodInvite, "Call-ID: abc\r\n", "", 1), "missing Call-ID"},
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

// FuzzCheckRequest runs the screening, with the RFC 4475 messages as seeds: it
// must not panic, a refusal must have a reason, and the RFC 2543 rewrite must
// stay inside the buffer and come back out on the way out.
func FuzzCheckRequest(f *testing.F) {
	f.Add([]byte(goodInvite))
	f.Add([]byte("SIP/2.0 200 OK\r\n\r\n"))
	files, _ := filepath.Glob(filepath.Join("testdata", "rfc4475", "*.dat"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v := screen(b)
		if v.code < 0 {
			return
		}
		if v.code != 0 {
			if v.reason == "" {
				t.Fatalf("refused with %d and no reason", v.code)
			}
			_ = v.response(b)
			return
		}
		if v.tag2543 {
			p := make([]byte, len(b)+64)
			copy(p, b)
			n := normalize2543(p, len(b))
			if n < len(b) || n > len(p) {
				t.Fatalf("normalize2543: %d bytes from %d", n, len(b))
			}
		}
	})
}

// TestNormalize2543 checks the From tag given to an RFC 2543 request is the
// same for its retransmission and is taken out again of what is sent.
func TestNormalize2543(t *testing.T) {
	msg, err := os.ReadFile(filepath.Join("testdata", "rfc4475", "inv2543.dat"))
	if err != nil {
		t.Fatal(err)
	}
	v := screen(msg)
	if v.code != 0 || !v.tag2543 {
		t.Fatalf("inv2543: screen = %+v, want it passed and tagged", v)
	}
	noTag := strings.Replace(goodInvite, ";tag=1", "", 1)
	for _, branch := range []string{"z9hG4bK", "z9hG4bK;rport", "1234"} {
		m := strings.Replace(noTag, "branch=z9hG4bK1", "branch="+branch, 1)
		if v := screen([]byte(m)); !v.tag2543 {
			t.Errorf("branch=%s without a From tag: not tagged", branch)
		}
	}
	if v := screen([]byte(noTag)); v.tag2543 {
		t.Error("an RFC 3261 branch without a From tag got tagged")
	}
	p := make([]byte, len(msg)+64)
	copy(p, msg)
	n := normalize2543(p, len(msg))
	got := string(p[:n])
	from := "From: <sip:+13035551111@ift.client.example.net;user=phone>;tag=hl-rfc2543-"
	if !strings.Contains(got, from) {
		t.Fatalf("no From tag added:\n%s", got)
	}
	q := make([]byte, len(msg)+64)
	copy(q, msg)
	if m := normalize2543(q, len(msg)); string(q[:m]) != got {
		t.Error("the retransmission got another tag")
	}
	if n := normalize2543(p[:len(msg)], len(msg)); n != len(msg) {
		t.Error("grew past its buffer")
	}
	rec := &recordingConn{}
	g := guardConn{PacketConn: rec}
	if _, err := g.WriteTo(p[:n], nil); err != nil {
		t.Fatal(err)
	}
	if string(rec.sent) != string(msg) {
		t.Errorf("sent:\n%q\nwant the request as it came:\n%q", rec.sent, msg)
	}
}

type recordingConn struct {
	net.PacketConn
	sent []byte
}

func (r *recordingConn) WriteTo(p []byte, _ net.Addr) (int, error) {
	r.sent = append([]byte(nil), p...)
	return len(p), nil
}

// BenchmarkCheckRequest is the screening of one ordinary INVITE with SDP, what
// every datagram of a call's setup pays at 1,500 calls/s.
func BenchmarkCheckRequest(b *testing.B) {
	msg := []byte("INVITE sip:4008001234@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1-0;rport\r\n" +
		"From: \"Caller\" <sip:caller@127.0.0.1:5070>;tag=1\r\nTo: <sip:4008001234@127.0.0.1>\r\nCall-ID: 1-123@127.0.0.1\r\n" +
		"CSeq: 1 INVITE\r\nContact: <sip:caller@127.0.0.1:5070>\r\nMax-Forwards: 70\r\nUser-Agent: sipp\r\n" +
		"Content-Type: application/sdp\r\nContent-Length: 129\r\n\r\n" +
		"v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
	if v := screen(msg); v.code != 0 {
		b.Fatalf("refused: %+v", v)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		screen(msg)
	}
}

// TestGuardStream: over TCP the screening passes messages on byte for byte however they are cut
// into reads (keep-alives included), answers a refused one on the connection, and closes it on a
// framing error.
func TestGuardStream(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	l := &oneConnListener{c: server}
	g := guardListener{l, testLogger(t)}
	conn, err := g.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	bad := strings.Replace(goodInvite, "CSeq: 1 INVITE", "CSeq: 1 BYE", 1)
	ncl := strings.Replace(goodInvite, "Content-Length: 4", "Content-Length: -4", 1)
	stream := "\r\n\r\n" + goodInvite + bad + goodInvite + ncl + goodInvite
	go func() {
		// Cut anywhere, the blank line included.
		for i := 0; i < len(stream); i += 7 {
			if _, err := client.Write([]byte(stream[i:min(i+7, len(stream))])); err != nil {
				return
			}
		}
	}()
	answers := make(chan string, 1)
	go func() {
		var got []byte
		buf := make([]byte, 4096)
		for {
			n, err := client.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				answers <- string(got)
				return
			}
		}
	}()
	var passed []byte
	buf := make([]byte, 100)
	for {
		n, err := conn.Read(buf)
		passed = append(passed, buf[:n]...)
		if err != nil {
			break
		}
	}
	if want := "\r\n\r\n" + goodInvite + goodInvite; string(passed) != want {
		t.Errorf("passed on:\n%q\nwant:\n%q", passed, want)
	}
	got := <-answers
	if strings.Count(got, "SIP/2.0 400 Bad Request") != 2 || !strings.Contains(got, "CSeq method does not match") || !strings.Contains(got, "bad Content-Length") {
		t.Errorf("answers on the connection:\n%s", got)
	}
}

type oneConnListener struct {
	net.Listener
	c net.Conn
}

func (l *oneConnListener) Accept() (net.Conn, error) { return l.c, nil }

// FuzzGuardStream feeds a TCP stream, cut into reads of a fuzzed size, through the screening: no
// panic, and what it passes on is made of the stream's own bytes (plus a From tag for RFC 2543).
func FuzzGuardStream(f *testing.F) {
	f.Add([]byte("\r\n\r\n"+goodInvite+goodInvite), uint8(7))
	f.Add([]byte(strings.Replace(goodInvite, "Content-Length: 4", "Content-Length: 4\r\nl: 5", 1)), uint8(1))
	f.Add([]byte(strings.Replace(goodInvite, "Content-Length: 4", "Content-Length: 99999999", 1)), uint8(200))
	if b, err := os.ReadFile(filepath.Join("testdata", "rfc4475", "inv2543.dat")); err == nil {
		f.Add(append(b, []byte("\r\n")...), uint8(13))
	}
	f.Fuzz(func(t *testing.T, stream []byte, cut uint8) {
		client, server := net.Pipe()
		conn, _ := guardListener{&oneConnListener{c: server}, testLogger(t)}.Accept()
		go func() {
			step := int(cut) + 1
			for i := 0; i < len(stream); i += step {
				if _, err := client.Write(stream[i:min(i+step, len(stream))]); err != nil {
					return
				}
			}
			client.Close()
		}()
		go func() { _, _ = io.Copy(io.Discard, client) }()
		passed, _ := io.ReadAll(conn)
		conn.Close()
		if len(passed) > len(stream)+64*(bytes.Count(stream, []byte("\n"))+1) {
			t.Fatalf("passed %d bytes from %d", len(passed), len(stream))
		}
	})
}

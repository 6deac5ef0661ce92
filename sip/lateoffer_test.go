package sip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/pion/rtp"
)

// lateHandler plays the IVR's part: it asks for the keys and the output rate
// before answering, answers, and on success plays a 1 kHz tone and waits for one key.
type lateHandler struct{ results chan lateResult }

type lateResult struct {
	err             error
	codec           string
	outputRate      int
	audioOutRate    int
	digit           rune
	hangupBy, cause string
}

func (h lateHandler) HandleCall(c *InboundCall) {
	keys := c.DTMF()
	r := lateResult{outputRate: c.OutputRate()}
	r.err = c.Answer()
	if r.err != nil {
		r.hangupBy, r.cause = c.HangupInfo()
		_ = c.Hangup(context.Background(), "error") // what the IVR does when Answer fails
		h.results <- r
		return
	}
	r.codec = c.Codec()
	out := c.AudioOut()
	r.audioOutRate = out.SampleRate()
	// A prompt rendered at the promised rate must sound right whatever codec the caller chose.
	_ = media.Play(c.Context(), out, audiotest.Tone(1000, r.outputRate, 600, 0.5))
	select {
	case r.digit = <-keys:
	case <-time.After(20 * time.Second):
	case <-c.Context().Done():
	}
	h.results <- r
}

// startLateServer runs a Server on loopback UDP and returns its address.
func startLateServer(t *testing.T, h Handler) *net.UDPAddr {
	_, addr := startTestServer(t, h, 21000)
	return addr
}

// startTestServer runs a Server with handler h on a loopback UDP socket of
// its own (port 0), with RTP ports from a block above rtpBase that depends on
// the process (so parallel test binaries do not collide), until the test
// ends. opts adjust the configuration. It returns the server and its address.
func startTestServer(t *testing.T, h Handler, rtpBase int, opts ...func(*Config)) (*Server, *net.UDPAddr) {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	lo := rtpBase + os.Getpid()%400*20
	cfg := Config{RTPPorts: &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: lo, Max: lo + 19}}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := NewServer(cfg, nil, h, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeUDP(ctx, conn) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeUDP: %v", err)
		}
	})
	select {
	case <-srv.ready:
	case err := <-done:
		t.Fatalf("ServeUDP: %v", err)
	}
	if got, want := srv.Addr().String(), conn.LocalAddr().String(); got != want {
		t.Fatalf("server address %s, want the socket's %s", got, want)
	}
	return srv, conn.LocalAddr().(*net.UDPAddr)
}

// testLogger logs to the test's output with -v and HOTLINE_TEST_LOG=1.
func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("HOTLINE_TEST_LOG") == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// sipPeer is a bare SIP caller on a UDP socket.
type sipPeer struct {
	t    *testing.T
	conn *net.UDPConn
	srv  *net.UDPAddr
}

// send sends a request or response: head with \n line ends, body as it is.
func (p *sipPeer) send(head, body string) {
	p.t.Helper()
	msg := strings.ReplaceAll(head, "\n", "\r\n") + body
	if _, err := p.conn.WriteToUDP([]byte(msg), p.srv); err != nil {
		p.t.Fatal(err)
	}
}

// next reads messages until match accepts one.
func (p *sipPeer) next(what string, match func(gsip.Message) bool) gsip.Message {
	p.t.Helper()
	buf := make([]byte, 8192)
	deadline := time.Now().Add(15 * time.Second)
	for {
		_ = p.conn.SetReadDeadline(deadline)
		n, _, err := p.conn.ReadFromUDP(buf)
		if err != nil {
			p.t.Fatalf("waiting for %s: %v", what, err)
		}
		m, err := gsip.ParseMessage(append([]byte(nil), buf[:n]...))
		if err != nil {
			continue
		}
		if match(m) {
			return m
		}
	}
}

func sdpAnswer(port int, formats string, rtpmaps ...string) string {
	s := fmt.Sprintf("v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP %s\r\n", port, formats)
	for _, m := range rtpmaps {
		s += "a=" + m + "\r\n"
	}
	return s
}

// TestLateOffer: an INVITE without SDP is answered with our offer in the
// 200 OK; the ACK's answer picks the codec and media starts. An ACK without a
// usable answer fails the answer and the call is hung up with BYE.
func TestLateOffer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets and waits for a SIP dialog")
	}
	tests := []struct {
		name      string
		answer    func(mediaPort int) string // ACK body; "" sends none
		codec     string
		cause     string
		wantDigit bool
	}{
		{"pcmu answer", func(p int) string {
			return sdpAnswer(p, "0 101", "rtpmap:0 PCMU/8000", "rtpmap:101 telephone-event/8000")
		}, "PCMU", "", true},
		{"pcma answer", func(p int) string {
			return sdpAnswer(p, "8 101", "rtpmap:8 PCMA/8000", "rtpmap:101 telephone-event/8000")
		}, "PCMA", "", true},
		{"ack without sdp", func(int) string { return "" }, "", CauseNoSDPAnswer, false},
		{"answer without a common codec", func(p int) string {
			return sdpAnswer(p, "18", "rtpmap:18 G729/8000")
		}, "", CauseBadSDPAnswer, false},
		{"malformed answer", func(int) string { return "this is not sdp\r\n" }, "", CauseBadSDPAnswer, false},
	}
	// One server for every case: NewServer sets sipgo's global logger.
	h := lateHandler{results: make(chan lateResult, 1)}
	srvAddr := startLateServer(t, h)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			rtpConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer rtpConn.Close()
			p := &sipPeer{t: t, conn: conn, srv: srvAddr}
			local := conn.LocalAddr().String()
			callID := fmt.Sprintf("late-%d-%d", os.Getpid(), i)
			from := fmt.Sprintf("<sip:caller@%s>;tag=c%d", local, i)

			p.send(fmt.Sprintf(`INVITE sip:100@%s SIP/2.0
Via: SIP/2.0/UDP %s;branch=z9hG4bK-late-inv-%d;rport
From: %s
To: <sip:100@%s>
Call-ID: %s
CSeq: 1 INVITE
Contact: <sip:caller@%s>
Max-Forwards: 70
Content-Length: 0

`, srvAddr, local, i, from, srvAddr, callID, local), "")

			ok := p.next("200 OK", func(m gsip.Message) bool {
				res, isRes := m.(*gsip.Response)
				if isRes && res.StatusCode >= 300 {
					t.Fatalf("INVITE without SDP answered %d %s", res.StatusCode, res.Reason)
				}
				return isRes && res.StatusCode == 200
			}).(*gsip.Response)
			if ct := ok.ContentType(); ct == nil || ct.Value() != "application/sdp" {
				t.Fatalf("200 OK has no SDP offer:\n%s", ok)
			}
			body := string(ok.Body())
			for _, want := range []string{"a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "telephone-event/8000"} {
				if !strings.Contains(body, want) {
					t.Errorf("offer in the 200 OK lacks %q:\n%s", want, body)
				}
			}
			ours, err := ParseOffer(ok.Body())
			if err != nil {
				t.Fatalf("our offer does not parse: %v\n%s", err, body)
			}
			toTag, _ := ok.To().Params.Get("tag")
			if c := ok.Contact(); c == nil || net.JoinHostPort(c.Address.Host, strconv.Itoa(c.Address.Port)) != srvAddr.String() {
				t.Errorf("200 OK Contact %v, want the server's address %s", c, srvAddr)
			}

			ans := tt.answer(rtpConn.LocalAddr().(*net.UDPAddr).Port)
			ack := fmt.Sprintf(`ACK %s SIP/2.0
Via: SIP/2.0/UDP %s;branch=z9hG4bK-late-ack-%d;rport
From: %s
To: <sip:100@%s>;tag=%s
Call-ID: %s
CSeq: 1 ACK
Max-Forwards: 70
`, ok.Contact().Address.String(), local, i, from, srvAddr, toTag, callID)
			if ans == "" {
				ack += "Content-Length: 0\n\n"
			} else {
				ack += fmt.Sprintf("Content-Type: application/sdp\nContent-Length: %d\n\n", len(ans))
			}
			p.send(ack, ans)

			if tt.wantDigit {
				// Media flows toward the answer's address, in the answer's codec,
				// and the tone the handler plays at its rate is heard.
				var heard, frame media.PCM16
				buf := make([]byte, 1500)
				for len(heard) < 8000 { // 1 s
					_ = rtpConn.SetReadDeadline(time.Now().Add(10 * time.Second))
					n, from, err := rtpConn.ReadFromUDP(buf)
					if err != nil {
						t.Fatalf("no RTP toward the answer's address: %v", err)
					}
					var pkt rtp.Packet
					if err := pkt.Unmarshal(buf[:n]); err != nil {
						t.Fatal(err)
					}
					if from.Port != ours.Addr.Port {
						t.Fatalf("RTP from port %d, our offer said %d", from.Port, ours.Addr.Port)
					}
					switch {
					case tt.codec == "PCMU" && pkt.PayloadType == 0:
						frame = media.DecodeULaw(frame, pkt.Payload)
					case tt.codec == "PCMA" && pkt.PayloadType == 8:
						frame = media.DecodeALaw(frame, pkt.Payload)
					default:
						t.Fatalf("RTP payload type %d, want %s", pkt.PayloadType, tt.codec)
					}
					heard = append(heard, frame...)
				}
				if ok, ratio := audiotest.DetectTone(heard, 1000, 8000); !ok {
					t.Errorf("the 1 kHz tone played at the promised output rate was not heard at 8 kHz (ratio %.2f)", ratio)
				}
				// …and a key pressed on it (RFC 4733) reaches the leg's DTMF channel,
				// which the handler took before answering.
				evs, err := media.DTMFPackets('7', 100, 8000)
				if err != nil {
					t.Fatal(err)
				}
				for j, ev := range evs {
					b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, Marker: j == 0, PayloadType: 101,
						SequenceNumber: uint16(100 + j), Timestamp: 8000, SSRC: 0x1234}, Payload: ev.Marshal()}).Marshal()
					_, _ = rtpConn.WriteToUDP(b, ours.Addr)
				}
			}

			// The server hangs up either way: BYE, answered 200.
			bye := p.next("BYE", func(m gsip.Message) bool {
				req, isReq := m.(*gsip.Request)
				return isReq && req.Method == gsip.BYE
			}).(*gsip.Request)
			if _, err := conn.WriteToUDP([]byte(gsip.NewResponseFromRequest(bye, 200, "OK", nil).String()), srvAddr); err != nil {
				t.Fatal(err)
			}
			var r lateResult
			select {
			case r = <-h.results:
			case <-time.After(30 * time.Second):
				t.Fatal("the call's handler did not finish")
			}

			t.Logf("result %+v", r)
			if tt.cause == "" {
				if r.err != nil {
					t.Fatalf("Answer: %v", r.err)
				}
				if r.codec != tt.codec {
					t.Errorf("codec %q, want %q", r.codec, tt.codec)
				}
				if r.audioOutRate != r.outputRate {
					t.Errorf("AudioOut takes %d Hz, OutputRate promised %d Hz", r.audioOutRate, r.outputRate)
				}
				if r.digit != '7' {
					t.Errorf("digit %q, want '7'", r.digit)
				}
				return
			}
			if !errors.Is(r.err, ErrNoSDPAnswer) {
				t.Fatalf("Answer = %v, want ErrNoSDPAnswer", r.err)
			}
			if r.hangupBy != ByServer || r.cause != tt.cause {
				t.Errorf("hangup %s/%s, want %s/%s", r.hangupBy, r.cause, ByServer, tt.cause)
			}
		})
	}
}

// TestLateOfferNoACK: a 200 OK with our offer that is never acknowledged
// fails the answer (no media can start) and the call ends with a BYE.
func TestLateOfferNoACK(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets and waits for a SIP dialog")
	}
	// 64*T1 of retransmissions is 32 s at the standard T1; run on a 20 ms T1.
	t1, t2, t4 := gsip.T1, gsip.T2, gsip.T4
	gsip.SetTimers(20*time.Millisecond, 160*time.Millisecond, 200*time.Millisecond)
	t.Cleanup(func() { gsip.SetTimers(t1, t2, t4) }) // runs after the server has stopped
	h := lateHandler{results: make(chan lateResult, 1)}
	srvAddr := startLateServer(t, h)
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	p := &sipPeer{t: t, conn: conn, srv: srvAddr}
	local := conn.LocalAddr().String()
	p.send(fmt.Sprintf(`INVITE sip:100@%s SIP/2.0
Via: SIP/2.0/UDP %s;branch=z9hG4bK-late-noack;rport
From: <sip:caller@%s>;tag=noack
To: <sip:100@%s>
Call-ID: late-noack-%d
CSeq: 1 INVITE
Contact: <sip:caller@%s>
Max-Forwards: 70
Content-Length: 0

`, srvAddr, local, local, srvAddr, os.Getpid(), local), "")
	bye := p.next("BYE", func(m gsip.Message) bool {
		req, isReq := m.(*gsip.Request)
		return isReq && req.Method == gsip.BYE // 200 OK retransmissions go unanswered
	}).(*gsip.Request)
	if _, err := conn.WriteToUDP([]byte(gsip.NewResponseFromRequest(bye, 200, "OK", nil).String()), srvAddr); err != nil {
		t.Fatal(err)
	}
	var r lateResult
	select {
	case r = <-h.results:
	case <-time.After(30 * time.Second):
		t.Fatal("the call's handler did not finish")
	}
	if !errors.Is(r.err, ErrNoSDPAnswer) || r.hangupBy != ByServer || r.cause != CauseNoACK {
		t.Fatalf("Answer = %v, hangup %s/%s; want ErrNoSDPAnswer, %s/%s", r.err, r.hangupBy, r.cause, ByServer, CauseNoACK)
	}
}

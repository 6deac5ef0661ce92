package sip

import (
	"fmt"
	"net"
	"testing"
	"time"

	gsip "github.com/emiago/sipgo/sip"
)

// fakeCarrier is a scripted SIP UAS on loopback UDP: the test reads each request the server sends and
// answers it by hand, so every step of an outbound call can be checked.
type fakeCarrier struct {
	t     *testing.T
	conn  *net.UDPConn
	rtp   *net.UDPConn // where the answer's SDP sends media
	msgs  chan carrierMsg
	resps chan *gsip.Response // responses to the carrier's own requests (re-INVITEs)
	seen  map[string]bool     // requests already read (by Call-ID, CSeq and method): retransmissions are skipped
	toTag string
}

type carrierMsg struct {
	req  *gsip.Request
	from *net.UDPAddr
}

func newFakeCarrier(t *testing.T) *fakeCarrier {
	t.Helper()
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	f := &fakeCarrier{t: t, conn: listen(), rtp: listen(), msgs: make(chan carrierMsg, 64), resps: make(chan *gsip.Response, 64), seen: map[string]bool{}, toTag: "carrier1"}
	go func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := f.conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			m, err := gsip.ParseMessage(append([]byte(nil), buf[:n]...))
			if err != nil {
				continue
			}
			switch m := m.(type) {
			case *gsip.Request:
				f.msgs <- carrierMsg{m, from}
			case *gsip.Response:
				select {
				case f.resps <- m:
				default:
				}
			}
		}
	}()
	return f
}

// host is the carrier's host:port, as a trunk names it.
func (f *fakeCarrier) host() string { return f.conn.LocalAddr().String() }

// expect returns the next new request; it must have method.
func (f *fakeCarrier) expect(method gsip.RequestMethod) carrierMsg {
	f.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m := <-f.msgs:
			key := fmt.Sprintf("%s %d %s", m.req.CallID().Value(), m.req.CSeq().SeqNo, m.req.Method)
			if f.seen[key] {
				continue
			}
			f.seen[key] = true
			if m.req.Method != method {
				f.t.Fatalf("carrier got %s, want %s:\n%s", m.req.Method, method, m.req)
			}
			return m
		case <-timeout:
			f.t.Fatalf("carrier: no %s", method)
		}
	}
}

// none checks that no new request arrives for d.
func (f *fakeCarrier) none(d time.Duration) {
	f.t.Helper()
	select {
	case m := <-f.msgs:
		f.t.Fatalf("carrier got an unexpected %s", m.req.Method)
	case <-time.After(d):
	}
}

// respond answers m; extra headers are "Name: value" pairs.
func (f *fakeCarrier) respond(m carrierMsg, code int, reason string, body string, extra ...string) {
	f.t.Helper()
	res := gsip.NewResponseFromRequest(m.req, code, reason, nil)
	if code > 100 && m.req.IsInvite() {
		if to := res.To(); to != nil {
			to.Params.Add("tag", f.toTag)
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		res.AppendHeader(gsip.NewHeader(extra[i], extra[i+1]))
	}
	if code == 200 && m.req.IsInvite() {
		res.AppendHeader(gsip.NewHeader("Contact", "<sip:carrier@"+f.host()+">"))
	}
	if body != "" {
		res.AppendHeader(gsip.NewHeader("Content-Type", "application/sdp"))
	}
	res.SetBody([]byte(body))
	if _, err := f.conn.WriteToUDP([]byte(res.String()), m.from); err != nil {
		f.t.Fatal(err)
	}
}

// answerSDP is a PCMU answer toward the carrier's RTP socket.
func (f *fakeCarrier) answerSDP() string {
	return sdpAnswer(f.rtp.LocalAddr().(*net.UDPAddr).Port, "0 101", "rtpmap:0 PCMU/8000", "rtpmap:101 telephone-event/8000")
}

// startTrunkServer runs a Server on loopback UDP for outbound calls.
func startTrunkServer(t *testing.T) *Server {
	srv, _ := startTestServer(t, lateHandler{results: make(chan lateResult, 1)}, 41000)
	return srv
}

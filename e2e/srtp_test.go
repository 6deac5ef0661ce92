package e2e

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// srtpDialplan: 2000 reaches alice with SRTP required on the caller's leg, 2001 reaches bob in plain
// RTP, 2002 reaches bob with SRTP optional.
const srtpDialplan = `version: 1
queues:
  secure: {members: [alice], ring_timeout: 10s, max_wait: 20s}
  plain: {members: [bob], ring_timeout: 10s, max_wait: 20s}
routes:
  - {name: secure, to: "2000", flow: secure, srtp: required}
  - {name: plain, to: "2001", flow: plain}
  - {name: maybe, to: "2002", flow: plain, srtp: optional}
flows:
  secure:
    start: q
    nodes:
      - {id: q, type: queue, queue: secure, noagent: bye, timeout: bye}
      - {id: bye, type: hangup}
  plain:
    start: q
    nodes:
      - {id: q, type: queue, queue: plain, noagent: bye, timeout: bye}
      - {id: bye, type: hangup}
`

// srtpPorts gives the test's phones RTP port ranges of their own, so that the loopback capture holds
// this test's media and nobody else's: every packet of the call has a phone at one end.
// agentFilter captures the agent's leg only.
func srtpPorts() (caller, agent, filter, agentFilter string) {
	base := 21000 + (os.Getpid()%400)*20
	caller = fmt.Sprintf("%d-%d", base, base+9)
	agent = fmt.Sprintf("%d-%d", base+10, base+19)
	return caller, agent, fmt.Sprintf("udp portrange %d-%d", base, base+19), fmt.Sprintf("udp portrange %d-%d", base+10, base+19)
}

// loCapture is tcpdump writing the loopback traffic a filter matches to a file.
type loCapture struct {
	cmd  *exec.Cmd
	path string
	out  *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startCapture(t *testing.T, filter string) *loCapture {
	t.Helper()
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("tcpdump is not installed")
	}
	c := &loCapture{path: filepath.Join(t.TempDir(), "lo.pcap"), out: &lockedBuffer{}}
	c.cmd = exec.Command("tcpdump", "-i", "lo", "-U", "-n", "-s", "0", "-w", c.path, filter)
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("tcpdump: %v", err)
	}
	t.Cleanup(func() { _ = c.cmd.Process.Kill(); _ = c.cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(c.out.String(), "listening on lo"); {
		if time.Now().After(deadline) {
			t.Fatalf("tcpdump did not start: %s", c.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return c
}

// stop ends the capture and returns its UDP payloads, one per captured packet.
func (c *loCapture) stop(t *testing.T) [][]byte {
	t.Helper()
	_ = c.cmd.Process.Signal(os.Interrupt)
	_ = c.cmd.Wait()
	data, err := os.ReadFile(c.path)
	if err != nil {
		t.Fatalf("capture: %v (%s)", err, c.out.String())
	}
	return udpPayloads(t, data)
}

// udpPayloads reads a pcap file of loopback IPv4 traffic (link type NULL or Ethernet) and returns its
// UDP payloads.
func udpPayloads(t *testing.T, data []byte) [][]byte {
	t.Helper()
	if len(data) < 24 || binary.LittleEndian.Uint32(data) != 0xa1b2c3d4 {
		t.Fatalf("capture is not a little-endian pcap file (%d bytes)", len(data))
	}
	link := binary.LittleEndian.Uint32(data[20:])
	var out [][]byte
	for p := 24; p+16 <= len(data); {
		n := int(binary.LittleEndian.Uint32(data[p+8:]))
		p += 16
		if p+n > len(data) {
			break
		}
		frame := data[p : p+n]
		p += n
		switch link {
		case 1: // Ethernet
			if len(frame) < 14 || frame[12] != 0x08 || frame[13] != 0x00 {
				continue
			}
			frame = frame[14:]
		case 0: // BSD loopback
			frame = frame[4:]
		default:
			t.Fatalf("capture link type %d", link)
		}
		if len(frame) < 20 || frame[0]>>4 != 4 || frame[9] != 17 {
			continue
		}
		ihl := int(frame[0]&0x0f) * 4
		if len(frame) < ihl+8 {
			continue
		}
		out = append(out, frame[ihl+8:])
	}
	return out
}

// plainToneHits counts captured packets whose payload holds the start of a frame of the G.711 (µ-law
// or A-law) encoding of the tone a phone plays: what a plain RTP packet of that tone carries. The
// phones play toneWAV's file from its start in 20 ms frames, so the frames are those of the tone cut
// every 160 samples.
func plainToneHits(packets [][]byte, freq float64) int {
	tone := audiotest.Tone(freq, 8000, 20_000, 0.3)
	var patterns [][]byte
	seen := map[string]bool{}
	for i := 0; i+160 <= len(tone); i += 160 {
		for _, enc := range [][]byte{media.EncodeULaw(nil, tone[i:i+160]), media.EncodeALaw(nil, tone[i:i+160])} {
			p := enc[:24]
			if !seen[string(p)] {
				seen[string(p)] = true
				patterns = append(patterns, p)
			}
		}
	}
	hits := 0
	for _, pkt := range packets {
		for _, p := range patterns {
			if bytes.Contains(pkt, p) {
				hits++
				break
			}
		}
	}
	return hits
}

// srtpCall has caller dial number, agent answer, both talk for a while and the caller hang up, with
// the loopback capture running; it checks that each heard the other's tone and returns the captured
// UDP payloads.
//
// The talk lasts 3 s: about 600 packets over both legs, 300 over one. Fewer than 100 means the
// capture missed the call.
func srtpCall(t *testing.T, srv *Server, caller, agent *peers.Phone, number, filter string) [][]byte {
	t.Helper()
	capture := startCapture(t, filter)
	if err := caller.Dial("sip:" + number + "@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("agent: call not established: %v\n%s", err, agent.LogTail(30))
	}
	if _, err := caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("caller: call not established: %v", err)
	}
	time.Sleep(3 * time.Second) // talk
	if err := caller.Hangup(); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("agent was not released: %v", err)
	}
	caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallClosed)
	packets := capture.stop(t)
	if len(packets) < 100 {
		t.Fatalf("the capture holds %d packets: it did not see the call's media", len(packets))
	}
	assertHears(t, "agent", agent.RecordedWAV(), callerTone)
	assertHears(t, "caller", caller.RecordedWAV(), agentTone)
	return packets
}

// TestSRTPCallerReachesAgent: a baresip caller with mandatory SRTP (RTP/SAVP) calls a route that
// requires it and reaches a baresip agent whose phone requires it too; both hear each other, and the
// loopback capture of the call holds no packet with the plain G.711 encoding of either tone. The
// control call, plain RTP both ways on the same server, shows the same check finds them.
func TestSRTPCallerReachesAgent(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: srtpDialplan, SRTP: map[string]string{"alice": "required", "bob": "optional"}})
	callerPorts, agentPorts, filter, agentFilter := srtpPorts()

	t.Run("srtp", func(t *testing.T) {
		agent := peers.StartPhone(t, peers.PhoneConfig{User: "alice", Password: "alice-demo", Registrar: srv.SIPAddr(),
			AutoAnswer: true, PlayWAV: toneWAV(t, t.TempDir(), agentTone), MaxCallSeconds: 60,
			MediaEnc: "srtp-mand", RTPPorts: agentPorts})
		if err := agent.WaitRegistered(ctxFor(t, 10*time.Second)); err != nil {
			t.Fatal(err)
		}
		caller := peers.StartPhone(t, peers.PhoneConfig{User: "13800000001", PlayWAV: toneWAV(t, t.TempDir(), callerTone),
			MaxCallSeconds: 60, MediaEnc: "srtp-mand", RTPPorts: callerPorts})
		packets := srtpCall(t, srv, caller, agent, "2000", filter)
		assertNoPlainTones(t, packets)
		if !srv.WaitLog("agent answered", 2*time.Second) || !strings.Contains(srv.Log(), "srtp=true") {
			t.Error("the server log does not show an encrypted leg (srtp=true)")
		}
	})

	// SRTP offered the optional way, RTP/AVP with a=crypto, both ways: baresip's mediaenc=srtp
	// caller offers it to the optional route, and the server offers it to bob (optional), whose
	// phone takes it.
	t.Run("optional", func(t *testing.T) {
		agent := peers.StartPhone(t, peers.PhoneConfig{User: "bob", Password: "bob-demo", Registrar: srv.SIPAddr(),
			AutoAnswer: true, PlayWAV: toneWAV(t, t.TempDir(), agentTone), MaxCallSeconds: 60,
			MediaEnc: "srtp", RTPPorts: agentPorts})
		if err := agent.WaitRegistered(ctxFor(t, 10*time.Second)); err != nil {
			t.Fatal(err)
		}
		caller := peers.StartPhone(t, peers.PhoneConfig{User: "13800000004", PlayWAV: toneWAV(t, t.TempDir(), callerTone),
			MaxCallSeconds: 60, MediaEnc: "srtp", RTPPorts: callerPorts})
		packets := srtpCall(t, srv, caller, agent, "2002", filter)
		assertNoPlainTones(t, packets)
	})

	// A phone that takes SRTP only as RTP/SAVP refuses the optional offer (RTP/AVP with a=crypto)
	// with 488; the server offers RTP/SAVP then. The agent's leg is encrypted, the caller's plain.
	t.Run("optional to an SAVP-only phone", func(t *testing.T) {
		agent := peers.StartPhone(t, peers.PhoneConfig{User: "bob", Password: "bob-demo", Registrar: srv.SIPAddr(),
			AutoAnswer: true, PlayWAV: toneWAV(t, t.TempDir(), agentTone), MaxCallSeconds: 60,
			MediaEnc: "srtp-mand", RTPPorts: agentPorts})
		if err := agent.WaitRegistered(ctxFor(t, 10*time.Second)); err != nil {
			t.Fatal(err)
		}
		caller := peers.StartPhone(t, peers.PhoneConfig{User: "13800000005", PlayWAV: toneWAV(t, t.TempDir(), callerTone),
			MaxCallSeconds: 60, RTPPorts: callerPorts})
		packets := srtpCall(t, srv, caller, agent, "2001", agentFilter)
		assertNoPlainTones(t, packets)
		if !srv.WaitLog("offering RTP/SAVP", 2*time.Second) {
			t.Error("the server did not retry with RTP/SAVP")
		}
	})

	// The control: plain RTP both ways on the same server. bob's policy is optional, and his phone
	// now has no SRTP: it ignores the a=crypto of the server's RTP/AVP offer and answers plainly.
	t.Run("plain control", func(t *testing.T) {
		agent := peers.StartPhone(t, peers.PhoneConfig{User: "bob", Password: "bob-demo", Registrar: srv.SIPAddr(),
			AutoAnswer: true, PlayWAV: toneWAV(t, t.TempDir(), agentTone), MaxCallSeconds: 60, RTPPorts: agentPorts})
		if err := agent.WaitRegistered(ctxFor(t, 10*time.Second)); err != nil {
			t.Fatal(err)
		}
		caller := peers.StartPhone(t, peers.PhoneConfig{User: "13800000002", PlayWAV: toneWAV(t, t.TempDir(), callerTone),
			MaxCallSeconds: 60, RTPPorts: callerPorts})
		packets := srtpCall(t, srv, caller, agent, "2001", filter)
		// Both legs, both ways: the caller's tone goes to the server and on to the agent, and back.
		for _, tone := range []float64{callerTone, agentTone} {
			n := plainToneHits(packets, tone)
			t.Logf("plain call: %d of %d captured packets carry the %.0f Hz tone in plain G.711", n, len(packets), tone)
			if n < 50 {
				t.Errorf("plain call: only %d packets carry the %.0f Hz tone: the check cannot tell", n, tone)
			}
		}
	})
}

// assertNoPlainTones fails when a captured packet carries either phone's tone in plain G.711.
func assertNoPlainTones(t *testing.T, packets [][]byte) {
	t.Helper()
	for _, tone := range []float64{callerTone, agentTone} {
		if n := plainToneHits(packets, tone); n != 0 {
			t.Errorf("%d of %d captured packets carry the %.0f Hz tone in plain G.711", n, len(packets), tone)
		}
	}
	t.Logf("none of %d captured packets carries a tone in plain G.711", len(packets))
}

// TestSRTPRequiredRefusesPlain: a plain-RTP caller on a route that requires SRTP is refused with 488,
// and the call record says why.
func TestSRTPRequiredRefusesPlain(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: srtpDialplan})
	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13800000003", PlayWAV: toneWAV(t, t.TempDir(), callerTone), MaxCallSeconds: 20})
	if err := caller.Dial("sip:2000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	ev, err := caller.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ev.Param, "488") {
		t.Fatalf("caller's call closed with %q, want 488 Not Acceptable Here", ev.Param)
	}
	if !srv.WaitLog(`reason="SRTP is required here and the offer is plain RTP`, 5*time.Second) {
		t.Fatal("the server did not log why")
	}
	c := srv.WaitCalls(t, 1, 10*time.Second)[0]
	if c.Disposition != "rejected" || c.HangupCause != "srtp" {
		t.Fatalf("call record: disposition %q cause %q, want rejected, srtp", c.Disposition, c.HangupCause)
	}
}

// TestSRTPAgentHoldResume: on an SRTP call the agent's phone holds and resumes with re-INVITEs
// that carry its crypto; the server answers them with its keys (the same when the phone repeats its
// own, new ones when it changes them) and after the resume the caller hears the agent again,
// through SRTP on both legs.
func TestSRTPAgentHoldResume(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: srtpDialplan, SRTP: map[string]string{"alice": "required"}})
	agent := peers.StartPhone(t, peers.PhoneConfig{User: "alice", Password: "alice-demo", Registrar: srv.SIPAddr(),
		AutoAnswer: true, PlayWAV: toneWAV(t, t.TempDir(), agentTone), MaxCallSeconds: 60, MediaEnc: "srtp-mand"})
	if err := agent.WaitRegistered(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13800000006", PlayWAV: toneWAV(t, t.TempDir(), callerTone),
		MaxCallSeconds: 60, MediaEnc: "srtp-mand"})
	if err := caller.Dial("sip:2000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("agent: %v", err)
	}
	time.Sleep(1500 * time.Millisecond) // talk
	if _, err := agent.Command("hold", ""); err != nil {
		t.Fatal(err)
	}
	if !srv.WaitLog("direction=recvonly", 5*time.Second) && !srv.WaitLog("direction=inactive", time.Second) {
		t.Fatalf("the server did not take the agent's hold")
	}
	time.Sleep(1500 * time.Millisecond)
	if _, err := agent.Command("resume", ""); err != nil {
		t.Fatal(err)
	}
	if !srv.WaitLog("direction=sendrecv", 5*time.Second) {
		t.Fatalf("the server did not take the agent's resume")
	}
	resumed := time.Now()
	time.Sleep(3 * time.Second)
	for who, p := range map[string]*peers.Phone{"agent": agent, "caller": caller} {
		for _, e := range p.Events() {
			if e.Type == peers.EventCallClosed {
				t.Fatalf("%s's call ended during hold or resume: %v", who, e)
			}
		}
	}
	talked := time.Since(resumed)
	if err := caller.Hangup(); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("agent was not released: %v", err)
	}
	caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallClosed)
	samples, rate, err := audiotest.ReadWAVFile(caller.RecordedWAV())
	if err != nil {
		t.Fatal(err)
	}
	tail := rate * int(talked/time.Millisecond-1000) / 1000 // the last second may be the hangup
	if tail <= rate || len(samples) < tail+rate {
		t.Fatalf("caller's recording: %d samples at %d Hz, too short", len(samples), rate)
	}
	after := samples[len(samples)-tail-rate : len(samples)-rate]
	if ok, ratio := audiotest.DetectTone(after, agentTone, rate); !ok {
		t.Fatalf("after the resume the caller does not hear the agent (ratio %.2f)", ratio)
	}
	t.Logf("re-INVITE lines: %s", grepLines(srv.Log(), "re-invite"))
}

// grepLines returns the lines of s that contain sub, joined.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

package e2e

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// TestAgentHoldResume: the agent answers a caller, presses Hold on the
// phone and later Resume. The phone says so with re-INVITEs in the dialog
// the server's INVITE created (a=sendonly, then a=sendrecv); the server
// takes them on the agent's leg instead of answering 481, which would end
// the dialog and drop the caller. The call survives both, and after the
// resume the caller hears the agent's tone again.
func TestAgentHoldResume(t *testing.T) {
	srv := StartServer(t, ServerOptions{})
	agent := startAgent(t, srv, "alice", "alice-demo", true)

	caller := callAgentThroughMenu(t, srv, agent)
	time.Sleep(1500 * time.Millisecond) // talk

	if _, err := agent.Command("hold", ""); err != nil {
		t.Fatal(err)
	}
	if !srv.WaitLog("direction=recvonly", 5*time.Second) && !srv.WaitLog("direction=inactive", time.Second) {
		t.Fatalf("the server did not take the agent's hold:\n%s", srv.Log())
	}
	time.Sleep(1500 * time.Millisecond) // on hold
	if _, err := agent.Command("resume", ""); err != nil {
		t.Fatal(err)
	}
	if !srv.WaitLog("direction=sendrecv", 5*time.Second) {
		t.Fatalf("the server did not take the agent's resume:\n%s", srv.Log())
	}
	resumed := time.Now()
	time.Sleep(3 * time.Second) // talk again
	for who, p := range map[string]*peers.Phone{"agent": agent, "caller": caller} {
		for _, e := range p.Events() {
			if e.Type == peers.EventCallClosed {
				t.Fatalf("%s's call ended during hold or resume: %v\n%s", who, e, srv.Log())
			}
		}
	}
	talked := time.Since(resumed)
	if err := caller.Hangup(); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("agent was not released after the caller hung up: %v", err)
	}
	caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallClosed)

	// The end of the caller's recording is the time after the resume.
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
		t.Fatalf("after the resume the caller does not hear the agent (ratio %.2f, level %.1f dBFS)", ratio, audiotest.RMSdBFS(after))
	}
	calls := srv.WaitCalls(t, 1, 10*time.Second)
	if c := calls[0]; c.Disposition != "answered" || c.HangupBy != "caller" {
		t.Fatalf("call record = disposition %q hangup_by %q", c.Disposition, c.HangupBy)
	}
}

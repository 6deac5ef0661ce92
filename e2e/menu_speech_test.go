package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/bot/openaitest"
	"github.com/hotline-cc/hotline/e2e/peers"
)

// spokenMenuDialplan routes 6000 to a menu whose options can be said as well as pressed.
const spokenMenuDialplan = `version: 1
queues:
  support:
    members: [alice]
    ring_timeout: 15s
    max_wait: 30s
routes:
  - name: menu
    to: "6000"
    flow: menu
flows:
  menu:
    start: menu
    nodes:
      - id: menu
        type: menu
        prompt: "To speak to an agent, say agent or press 0. For our opening hours, say opening hours or press 1."
        options: {"0": agent, "1": hours}
        keywords: {agent: "0", "opening hours": "1"}
        timeout: 8s
        retries: 1
        invalid_prompt: "Sorry, that is not a valid choice."
        nomatch: bye
      - id: agent
        type: queue
        queue: support
        next: bye
        noagent: bye
        timeout: bye
      - id: hours
        type: say
        text: "We are open from eight to eight."
        next: bye
      - id: bye
        type: hangup
`

// TestMenuSpokenKeyword: a caller answers a menu out loud over SIP. The first words match no option
// and the menu says so and asks again; then the caller says "agent" over the prompt and reaches the
// support queue, where alice answers. A local OpenAI-compatible server stands in for the cloud
// recognizer; the utterances are cut from the caller's real RTP audio (espeak-ng speech).
func TestMenuSpokenKeyword(t *testing.T) {
	ai := openaitest.New()
	defer ai.Close()
	ai.Transcripts(openaitest.Transcript{Text: "what is the weather like"}, openaitest.Transcript{Text: "Agent."})

	srv := StartServer(t, ServerOptions{Dialplan: spokenMenuDialplan, Extra: openAIEngines(ai.BaseURL())})
	agent := startAgent(t, srv, "alice", "alice-demo", true)

	// The first words come during the first prompt; the second long after the menu has said they were
	// not a choice and started over (during its second prompt, or while it waits).
	mic, _ := speechWAV(t, []time.Duration{2500 * time.Millisecond, 6 * time.Second},
		[]string{"what is the weather like", "agent"})
	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13800000002", PlayWAV: mic, MaxCallSeconds: 60})
	if err := caller.Dial("sip:6000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("caller: call not established: %v", err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 45*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("agent never got the call: %v\n%s", err, srv.Log())
	}
	time.Sleep(time.Second)
	if err := caller.Hangup(); err != nil {
		t.Fatal(err)
	}
	caller.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed)
	agent.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed)

	c := srv.WaitCalls(t, 1, 15*time.Second)[0]
	if len(c.Path) < 2 || c.Path[0].Node != "menu" || c.Path[0].Edge != "0" || c.Path[1].Node != "agent" {
		t.Errorf("path %+v, want the menu's option 0 and then the queue", c.Path)
	}
	if c.Agent != "alice" || c.Queue != "support" {
		t.Errorf("call record agent %q queue %q", c.Agent, c.Queue)
	}
	if n := ai.TranscriptionCount(); n != 2 {
		t.Errorf("%d utterances sent for transcription, want 2", n)
	}
	var heard, noChoice []string
	for _, line := range strings.Split(srv.Log(), "\n") {
		switch {
		case strings.Contains(line, `msg="menu heard"`):
			heard = append(heard, line)
		case strings.Contains(line, `msg="menu: no choice"`):
			noChoice = append(noChoice, line)
		case strings.Contains(line, "prompt stopped: the caller speaks"):
			t.Log("the caller's words stopped the prompt")
		}
	}
	if len(heard) != 2 || !strings.Contains(heard[0], `text="what is the weather like"`) || !strings.Contains(heard[1], "text=Agent.") {
		t.Errorf("the menu heard:\n%s", strings.Join(heard, "\n"))
	}
	if len(noChoice) != 1 || !strings.Contains(noChoice[0], `input="said \"what is the weather like\""`) {
		t.Errorf("invalid choices:\n%s", strings.Join(noChoice, "\n"))
	}
}

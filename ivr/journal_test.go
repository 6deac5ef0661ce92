package ivr

import (
	"context"
	"sync"
	"testing"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media/legtest"
	"github.com/hotline-cc/hotline/record"
)

// journal keeps the checkpoints it is given, and whether the caller's leg was answered then.
type journal struct {
	mu       sync.Mutex
	leg      *legtest.Leg
	got      []record.Call
	answered []bool
}

func (j *journal) Checkpoint(c *record.Call) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.got = append(j.got, *c)
	j.answered = append(j.answered, j.leg.Answered())
	return nil
}

func TestCheckpointsAlongTheCall(t *testing.T) {
	h := newHarness(map[string]string{"bob": "answer"}, "bob")
	leg := newTestLeg("c1")
	j := &journal{leg: leg}
	h.engine.Journal = j
	c := h.call("c1", leg)
	c.answered = false
	c.rec.Transcript = []record.Turn{{Speaker: record.SpeakerCaller, Text: "my card is 4111 1111 1111 1111"}}
	// The agent hangs up after a moment (the dialer's script).
	res, _ := c.Queue(context.Background(), dialplan.QueueRequest{Queue: queue("bob")})
	if res.Outcome != dialplan.QueueAnswered {
		t.Fatalf("queue: %v", res.Outcome)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	// Entering the queue, the agent answering, the caller answered to talk with them.
	if len(j.got) != 3 {
		t.Fatalf("%d checkpoints, want 3: %+v", len(j.got), j.got)
	}
	for i, cp := range j.got {
		if cp.Disposition != record.DispositionInProgress || cp.End.IsZero() || cp.ID != "c1" {
			t.Errorf("checkpoint %d: %+v", i, cp)
		}
		if len(cp.Transcript) != 0 {
			t.Errorf("checkpoint %d holds the words said; they are stored redacted at the end", i)
		}
	}
	if j.got[0].Queue != "q" || j.got[0].Agent != "" {
		t.Errorf("queue checkpoint: queue %q agent %q", j.got[0].Queue, j.got[0].Agent)
	}
	if j.got[1].Agent != "bob" || j.got[1].AgentAnswer.IsZero() {
		t.Errorf("agent checkpoint: agent %q at %v", j.got[1].Agent, j.got[1].AgentAnswer)
	}
	// The answer is stored before the caller gets it.
	if j.answered[2] || j.got[2].Answer.IsZero() {
		t.Errorf("answer checkpoint: leg answered %v, answer time %v", j.answered[2], j.got[2].Answer)
	}
	if !leg.Answered() {
		t.Error("the caller was never answered")
	}
	// The checkpoints are copies: the call's own record is not marked in progress.
	if c.rec.Disposition != record.DispositionAnswered {
		t.Errorf("the call's record says %q", c.rec.Disposition)
	}
}

// The node a checkpoint names follows the flow through a goto into another flow.
func TestPositionFollowsGoto(t *testing.T) {
	p, _, err := dialplan.Parse("g.yaml", []byte(`version: 1
routes: [{name: r, flow: main}]
flows:
  main:
    start: a
    nodes:
      - {id: a, type: say, text: "In main.", next: b}
      - {id: b, type: goto, flow: other}
  other:
    start: x
    nodes:
      - {id: x, type: menu, prompt: "Press 1.", options: {"1": y}}
      - {id: y, type: say, text: "Bye."}
`), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	main := p.Flows["main"]
	pos := position{flow: main, node: main.Start}
	if s, ok := pos.current(); !ok || s.Node != "a" || s.Type != "say" {
		t.Fatalf("at the start: %+v %v", s, ok)
	}
	pos.step(dialplan.Step{Flow: "main", Node: "a", Type: "say", Edge: "next", Target: "b"})
	pos.step(dialplan.Step{Flow: "main", Node: "b", Type: "goto", Edge: "goto", Target: "x"})
	if s, ok := pos.current(); !ok || s.Node != "x" || s.Type != "menu" {
		t.Fatalf("after the goto: %+v %v", s, ok)
	}
	pos.step(dialplan.Step{Flow: "other", Node: "y", Type: "say", Edge: "next"}) // the end of the flow
	if s, ok := pos.current(); ok {
		t.Fatalf("past the end: %+v", s)
	}
}

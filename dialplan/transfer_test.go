package dialplan_test

import (
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/dialplan"
	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

const transferPlan = `version: 1
queues: {support: {members: [alice]}}
trunks:
  pstn: {host: carrier.example, allow: ["^1[3-9][0-9]{9}$"]}
routes: [{name: r, flow: main}]
flows:
  main:
    start: a
    nodes:
      - {id: a, type: transfer, agent: alice, next: end, failed: b}
      - {id: b, type: transfer, queue: support, next: end, failed: c}
      - {id: c, type: transfer, number: "13800000000", next: end, failed: end, error: d}
      - {id: d, type: say, text: "Sorry.", next: end}
      - {id: end, type: hangup}
`

func TestTransfer(t *testing.T) {
	p, warnings, err := dialplan.Parse("t.yaml", []byte(transferPlan), dialplan.Options{KnownAgents: agents})
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Parse: %v %v", err, warnings)
	}
	if n := p.Flows["main"].Node("c").(*dialplan.TransferNode); n.Trunk == nil || n.Trunk.Name != "pstn" {
		t.Errorf("number transfer trunk = %v", n.Trunk)
	}
	noAgent := QueueOutcome(dialplan.QueueResult{Outcome: dialplan.QueueNoAgent})
	c := NewCaller(noAgent, QueueOutcome(dialplan.QueueResult{Outcome: dialplan.QueueTimeout}))
	path, err := runFlow(t, p.Flows["main"], c)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "path", path, []string{
		"a(transfer) -failed-> b",
		"b(transfer) -failed-> c",
		"c(transfer) -error-> d",
		"d(say) -next-> end",
		"end(hangup) -hangup-> ",
	})
	if ev := c.Events(); !strings.Contains(ev[2], "trunk dialling not available") {
		t.Errorf("events = %q", ev)
	}
	c = NewCaller(Answered("alice"))
	if path, _ := runFlow(t, p.Flows["main"], c); path[0] != "a(transfer) -next-> end" {
		t.Errorf("answered: path %q", path)
	}
}

func TestTransferInvalid(t *testing.T) {
	src := strings.Replace(transferPlan, `number: "13800000000"`, `number: "0049301234"`, 1)
	src = strings.Replace(src, `agent: alice,`, `agent: alcie, queue: support,`, 1)
	src = strings.Replace(src, `queue: support, next: end, failed: c`, `queue: suport, number: "${x}", trunk: pstn, next: end, failed: c`, 1)
	_, _, err := dialplan.Parse("t.yaml", []byte(src), dialplan.Options{KnownAgents: agents})
	wantLines(t, "errors", errorStrings(t, err), []string{
		`t.yaml:10:9: node "a": a transfer needs one target, not 2 (give exactly one of agent, queue or number)`,
		`t.yaml:10:40: node "a": agent "alcie": unknown agent (did you mean "alice"?)`,
		`t.yaml:11:9: node "b": a transfer needs one target, not 2 (give exactly one of agent, queue or number)`,
		`t.yaml:11:40: node "b": queue "suport": no such queue (did you mean "support"?)`,
		`t.yaml:12:41: node "c": number "0049301234": no trunk allows it (external numbers are dialled through trunks: add one whose allow list matches)`,
	})
}

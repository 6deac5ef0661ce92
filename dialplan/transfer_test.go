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
	timeout := QueueOutcome(dialplan.QueueResult{Outcome: dialplan.QueueTimeout})
	c := NewCaller(noAgent, timeout, timeout)
	path, err := runFlow(t, p.Flows["main"], c)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "path", path, []string{
		"a(transfer) -failed-> b",
		"b(transfer) -failed-> c",
		"c(transfer) -failed-> end",
		"end(hangup) -hangup-> ",
	})
	if ev := c.Events(); ev[2] != "transfer 13800000000 via pstn max_wait=30s → timeout" {
		t.Errorf("events = %q", ev)
	}
	// The external number answers: the call with it is over, and the flow goes on.
	c = NewCaller(noAgent, timeout, Answered(""))
	if path, _ := runFlow(t, p.Flows["main"], c); path[2] != "c(transfer) -next-> end" {
		t.Errorf("number answered: path %q", path)
	}
	// Trunk trouble (here: nothing scripted) takes the error edge.
	c = NewCaller(noAgent, timeout)
	if path, _ := runFlow(t, p.Flows["main"], c); path[2] != "c(transfer) -error-> d" {
		t.Errorf("number error: path %q", path)
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

// TestTransferTemplateNotAllowed: a template may expand to anything; a number the trunk does not allow
// takes the error edge and is never dialled (no toll fraud through a CRM field or a caller's keys).
func TestTransferTemplateNotAllowed(t *testing.T) {
	src := `version: 1
trunks:
  pstn: {host: carrier.example, allow: ["^1[3-9][0-9]{9}$"]}
routes: [{name: r, flow: main}]
flows:
  main:
    start: set
    nodes:
      - {id: set, type: set, vars: {target: "${called}"}, next: xfer}
      - {id: xfer, type: transfer, number: "${target}", trunk: pstn, next: end, failed: end, error: sorry}
      - {id: sorry, type: say, text: "Sorry.", next: end}
      - {id: end, type: hangup}
`
	p, _, err := dialplan.Parse("t.yaml", []byte(src), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ called, edge string }{
		{"0044201234567", "xfer(transfer) -error-> sorry"},
		{"13800000000", "xfer(transfer) -next-> end"},
	} {
		c := NewCaller(Answered(""))
		c.Variables["called"] = tt.called
		path, err := runFlow(t, p.Flows["main"], c)
		if err != nil || path[1] != tt.edge {
			t.Errorf("%s: path %q, %v", tt.called, path, err)
		}
		dialled := strings.Contains(strings.Join(c.Events(), "\n"), "transfer "+tt.called)
		if want := tt.called == "13800000000"; dialled != want {
			t.Errorf("%s: dialled %v; events %q", tt.called, dialled, c.Events())
		}
	}
}

func TestTrunkSettings(t *testing.T) {
	src := `version: 1
trunks:
  pstn: {host: "sip.carrier.example:5070", transport: tcp, caller_id: "+861088880000", allow: ["^1"]}
  lab: {host: "10.0.0.9", allow: ["^2"]}
routes: [{name: r, flow: main}]
flows:
  main:
    start: end
    nodes:
      - {id: end, type: hangup}
`
	p, _, err := dialplan.Parse("t.yaml", []byte(src), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tr := p.Trunks["pstn"]; tr.Host != "sip.carrier.example:5070" || tr.Transport != "tcp" || tr.CallerID != "+861088880000" {
		t.Errorf("pstn = %+v", tr)
	}
	if tr := p.Trunks["lab"]; tr.Transport != "udp" || tr.CallerID != "" {
		t.Errorf("lab = %+v (want udp, no caller id)", tr)
	}
	bad := strings.Replace(src, `"sip.carrier.example:5070", transport: tcp, caller_id: "+861088880000"`,
		`"sip.carrier.example:99999", transport: tls, caller_id: "ACME Corp", password: x`, 1)
	bad = strings.Replace(bad, `host: "10.0.0.9"`, `host: "sip:10.0.0.9"`, 1)
	_, _, err = dialplan.Parse("t.yaml", []byte(bad), dialplan.Options{})
	wantLines(t, "errors", errorStrings(t, err), []string{
		`t.yaml:3:16: trunk "pstn": host "sip.carrier.example:99999": port "99999" is not 1-65535 (write a host name or address, optionally with a port: sip.carrier.example:5060)`,
		`t.yaml:3:56: trunk "pstn": transport: unknown value "tls" (one of: udp, tcp)`,
		`t.yaml:3:72: trunk "pstn": caller_id "ACME Corp" is not a phone number (write a phone number such as "+861088880000" (quoted))`,
		`t.yaml:3:85: trunk "pstn": password does not belong in the dialplan (trunk credentials go in hotline.yaml: trunks: {pstn: {username: …, password_env: …}})`,
		`t.yaml:4:15: trunk "lab": host "sip:10.0.0.9": a host, not a SIP URI (write a host name or address, optionally with a port: sip.carrier.example:5060)`,
	})
}

package dialplan_test

import (
	"testing"

	"github.com/hotline-cc/hotline/dialplan"
	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

const gotoPlan = `version: 1
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
      - {id: x, type: say, text: "In other."}
`

func TestGoto(t *testing.T) {
	p, warnings, err := dialplan.Parse("g.yaml", []byte(gotoPlan), dialplan.Options{})
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Parse: %v %v", err, warnings)
	}
	c := NewCaller()
	path, err := runFlow(t, p.Flows["main"], c)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "path", path, []string{"a(say) -next-> b", "b(goto) -goto-> x", "x(say) -next-> "})
	wantLines(t, "events", c.Events(), []string{`say en-US "In main."`, `say en-US "In other."`, "hangup normal"})
}

func TestGotoInvalid(t *testing.T) {
	wantLines(t, "errors", parseErrors(t, "      - {id: a, type: goto, flow: mian}\n"), []string{
		`test.yaml:12:35: node "a": flow "mian": no such flow (did you mean "main"?)`,
	})
}

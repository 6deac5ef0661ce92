package dialplan_test

import (
	"testing"

	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

func TestSet(t *testing.T) {
	f := mustFlow(t, `      - id: a
        type: set
        vars: {who: "caller ${caller}", greeting: "Hello ${who}"}
        next: b
      - {id: b, type: say, text: "${greeting}, it is ${weekday}."}
`)
	c := NewCaller()
	c.Variables["caller"] = "42"
	c.Clock = mustTime(t, "2026-12-25T10:00:00+08:00")
	if _, err := runFlow(t, f, c); err != nil {
		t.Fatal(err)
	}
	if c.Variables["who"] != "caller 42" || c.Variables["greeting"] != "Hello caller 42" {
		t.Errorf("vars = %v", c.Variables)
	}
	wantLines(t, "events", c.Events(), []string{`say en-US "Hello caller 42, it is fri."`, "hangup normal"})
}

func TestSetInvalid(t *testing.T) {
	wantLines(t, "errors", parseErrors(t, `      - id: a
        type: set
        vars: {caller: x, "9x": y, ok: [1]}
`), []string{
		`test.yaml:14:16: node "a": "caller" is a built-in variable and cannot be set (choose another name)`,
		`test.yaml:14:27: node "a": "9x" is not a variable name (use letters, digits, _ and dots, starting with a letter)`,
		`test.yaml:14:40: node "a": vars ok: value must be a string, not a list`,
	})
}

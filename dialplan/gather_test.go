package dialplan_test

import (
	"testing"

	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

const gatherNodes = `      - id: a
        type: gather
        var: order
        prompt: "Enter your order number."
        min_length: 3
        max_length: 5
        next: ok
        timeout: none
        invalid: short
      - {id: ok, type: say, text: "Order ${order}."}
      - {id: none, type: say, text: "Nothing."}
      - {id: short, type: say, text: "Too short."}
`

func TestGather(t *testing.T) {
	f := mustFlow(t, gatherNodes)
	tests := []struct {
		name   string
		script []Action
		want   string
	}{
		{"terminator", []Action{Press("123#")}, `say en-US "Order 123."`},
		{"max length", []Action{Press("1234567")}, `say en-US "Order 12345."`},
		{"inter-digit timeout", []Action{Press("12"), Press("34"), Silence()}, `say en-US "Order 1234."`},
		{"barge-in", []Action{BargeIn("9"), Press("99#")}, `say en-US "Order 999."`},
		{"timeout", []Action{Silence()}, `say en-US "Nothing."`},
		{"too short", []Action{Press("1#")}, `say en-US "Too short."`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCaller(tt.script...)
			if _, err := runFlow(t, f, c); err != nil {
				t.Fatal(err)
			}
			ev := c.Events()
			if len(ev) < 2 || ev[len(ev)-2] != tt.want {
				t.Errorf("events = %q, want %s before the hangup", ev, tt.want)
			}
		})
	}
}

func TestGatherInvalid(t *testing.T) {
	wantLines(t, "errors", parseErrors(t, `      - id: a
        type: gather
        var: language
        min_length: 6
        max_length: 4
        terminator: "5"
        digit_timeout: 5
`), []string{
		`test.yaml:14:14: node "a": "language" is a built-in variable and cannot be set (choose another name)`,
		`test.yaml:16:21: node "a": max_length 4 is less than min_length 6`,
		`test.yaml:17:21: node "a": terminator "5" is not * or # (use "#", "*" or "")`,
		`test.yaml:18:24: node "a": digit_timeout: duration "5" has no unit (write 5s)`,
	})
}

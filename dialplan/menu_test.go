package dialplan_test

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

// menuNodes is a menu with every option set; the menu is on line 12.
const menuNodes = `      - id: a
        type: menu
        prompt: "Press 1 for sales, # for the operator."
        options: {"1": sales, "#": operator}
        timeout: 3s
        retries: 1
        invalid_prompt: "Invalid."
        timeout_prompt: "No key."
        nomatch: bye
      - {id: sales, type: say, text: "Sales."}
      - {id: operator, type: say, text: "Operator."}
      - {id: bye, type: hangup, cause: normal}
`

const menuPrompt = `say en-US "Press 1 for sales, # for the operator."`

func TestMenuValid(t *testing.T) {
	f := mustFlow(t, menuNodes)
	m := f.Node("a").(*dialplan.MenuNode)
	if m.Timeout != 3*time.Second || m.Retries != 1 || len(m.Options) != 2 || m.Options[1].Name != "#" {
		t.Errorf("menu = %+v", m)
	}
	var edges []string
	for _, e := range m.Edges() {
		edges = append(edges, e.Name+":"+e.Target)
	}
	wantLines(t, "edges", edges, []string{"1:sales", "#:operator", "nomatch:bye"})

	// Defaults: timeout from settings, two retries.
	f = mustFlow(t, `      - {id: a, type: menu, prompt: "Choose.", options: {"1": a}}
`)
	m = f.Node("a").(*dialplan.MenuNode)
	if m.Timeout != dialplan.DefaultDigitTimeout || m.Retries != dialplan.DefaultMenuRetries {
		t.Errorf("defaults: timeout %v, retries %d", m.Timeout, m.Retries)
	}
}

func TestMenuInvalid(t *testing.T) {
	got := parseErrors(t, `      - id: a
        type: menu
        options: {"1": b, "12": b, x: b, "3": salse, "4": [b]}
        timeout: 5
        retries: -1
        invalid_prompt: {en-GB: "Sorry"}
        nomatch: sale
      - {id: b, type: menu, prompt: "Choose.", options: [b], retries: two, timeout: 1h2x}
      - {id: sales, type: say, text: "Sales."}
`)
	wantLines(t, "errors", got, []string{
		`test.yaml:12:9: node "a": missing required key "prompt"`,
		`test.yaml:14:27: node "a": option "12" is not a phone key (a key is one of 0-9, "*" or "#"; quote "*" and "#")`,
		`test.yaml:14:36: node "a": option "x" is not a phone key (a key is one of 0-9, "*" or "#"; quote "*" and "#")`,
		`test.yaml:14:47: node "a": option "3" → "salse": no such node (did you mean "sales"?)`,
		`test.yaml:14:59: node "a": option "4" must name a node, not a list`,
		`test.yaml:15:18: node "a": timeout: duration "5" has no unit (write 5s)`,
		`test.yaml:16:18: node "a": retries must be between 0 and 10, not -1`,
		`test.yaml:17:26: node "a": invalid_prompt: unknown language "en-GB" (did you mean "en-US"?)`,
		`test.yaml:18:18: node "a": nomatch → "sale": no such node (did you mean "sales"?)`,
		`test.yaml:19:57: node "b": options must be a mapping of key to node, not a list (write options: {"1": sales, "2": support})`,
		`test.yaml:19:71: node "b": retries must be a whole number, not "two"`,
		`test.yaml:19:85: node "b": timeout: invalid duration "1h2x" (write a number with a unit, like 5s, 1m30s or 500ms)`,
	})
}

func TestMenuRun(t *testing.T) {
	f := mustFlow(t, menuNodes)
	tests := []struct {
		name   string
		script []Action
		path   []string
		events []string
	}{{
		name:   "valid key",
		script: []Action{Press("1")},
		path:   []string{"a(menu) -1-> sales", "sales(say) -next-> "},
		events: []string{menuPrompt, "key 1", `say en-US "Sales."`, "hangup normal"},
	}, {
		name:   "star and hash keys",
		script: []Action{Press("#")},
		path:   []string{"a(menu) -#-> operator", "operator(say) -next-> "},
		events: []string{menuPrompt, "key #", `say en-US "Operator."`, "hangup normal"},
	}, {
		name:   "invalid key, then a valid one",
		script: []Action{Press("7"), Press("1")},
		path:   []string{"a(menu) -1-> sales", "sales(say) -next-> "},
		events: []string{menuPrompt, "key 7", `say en-US "Invalid."`, menuPrompt, "key 1", `say en-US "Sales."`, "hangup normal"},
	}, {
		name:   "timeout, then a valid key",
		script: []Action{Silence(), Press("1")},
		path:   []string{"a(menu) -1-> sales", "sales(say) -next-> "},
		events: []string{menuPrompt, "key timeout", `say en-US "No key."`, menuPrompt, "key 1", `say en-US "Sales."`, "hangup normal"},
	}, {
		name:   "retries exhausted",
		script: []Action{Press("9"), Silence()},
		path:   []string{"a(menu) -nomatch-> bye", "bye(hangup) -hangup-> "},
		events: []string{menuPrompt, "key 9", `say en-US "Invalid."`, menuPrompt, "key timeout", `say en-US "No key."`, "hangup normal"},
	}, {
		name:   "barge-in stops the prompt",
		script: []Action{BargeIn("1")},
		path:   []string{"a(menu) -1-> sales", "sales(say) -next-> "},
		events: []string{menuPrompt + " (barge-in 1)", "key 1", `say en-US "Sales."`, "hangup normal"},
	}, {
		name:   "keys typed ahead of a retry are discarded",
		script: []Action{Press("78"), Press("1")},
		path:   []string{"a(menu) -1-> sales", "sales(say) -next-> "},
		events: []string{menuPrompt, "key 7", `say en-US "Invalid."`, "flush 8", menuPrompt, "key 1", `say en-US "Sales."`, "hangup normal"},
	}, {
		name:   "caller hangs up while waiting",
		script: []Action{HangUp()},
		path:   []string{"a(menu) --> "},
		events: []string{"caller hangs up"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCaller(tt.script...)
			path, err := runFlow(t, f, c)
			if err != nil {
				t.Fatal(err)
			}
			wantLines(t, "path", path, tt.path)
			wantLines(t, "events", c.Events(), tt.events)
			wantNoUnused(t, c)
		})
	}
}

func TestMenuWithoutNomatchEndsTheCall(t *testing.T) {
	f := mustFlow(t, `      - {id: a, type: menu, prompt: "Choose.", options: {"1": a}, retries: 0}
`)
	c := NewCaller(Silence())
	path, err := runFlow(t, f, c)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "path", path, []string{"a(menu) -nomatch-> "})
	wantLines(t, "events", c.Events(), []string{`say en-US "Choose."`, "key timeout", "hangup normal"})
}

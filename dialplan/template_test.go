package dialplan_test

import (
	"testing"

	"github.com/hotline-cc/hotline/dialplan"
	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

func TestTemplateWarnings(t *testing.T) {
	src := `version: 1
routes: [{name: r, flow: main}]
flows:
  main:
    start: a
    nodes:
      - {id: a, type: say, text: {en-US: "Hi ${name}, ${caller} at ${time}.", zh-CN: "${nmae}"}, next: b}
      - {id: b, type: set, vars: {name: x, greeting: "${undefined_thing}"}, next: c}
      - {id: c, type: branch, cases: [{if: 'tier == "gold"', then: a}]}
`
	_, warnings, err := dialplan.Parse("t.yaml", []byte(src), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range warnings {
		got = append(got, w.Error())
	}
	wantLines(t, "warnings", got, []string{
		`t.yaml:7:34: node "a": variable "nmae" is never set (no set, gather, http or record node sets it); it reads as empty (did you mean "name"?)`,
		`t.yaml:8:54: node "b": variable "undefined_thing" is never set (no set, gather, http or record node sets it); it reads as empty`,
		`t.yaml:9:44: node "c": variable "tier" is never set (no set, gather, http or record node sets it); it reads as empty (did you mean "time"?)`,
	})
}

func TestTemplateExpand(t *testing.T) {
	c := NewCaller()
	c.Clock = mustTime(t, "2026-12-24T23:30:00Z")
	c.Variables = map[string]string{"caller": "42", "x": "1"}
	loc := mustLoc(t, "Asia/Shanghai")
	got := dialplan.Expand(c, loc, "${caller} ${x} ${y} ${language} ${date} ${time} ${weekday} ${now} $x ${")
	if want := "42 1  en-US 2026-12-25 07:30 fri 2026-12-25T07:30:00+08:00 $x ${"; got != want {
		t.Errorf("Expand = %q, want %q", got, want)
	}
}

// ExpandKnown fills what the call has, built-ins included, and keeps the rest for a later stage.
func TestTemplateExpandKnown(t *testing.T) {
	c := NewCaller()
	c.Clock = mustTime(t, "2026-12-24T23:30:00Z")
	c.Variables = map[string]string{"caller": "42", "empty": ""}
	got := dialplan.ExpandKnown(c, mustLoc(t, "Asia/Shanghai"), "/c?p=${caller}&l=${language}&d=${date}&e=${empty}&o=${order_id}")
	if want := "/c?p=42&l=en-US&d=2026-12-25&e=&o=${order_id}"; got != want {
		t.Errorf("ExpandKnown = %q, want %q", got, want)
	}
}

func TestMalformedTemplate(t *testing.T) {
	wantLines(t, "errors", parseErrors(t, "      - {id: a, type: say, text: \"Hi ${first name}\"}\n"), []string{
		`test.yaml:12:34: node "a": text: malformed template in "Hi ${first name}" (write ${name}, with a name of letters, digits, _ and dots)`,
	})
}

func TestSpinningLoopWarning(t *testing.T) {
	src := `version: 1
routes: [{name: r, flow: main}]
flows:
  main:
    start: a
    nodes:
      - {id: a, type: set, vars: {n: "1"}, next: b}
      - {id: b, type: branch, cases: [{if: 'n == "1"', then: c}], else: d}
      - {id: c, type: goto, flow: other}
      - {id: d, type: menu, prompt: hi, options: {"1": a}}
  other:
    start: x
    nodes:
      - {id: x, type: http, url: "http://x.local/", success: y, failure: y}
      - {id: y, type: goto, flow: main}
`
	_, warnings, err := dialplan.Parse("l.yaml", []byte(src), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range warnings {
		got = append(got, w.Error())
	}
	wantLines(t, "warnings", got, []string{
		`l.yaml:7:14: node "a": loop without waiting for the caller: a → b → c → other/x → other/y → a (put a node that waits for the caller (menu, gather, say…) in the loop)`,
	})
}

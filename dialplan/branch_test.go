package dialplan_test

import (
	"testing"

	"github.com/hotline-cc/hotline/dialplan"
	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

const branchPlan = `version: 1
settings:
  timezone: Asia/Shanghai
  calendars:
    office: {hours: {mon-fri: "09:00-17:00"}, holidays: ["2026-12-25"]}
routes: [{name: r, flow: main}]
flows:
  main:
    start: a
    nodes:
      - id: a
        type: branch
        cases:
          - {if: 'tier == "gold" && open(office)', then: vip}
          - {if: '!open("office") || weekday == "sat"', then: closed}
          - {if: 'caller =~ "^\\+86" || (count >= 10 && time < "12:00")', then: morning}
        else: other
      - {id: vip, type: say, text: vip}
      - {id: closed, type: say, text: closed}
      - {id: morning, type: say, text: morning}
      - {id: other, type: say, text: other}
      - {id: setter, type: set, vars: {tier: x, count: "1"}, next: a}
`

func TestBranch(t *testing.T) {
	p, _, err := dialplan.Parse("b.yaml", []byte(branchPlan), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		at, caller, tier, count, want string
	}{
		{"2026-12-24T10:00:00+08:00", "1", "gold", "", "vip"},
		{"2026-12-25T10:00:00+08:00", "1", "gold", "", "closed"}, // holiday
		{"2026-12-24T20:00:00+08:00", "1", "gold", "", "closed"},
		{"2026-12-24T10:00:00+08:00", "+8613", "", "", "morning"},
		{"2026-12-24T10:00:00+08:00", "1", "", "10", "morning"},
		{"2026-12-24T10:00:00+08:00", "1", "", "9", "other"}, // numbers compare as numbers
		{"2026-12-24T13:00:00+08:00", "1", "", "10", "other"},
	}
	for _, tt := range tests {
		c := NewCaller()
		c.Clock = mustTime(t, tt.at)
		c.Variables = map[string]string{"caller": tt.caller, "tier": tt.tier, "count": tt.count}
		if _, err := runFlow(t, p.Flows["main"], c); err != nil {
			t.Fatal(err)
		}
		if ev := c.Events(); ev[0] != `say en-US "`+tt.want+`"` {
			t.Errorf("%+v: events %q", tt, ev)
		}
	}
}

func TestBranchInvalid(t *testing.T) {
	wantLines(t, "errors", parseErrors(t, `      - id: a
        type: branch
        cases:
          - {if: 'tier = "gold"', then: a}
          - {if: 'open(ofice)', then: a}
          - {if: "x =~ \"(\"", then: a}
          - {if: '(a == b', then: nowhere}
          - {then: a}
`), []string{
		`test.yaml:15:24: node "a": case 1: if: unexpected character '='; compare with ==`,
		`test.yaml:16:24: node "a": case 2: if: calendar "ofice": no such calendar`,
		"test.yaml:17:24: node \"a\": case 3: if: invalid regular expression: missing closing ): `(`",
		`test.yaml:18:26: node "a": case 4: if: missing )`,
		`test.yaml:18:35: node "a": case 4 then → "nowhere": no such node`,
		`test.yaml:19:13: node "a": case 5: missing required key "if"`,
	})
}

func TestBranchOnCustomerTag(t *testing.T) {
	f := mustFlow(t, `      - id: a
        type: branch
        cases:
          - {if: 'tagged("vip")', then: vip}
        else: other
      - {id: vip, type: say, text: "Welcome back, ${customer.name}."}
      - {id: other, type: say, text: other}
`)
	for tags, want := range map[string]string{"vip": "Welcome back, Li Wei.", "new,vip": "Welcome back, Li Wei.", "vipx": "other", "": "other"} {
		c := NewCaller()
		c.Variables["customer.tags"], c.Variables["customer.name"] = tags, "Li Wei"
		if _, err := runFlow(t, f, c); err != nil {
			t.Fatal(err)
		}
		if ev := c.Events(); ev[0] != `say en-US "`+want+`"` {
			t.Errorf("tags %q: events %q", tags, ev)
		}
	}
	wantLines(t, "errors", parseErrors(t, `      - id: a
        type: branch
        cases: [{if: 'tagged(vip)', then: a}]
`), []string{`test.yaml:14:30: node "a": case 1: if: tagged( needs a tag in quotes: tagged("vip")`})
}

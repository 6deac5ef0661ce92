package rules

import (
	"errors"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	s, err := Load("../configs/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range s.Rules() {
		ids = append(ids, r.ID)
		if r.Name == "" || r.Condition() == "" || r.Line == 0 {
			t.Errorf("rule %+v incomplete", r)
		}
	}
	want := "cancellation-threat complaint no-greeting long-silence angry-caller escalation repeat-caller refund-request"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("ids %q, want %q", got, want)
	}
	if r := s.Rules()[0]; !r.Realtime || r.Line != 21 {
		t.Errorf("first rule realtime %v line %d", r.Realtime, r.Line)
	}
	if len(s.Hash()) != 64 {
		t.Errorf("hash %q", s.Hash())
	}
	other, err := Parse("x.yaml", []byte("rules: []\n"))
	if err != nil || other.Hash() == s.Hash() || len(other.Rules()) != 0 {
		t.Errorf("empty rules: %v, %v", other, err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string // every error, in order
	}{
		{"empty", "", []string{`rules.yaml:1: the rules file is empty (start with: rules:)`}},
		{"syntax", "rules:\n  - id: a\n   name: b\n", []string{`rules.yaml:3: invalid YAML: did not find expected '-' indicator`}},
		{"top key", "rulez: []\n", []string{
			`rules.yaml:1: missing required key "rules"`,
			`rules.yaml:1: unknown key "rulez" (did you mean "rules"?)`}},
		{"not a list", "rules: {a: 1}\n", []string{`rules.yaml:1: rules must be a list, not a mapping (write a list of rules, each starting with "- id:")`}},
		{"many at once", `rules:
  - id: a
    name: A
    phrase: {party: callr, text: [hi]}
  - id: b
    nme: B
    sentiment: {below: -2}
  - id: a
    name: A again
    silence: {longest_over: 10}
`, []string{
			`rules.yaml:4: rule "a": phrase: party: unknown value "callr" (did you mean "caller"?)`,
			`rules.yaml:5: rule "b": missing required key "name"`,
			`rules.yaml:6: rule "b": unknown key "nme" (did you mean "name"?)`,
			`rules.yaml:7: rule "b": sentiment: below must be between -1 and 1, not -2`,
			`rules.yaml:8: rule "a": duplicate rule id "a" (first given at line 2)`,
			`rules.yaml:10: rule "a": silence: longest_over: duration "10" has no unit (write 10s)`}},
		{"no condition", "rules:\n  - id: a\n    name: A\n", []string{
			`rules.yaml:2: rule "a": a rule needs a condition (one of: all, any, not, phrase, sentiment, silence, duration, interruptions, overtalk, agent_talk_ratio, disposition, queue, wait, intent)`}},
		{"two conditions", "rules:\n  - id: a\n    name: A\n    queue: [x]\n    wait: {over: 1m}\n", []string{
			`rules.yaml:5: rule "a": a rule has one condition key, not both queue and wait (combine conditions under all: or any:)`}},
		{"nested", `rules:
  - id: a
    name: A
    all:
      - phrase: {text: [x], match: regexp}
      - not: {sentimnet: {below: 0}}
      - any: []
      - duration: {over: 10m, under: 5m}
      - interruptions: {party: caller}
      - phrase: {text: ["(unclosed"], match: regex}
`, []string{
			`rules.yaml:5: rule "a": phrase: match: unknown value "regexp" (did you mean "regex"?)`,
			`rules.yaml:6: rule "a": not: unknown key "sentimnet" (did you mean "sentiment"?)`,
			`rules.yaml:7: rule "a": any must be a non-empty list of conditions, not a list (write a list of conditions: - phrase: ...)`,
			`rules.yaml:8: rule "a": duration: under 5m is not above over 10m: nothing can match`,
			`rules.yaml:9: rule "a": interruptions: missing required key "at_least"`,
			`rules.yaml:10: rule "a": phrase: text: invalid regular expression "(unclosed": missing closing ): ` + "`(unclosed`"}},
		{"leaf values", `rules:
  - id: a
    name: A
    any:
      - sentiment: {party: caller}
      - sentiment: {party: agent, label: negative}
      - silence: {}
      - agent_talk_ratio: {over: 1.5}
      - disposition: []
      - wait: {over: -1s}
      - phrase: {party: any}
      - realtime: yes
`, []string{
			`rules.yaml:5: rule "a": sentiment: sentiment needs below, above or label (write below: -0.3, above: 0.5 or label: negative)`,
			`rules.yaml:6: rule "a": sentiment: label is the caller's overall sentiment, not the agent's (drop party, or test a score with below/above)`,
			`rules.yaml:7: rule "a": silence: silence needs longest_over or share_over (write longest_over: 10s, share_over: 0.3, or both)`,
			`rules.yaml:8: rule "a": agent_talk_ratio: over must be between 0 and 1, not 1.5`,
			`rules.yaml:9: rule "a": disposition must be a non-empty list of strings, not a list (write a list, like [a, b])`,
			`rules.yaml:10: rule "a": wait: over: duration must be positive, not -1s`,
			`rules.yaml:11: rule "a": phrase: missing required key "text"`,
			`rules.yaml:12: rule "a": any: unknown key "realtime" (valid keys: all, any, not, phrase, sentiment, silence, duration, interruptions, overtalk, agent_talk_ratio, disposition, queue, wait, intent)`}},
		{"rule fields", "rules:\n  - id: 'a b'\n    name: ''\n    realtime: maybe\n    queue: [x]\n  - just a string\n", []string{
			`rules.yaml:2: rule "a b": id "a b" is not a plain name (use letters, digits, _, - and .)`,
			`rules.yaml:3: rule "a b": name must not be empty`,
			`rules.yaml:4: rule "a b": realtime must be true or false, not "maybe" (write true or false)`,
			`rules.yaml:6: a rule must be a mapping, not "just a string"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("rules.yaml", []byte(c.src))
			if err == nil {
				t.Fatalf("no error; rules %+v", s.Rules())
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %T %v is not an ErrorList", err, err)
			}
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestLoadBroken(t *testing.T) {
	_, err := Load("testdata/broken.yaml")
	want := []string{
		`testdata/broken.yaml:6: rule "cancel": phrase: party: unknown value "callr" (did you mean "caller"?)`,
		`testdata/broken.yaml:10: rule "silence": silence: longest_over: duration "10" has no unit (write 10s)`,
		`testdata/broken.yaml:11: rule "cancel": duplicate rule id "cancel" (first given at line 3)`,
		`testdata/broken.yaml:16: rule "angry": unknown key "sentimnet" (did you mean "sentiment"?)`,
		`testdata/broken.yaml:20: rule "wait": unknown key "discription" (did you mean "description"?)`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("errors:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
	if _, err := Load("testdata/missing.yaml"); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

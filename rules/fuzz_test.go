package rules

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
)

var positionRE = regexp.MustCompile(`^f\.yaml:[1-9][0-9]*: `)

// FuzzParse checks that Parse never panics, that every error it reports has file:line, and that
// an accepted set evaluates any of the test calls without panicking.
func FuzzParse(f *testing.F) {
	data, err := os.ReadFile("../configs/rules.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(ruleA))
	f.Add([]byte(broken))
	f.Add([]byte("rules:\n  - id: a\n    name: A\n    all:\n      - not: {any: [{wait: {over: 1s}}, {phrase: {text: ['(x'], match: regex}}]}\n"))
	f.Add([]byte("rules: [{id: &x a, name: *x, sentiment: {below: .5, above: -1}}]\n"))
	f.Add([]byte("rules:\n\t- id: a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.yaml", data)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %v is not a non-empty ErrorList", err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !positionRE.MatchString(line) {
					t.Fatalf("error without file:line: %q", line)
				}
			}
			return
		}
		for _, c := range []func() any{func() any { return s.Evaluate(call()) }, func() any { return s.Evaluate(zhCall()) }} {
			c()
		}
		for _, r := range s.Rules() {
			_ = r.Condition()
		}
	})
}

package rules

import (
	"strings"
	"testing"
)

// TestAliasBomb: aliases that repeat a condition list inside itself are refused, not expanded.
func TestAliasBomb(t *testing.T) {
	for _, src := range []string{
		"rules: [{id: a, name: A, all: &x [{any: *x}]}]\n",
		"rules: [{id: a, name: A, all: &x [{any: *x}, {all: *x}, {not: {any: *x}}]}]\n",
	} {
		_, err := Parse("f.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), "f.yaml:1: rule \"a\"") ||
			!strings.Contains(err.Error(), "conditions nested more than 32 deep") {
			t.Errorf("Parse(%q): %v", src, err)
		}
	}
}

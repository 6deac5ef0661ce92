package dialplan

import (
	"errors"
	"testing"
)

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"sales", "sales", 0},
		{"salse", "sales", 1}, // a swap is one edit
		{"sya", "say", 1},
		{"kitten", "sitting", 3},
		{"菜单", "菜", 1},
	}
	for _, tt := range tests {
		if got := levenshtein(tt.a, tt.b); got != tt.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := levenshtein(tt.b, tt.a); got != tt.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	names := []string{"agent", "goodbye", "hours", "menu", "sales"}
	tests := []struct{ in, want string }{
		{"salse", `did you mean "sales"?`},
		{"godbye", `did you mean "goodbye"?`},
		{"Menu", `did you mean "menu"?`},
		{"xyz", ""},
		{"ab", ""},
		{"sales", ""}, // exact names are not typos
	}
	for _, tt := range tests {
		if got := didYouMean(tt.in, names); got != tt.want {
			t.Errorf("didYouMean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestErrorRendering(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "dialplan.yaml", Line: 23, Column: 14, Node: "menu", Msg: `option "3" → "salse": no such node`, Hint: `did you mean "sales"?`},
			`dialplan.yaml:23:14: node "menu": option "3" → "salse": no such node (did you mean "sales"?)`},
		{Error{File: "d.yaml", Line: 4, Msg: "invalid YAML"}, "d.yaml:4: invalid YAML"},
		{Error{File: "d.yaml", Msg: "empty"}, "d.yaml: empty"},
		{Error{Msg: "bare"}, "bare"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %s\nwant %s", got, tt.want)
		}
	}
	list := ErrorList{&tests[0].e, &tests[1].e}
	if got, want := list.Error(), tests[0].want+"\n"+tests[1].want; got != want {
		t.Errorf("ErrorList = %q", got)
	}
	var e *Error
	if !errors.As(error(list), &e) || e != &tests[0].e {
		t.Error("errors.As does not find the first *Error")
	}
}

package textdiff

import (
	"strings"
	"testing"
)

func TestUnified(t *testing.T) {
	a := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
	b := "a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\n"
	got := Unified("v1", "v2", a, b, 1)
	want := "--- v1\n+++ v2\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n@@ -10,1 +10,2 @@\n j\n+k\n"
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	if Unified("x", "y", a, a, 3) != "" {
		t.Fatal("equal texts produced a diff")
	}
}

func TestUnifiedAppliesBack(t *testing.T) {
	cases := [][2]string{
		{"", "x\ny\n"},
		{"x\ny\n", ""},
		{"one\ntwo\nthree\n", "zero\none\nthree\nfour\n"},
		{strings.Repeat("same\n", 50) + "old\n" + strings.Repeat("tail\n", 50), strings.Repeat("same\n", 50) + "new\n" + strings.Repeat("tail\n", 50)},
	}
	for _, c := range cases {
		ops := diff(lines(c[0]), lines(c[1]))
		var ra, rb []string
		for _, o := range ops {
			if o.kind != '+' {
				ra = append(ra, o.line)
			}
			if o.kind != '-' {
				rb = append(rb, o.line)
			}
		}
		if strings.Join(ra, "\n") != strings.Join(lines(c[0]), "\n") || strings.Join(rb, "\n") != strings.Join(lines(c[1]), "\n") {
			t.Fatalf("edit script does not reproduce the inputs for %q → %q", c[0], c[1])
		}
	}
}

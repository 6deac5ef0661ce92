package customer

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, cc, want string }{
		{"+86 138 0013 8000", "86", "+8613800138000"},
		{"008613800138000", "86", "+8613800138000"},
		{"8613800138000", "86", "+8613800138000"},
		{"13800138000", "86", "+8613800138000"},
		{"010-6552 9988", "86", "+861065529988"},
		{"0755-8888 1234", "86", "+8675588881234"},
		{"sip:13800138000@10.0.0.1;user=phone", "86", "+8613800138000"},
		{"<sip:+8613800138000@example.com>", "86", "+8613800138000"},
		{"tel:+1-415-555-0100", "86", "+14155550100"},
		{"(415) 555-0100", "1", "+14155550100"},
		{"14155550100", "1", "+14155550100"},
	} {
		got, err := Normalize(c.in, c.cc)
		if err != nil || got != c.want {
			t.Errorf("Normalize(%q, %q) = %q, %v; want %q", c.in, c.cc, got, err, c.want)
		}
	}
	for _, in := range []string{"", "alice", "sip:alice@example.com", "12", "+0123456789", "+1234567890123456", "138-abc", "0"} {
		if got, err := Normalize(in, "86"); !errors.Is(err, ErrNotPhone) {
			t.Errorf("Normalize(%q) = %q, %v; want ErrNotPhone", in, got, err)
		} else if !strings.Contains(err.Error(), "phone") {
			t.Errorf("unclear error %v", err)
		}
	}
	if _, err := Normalize("13800138000", "x1"); err == nil {
		t.Error("bad default country accepted")
	}
}

// FuzzNormalize checks that whatever Normalize accepts is E.164 and stays the same when
// normalised again.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"+8613800138000", "0086 10 1234 5678", "sip:1@x", "(415) 555-0100", "0755-1", "+", "00"} {
		f.Add(s, "86")
		f.Add(s, "1")
	}
	f.Fuzz(func(t *testing.T, in, cc string) {
		got, err := Normalize(in, cc)
		if err != nil {
			return
		}
		if len(got) < 9 || len(got) > 16 || got[0] != '+' || got[1] == '0' {
			t.Fatalf("Normalize(%q, %q) = %q: not E.164", in, cc, got)
		}
		for _, r := range got[1:] {
			if r < '0' || r > '9' {
				t.Fatalf("Normalize(%q, %q) = %q: not digits", in, cc, got)
			}
		}
		again, err := Normalize(got, cc)
		if err != nil || again != got {
			t.Fatalf("Normalize(%q) again = %q, %v", got, again, err)
		}
	})
}

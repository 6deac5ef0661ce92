package customer

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotPhone is wrapped by Normalize's errors.
var ErrNotPhone = errors.New("not a phone number")

// Normalize returns phone in E.164 ("+8613800138000"). It accepts "+86…", "0086…", "86…",
// national numbers with a trunk 0 ("010-6552 9988", "0755…"), bare Chinese mobiles
// ("13800138000"), US 10-digit numbers when defaultCountry is "1", and the user part of
// sip:/sips:/tel: URIs. Spaces, dashes, dots and parentheses are ignored. defaultCountry is a
// calling code without "+" ("86"); numbers without one get it.
func Normalize(phone, defaultCountry string) (string, error) {
	s := strings.TrimSpace(phone)
	orig := s
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("phone %q: %s: %w", orig, why, ErrNotPhone)
	}
	if s == "" {
		return bad("empty")
	}
	s = strings.Trim(s, "<>")
	for _, scheme := range []string{"sips:", "sip:", "tel:"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			s = s[len(scheme):]
			break
		}
	}
	if i := strings.IndexAny(s, "@;"); i >= 0 {
		s = s[:i]
	}
	plus := strings.HasPrefix(s, "+")
	if plus {
		s = s[1:]
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return bad(fmt.Sprintf("unexpected %q", r))
		}
	}
	d := b.String()
	cc := strings.TrimPrefix(strings.TrimSpace(defaultCountry), "+")
	for _, r := range cc {
		if r < '0' || r > '9' {
			return "", fmt.Errorf("default country %q: not a calling code", defaultCountry)
		}
	}
	switch {
	case plus:
	case strings.HasPrefix(d, "00"):
		d = d[2:]
	case cc == "86" && len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9':
		d = cc + d // a mobile
	case cc == "86" && len(d) == 13 && strings.HasPrefix(d, "861"):
		// 86 and a mobile, without the +
	case cc == "1" && len(d) == 10:
		d = cc + d
	case cc == "1" && len(d) == 11 && d[0] == '1':
	case strings.HasPrefix(d, "0") && len(d) >= 9 && cc != "":
		d = cc + d[1:] // national number with a trunk prefix
	case cc != "" && strings.HasPrefix(d, cc) && len(d) >= 11:
		// already carries the country code
	case cc != "" && len(d) >= 7 && len(d) <= 12:
		d = cc + d
	default:
		return bad("no country code")
	}
	if d == "" || d[0] == '0' {
		return bad("country code cannot start with 0")
	}
	if len(d) < 8 || len(d) > 15 {
		return bad(fmt.Sprintf("%d digits, E.164 has 8 to 15", len(d)))
	}
	return "+" + d, nil
}

package rules

import (
	"fmt"
	"strings"
)

// Error is one problem in a rules file, at the line it refers to.
type Error struct {
	File   string
	Line   int    // 1-based
	Column int    // 1-based; 0 when unknown. Not shown in Error(): lines are what editors jump to
	Rule   string // the id of the rule the problem is in, or ""
	Msg    string
	Hint   string // a suggestion, such as `did you mean "caller"?`, or ""
}

// Error renders the problem as file:line: rule "id": message (hint).
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	if e.Rule != "" {
		fmt.Fprintf(&b, "rule %q: ", e.Rule)
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	return b.String()
}

// ErrorList is every problem found in a rules file, in file order.
type ErrorList []*Error

// Error renders one problem per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find the individual *Error values.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// didYouMean returns a hint naming the candidate closest to s, or "" when none is close enough to
// be a plausible typo. (The dialplan has the same helper; it is copied, not imported, so that the
// two file formats do not depend on each other.)
func didYouMean(s string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		if c == s {
			continue
		}
		d := levenshtein(strings.ToLower(s), strings.ToLower(c))
		if bestDist < 0 || d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > max(1, min(len(s), len(best))/2) {
		return ""
	}
	return fmt.Sprintf("did you mean %q?", best)
}

// levenshtein is the edit distance between a and b in runes, counting a swap of two adjacent
// runes as one edit, since swapped letters are the commonest typo.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

package dialplan

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors callers check with errors.Is.
var (
	// ErrHangup is returned by a Call when the caller hung up during an operation. Run treats it as the
	// normal end of the call.
	ErrHangup = errors.New("dialplan: caller hung up")
	// ErrStepBudget is returned by Run when a flow ran MaxSteps nodes, which means it loops.
	ErrStepBudget = errors.New("dialplan: step budget exhausted")
)

// Error is one problem found in a dialplan file, with the position it refers to.
type Error struct {
	File   string
	Line   int    // 1-based; 0 when the position is unknown
	Column int    // 1-based; 0 when only the line is known
	Node   string // id of the flow node the problem is in, or ""
	Msg    string
	Hint   string // a suggestion, such as "did you mean \"sales\"?", or ""
}

// Error renders the problem as file:line:column: node "id": message (hint).
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Node != "" {
		fmt.Fprintf(&b, "node %q: ", e.Node)
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	return b.String()
}

// ErrorList is every error found in a dialplan, in file order.
type ErrorList []*Error

// Error renders one error per line.
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

// didYouMean returns a hint naming the candidate closest to s, or "" when none is close enough to be a
// plausible typo.
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
	if bestDist < 0 {
		return ""
	}
	limit := max(1, min(len(s), len(best))/2)
	if bestDist > limit {
		return ""
	}
	return fmt.Sprintf("did you mean %q?", best)
}

// levenshtein is the edit distance between a and b in runes, counting a swap of two adjacent runes as one
// edit (the optimal string alignment variant), since swapped letters are the commonest typo.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// d[i][j] is the distance between ra[:i] and rb[:j]; three rows are enough.
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

// Package textdiff renders line diffs of texts (dialplan versions) in the
// unified format ops people know from `diff -u` and code review.
package textdiff

import (
	"fmt"
	"strings"
)

type op struct {
	kind byte // ' ', '-', '+'
	line string
}

// lines splits text into lines without their newlines.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n")
}

// diff computes an edit script with Myers' O(ND) algorithm.
func diff(a, b []string) []op {
	n, m := len(a), len(b)
	max := n + m
	if max == 0 {
		return nil
	}
	v := make([]int, 2*max+2)
	var trace [][]int
	off := max + 1
	for d := 0; d <= max; d++ {
		vc := make([]int, len(v))
		copy(vc, v)
		trace = append(trace, vc)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, a, b, off, d)
			}
		}
	}
	return nil
}

func backtrack(trace [][]int, a, b []string, off, d int) []op {
	x, y := len(a), len(b)
	var out []op
	for ; d > 0; d-- {
		v := trace[d]
		k := x - y
		var pk int
		if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := v[off+pk]
		py := px - pk
		for x > px && y > py {
			out = append(out, op{' ', a[x-1]})
			x--
			y--
		}
		if x == px {
			out = append(out, op{'+', b[y-1]})
			y--
		} else {
			out = append(out, op{'-', a[x-1]})
			x--
		}
	}
	for x > 0 && y > 0 {
		out = append(out, op{' ', a[x-1]})
		x--
		y--
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Unified returns a unified diff of a and b with ctx lines of context, or
// "" when they are equal.
func Unified(nameA, nameB, a, b string, ctx int) string {
	ops := diff(lines(a), lines(b))
	changed := false
	for _, o := range ops {
		if o.kind != ' ' {
			changed = true
			break
		}
	}
	if !changed {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", nameA, nameB)
	// Walk hunks: runs of changes with ctx lines around them.
	i := 0
	lineA, lineB := 1, 1
	for i < len(ops) {
		if ops[i].kind == ' ' {
			i++
			lineA++
			lineB++
			continue
		}
		start := i - ctx
		if start < 0 {
			start = 0
		}
		// Extend the hunk while changes are within 2*ctx of each other.
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*ctx {
				end = min(end+ctx, len(ops))
				break
			}
			end = run
		}
		sa, sb0 := lineA-(i-start), lineB-(i-start)
		var ca, cb int
		for _, o := range ops[start:end] {
			if o.kind != '+' {
				ca++
			}
			if o.kind != '-' {
				cb++
			}
		}
		fmt.Fprintf(&sb, "@@ -%d,%d +%d,%d @@\n", sa, ca, sb0, cb)
		for _, o := range ops[start:end] {
			sb.WriteByte(o.kind)
			sb.WriteString(o.line)
			sb.WriteByte('\n')
		}
		for _, o := range ops[i:end] {
			if o.kind != '+' {
				lineA++
			}
			if o.kind != '-' {
				lineB++
			}
		}
		i = end
	}
	return sb.String()
}

package rules

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The helpers below follow the dialplan's decoder (dialplan/decode.go): a parser that collects
// every problem with its position, and a fields reader that knows which keys were asked for, so
// that the rest are reported as unknown with a did-you-mean.

type parser struct {
	file  string
	errs  []*Error
	conds int // conditions decoded, against maxConds
}

func (p *parser) errorf(n *yaml.Node, rule, hint, format string, args ...any) {
	e := &Error{File: p.file, Line: 1, Rule: rule, Msg: fmt.Sprintf(format, args...), Hint: hint}
	if n != nil && n.Line > 0 {
		e.Line, e.Column = n.Line, n.Column
	}
	p.errs = append(p.errs, e)
}

func sortProblems(list []*Error) []*Error {
	slices.SortStableFunc(list, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return slices.CompactFunc(list, func(a, b *Error) bool { return *a == *b })
}

// deref follows aliases to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// kindName names a YAML node's kind for error messages.
func kindName(n *yaml.Node) string {
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return "nothing"
	case n.Kind == yaml.ScalarNode:
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		return strconv.Quote(v)
	}
	return "an unexpected value"
}

type entry struct {
	key      string
	keyNode  *yaml.Node
	valueRaw *yaml.Node // as written, for positions
	value    *yaml.Node // aliases followed
}

// fields reads the keys of one mapping; done reports those no lookup asked for.
type fields struct {
	p     *parser
	m     *yaml.Node
	rule  string
	where string // prefix for messages, such as "phrase: "
	bad   bool   // not a mapping; reported
	vals  map[string]entry
	order []entry
	known []string
}

func (p *parser) fields(n *yaml.Node, rule, where, what string) *fields {
	f := &fields{p: p, m: n, rule: rule, vals: map[string]entry{}}
	if where != "" {
		f.where = where + ": "
	}
	d := deref(n)
	if d == nil || d.Kind != yaml.MappingNode {
		f.bad = true
		p.errorf(n, rule, "", "%s%s must be a mapping, not %s", f.where, what, kindName(d))
		return f
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(d.Content); i += 2 {
		k, v := deref(d.Content[i]), d.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode || k.Tag == "!!null" {
			p.errorf(d.Content[i], rule, "", "%skey must be a name, not %s", f.where, kindName(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.errorf(d.Content[i], rule, fmt.Sprintf("first given at line %d", first.Line), "%sduplicate key %q", f.where, k.Value)
			continue
		}
		seen[k.Value] = d.Content[i]
		e := entry{key: k.Value, keyNode: d.Content[i], valueRaw: v, value: deref(v)}
		f.order = append(f.order, e)
		f.vals[e.key] = e
	}
	return f
}

func (f *fields) errorf(n *yaml.Node, hint, format string, args ...any) {
	f.p.errorf(n, f.rule, hint, strings.ReplaceAll(f.where, "%", "%%")+format, args...)
}

func (f *fields) lookup(key string) (entry, bool) {
	if !slices.Contains(f.known, key) {
		f.known = append(f.known, key)
	}
	e, ok := f.vals[key]
	return e, ok
}

// has reports whether key is given (registering it as known).
func (f *fields) has(key string) bool {
	e, ok := f.lookup(key)
	return ok && !isNull(e.value)
}

func (f *fields) value(key string, required bool) *yaml.Node {
	e, ok := f.lookup(key)
	switch {
	case !ok:
		if required && !f.bad {
			f.errorf(f.m, "", "missing required key %q", key)
		}
		return nil
	case isNull(e.value):
		if required {
			f.errorf(e.valueRaw, "", "%s: missing value", key)
		}
		return nil
	}
	return e.value
}

func (f *fields) pos(key string) *yaml.Node {
	if e, ok := f.vals[key]; ok {
		return e.valueRaw
	}
	return f.m
}

func (f *fields) done() {
	for _, e := range f.order {
		if slices.Contains(f.known, e.key) {
			continue
		}
		hint := didYouMean(e.key, f.known)
		if hint == "" && len(f.known) > 0 {
			hint = "valid keys: " + strings.Join(f.known, ", ")
		}
		f.errorf(e.keyNode, hint, "unknown key %q", e.key)
	}
}

func (f *fields) str(key string, required bool) string {
	v := f.value(key, required)
	if v == nil {
		return ""
	}
	if v.Kind != yaml.ScalarNode {
		f.errorf(f.pos(key), "", "%s must be a string, not %s", key, kindName(v))
		return ""
	}
	if required && strings.TrimSpace(v.Value) == "" {
		f.errorf(f.pos(key), "", "%s must not be empty", key)
	}
	return v.Value
}

func (f *fields) oneOf(key, def string, choices []string) string {
	s := f.str(key, false)
	if s == "" {
		return def
	}
	if !slices.Contains(choices, s) {
		f.errorf(f.pos(key), choiceHint(s, choices), "%s: unknown value %q", key, s)
		return def
	}
	return s
}

func choiceHint(s string, choices []string) string {
	if h := didYouMean(s, choices); h != "" {
		return h
	}
	return "one of: " + strings.Join(choices, ", ")
}

var bareNumberRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// duration reads a positive Go duration ("10s", "2m"); 0 when absent.
func (f *fields) duration(key string) time.Duration {
	v := f.value(key, false)
	if v == nil {
		return 0
	}
	if v.Kind != yaml.ScalarNode {
		f.errorf(f.pos(key), "", "%s must be a duration, not %s", key, kindName(v))
		return 0
	}
	if bareNumberRE.MatchString(v.Value) {
		f.errorf(f.pos(key), "write "+v.Value+"s", "%s: duration %q has no unit", key, v.Value)
		return 0
	}
	d, err := time.ParseDuration(v.Value)
	if err != nil {
		f.errorf(f.pos(key), "write a number with a unit, like 10s, 2m or 1m30s", "%s: invalid duration %q", key, v.Value)
		return 0
	}
	if d <= 0 {
		f.errorf(f.pos(key), "", "%s: duration must be positive, not %s", key, v.Value)
		return 0
	}
	return d
}

// number reads a number in [lo, hi]; ok is false when absent or invalid.
func (f *fields) number(key string, lo, hi float64) (float64, bool) {
	v := f.value(key, false)
	if v == nil {
		return 0, false
	}
	x, err := strconv.ParseFloat(v.Value, 64)
	if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float") || err != nil {
		f.errorf(f.pos(key), "", "%s must be a number, not %s", key, kindName(v))
		return 0, false
	}
	if x < lo || x > hi {
		f.errorf(f.pos(key), "", "%s must be between %g and %g, not %s", key, lo, hi, v.Value)
		return 0, false
	}
	return x, true
}

// integer reads a whole number in [lo, hi]; def when absent.
func (f *fields) integer(key string, def, lo, hi int) int {
	v := f.value(key, false)
	if v == nil {
		return def
	}
	n, err := strconv.ParseInt(v.Value, 0, 64)
	if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || err != nil {
		f.errorf(f.pos(key), "", "%s must be a whole number, not %s", key, kindName(v))
		return def
	}
	if n < int64(lo) || n > int64(hi) {
		f.errorf(f.pos(key), "", "%s must be between %d and %d, not %d", key, lo, hi, n)
		return def
	}
	return int(n)
}

func (f *fields) boolean(key string) bool {
	v := f.value(key, false)
	if v == nil {
		return false
	}
	if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
		f.errorf(f.pos(key), "write true or false", "%s must be true or false, not %s", key, kindName(v))
		return false
	}
	b, _ := strconv.ParseBool(strings.ToLower(v.Value))
	return b
}

// strings reads a list of non-empty strings; a single string is a list of one.
func stringList(p *parser, rule, where string, n *yaml.Node) []string {
	v := deref(n)
	if v != nil && v.Kind == yaml.ScalarNode && !isNull(v) && v.Value != "" {
		return []string{v.Value}
	}
	if v == nil || v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		p.errorf(n, rule, "write a list, like [a, b]", "%s must be a non-empty list of strings, not %s", where, kindName(v))
		return nil
	}
	var out []string
	for _, raw := range v.Content {
		item := deref(raw)
		if item == nil || item.Kind != yaml.ScalarNode || isNull(item) || strings.TrimSpace(item.Value) == "" {
			p.errorf(raw, rule, "", "%s: items must be non-empty strings, not %s", where, kindName(item))
			continue
		}
		out = append(out, item.Value)
	}
	return out
}

package dialplan

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// parser collects every error and warning found while decoding one dialplan file.
type parser struct {
	file    string
	baseDir string
	opts    Options
	plan    *Plan
	errs    []*Error
	warns   []*Error
	uses    []varUse        // template references, checked against sets at the end
	sets    map[string]bool // variables some node sets
	gotos   []gotoRef       // goto nodes, resolved once every flow is decoded
}

func (p *parser) problem(n *yaml.Node, node, hint, format string, args ...any) *Error {
	e := &Error{File: p.file, Node: node, Msg: fmt.Sprintf(format, args...), Hint: hint}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

// errorf records an error at n's position; node is the flow node id it is about, or "".
func (p *parser) errorf(n *yaml.Node, node, hint, format string, args ...any) {
	p.errs = append(p.errs, p.problem(n, node, hint, format, args...))
}

// warnf records a warning at n's position.
func (p *parser) warnf(n *yaml.Node, node, hint, format string, args ...any) {
	p.warns = append(p.warns, p.problem(n, node, hint, format, args...))
}

// resolvePath makes a file name from the dialplan absolute, relative to the dialplan's directory.
func (p *parser) resolvePath(name string) string {
	if !filepath.IsAbs(name) {
		name = filepath.Join(p.baseDir, name)
	}
	if abs, err := filepath.Abs(name); err == nil {
		name = abs
	}
	return name
}

// sortProblems orders problems by position and drops exact repeats (a YAML alias can make the same
// value be checked twice).
func sortProblems(list []*Error) []*Error {
	slices.SortStableFunc(list, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return slices.CompactFunc(list, func(a, b *Error) bool { return *a == *b })
}

// deref follows aliases to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// kindName names a YAML node's kind for error messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an unexpected value"
}

// entry is one key: value pair of a YAML mapping.
type entry struct {
	key      string
	keyNode  *yaml.Node
	valueRaw *yaml.Node // as written, for positions
	value    *yaml.Node // aliases followed
}

// entries lists a mapping's pairs in file order, reporting non-string and duplicate keys. where prefixes
// error messages (such as `queue "support"`), node names the flow node.
func (p *parser) entries(m *yaml.Node, node, where string) []entry {
	var out []entry
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := deref(m.Content[i]), m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!null" {
			p.errorf(m.Content[i], node, "", "%skey must be a name, not %s", where, kindName(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.errorf(m.Content[i], node, fmt.Sprintf("first given at line %d", first.Line),
				"%sduplicate key %q", where, k.Value)
			continue
		}
		seen[k.Value] = m.Content[i]
		out = append(out, entry{key: k.Value, keyNode: m.Content[i], valueRaw: v, value: deref(v)})
	}
	return out
}

// fields reads the keys of one YAML mapping. Every key looked up becomes a known key, and done reports the
// keys nobody looked up as unknown, so a decoder must look up every key it understands, even after an
// error.
type fields struct {
	p     *parser
	m     *yaml.Node
	node  string // flow node id for error messages, or ""
	where string // prefix for error messages, such as `queue "support": `
	bad   bool   // m is not a mapping; its error has been reported
	vals  map[string]entry
	order []entry
	known []string
}

// fields starts reading mapping n; what names it in the error when n is not a mapping.
func (p *parser) fields(n *yaml.Node, node, where, what string) *fields {
	f := &fields{p: p, m: n, node: node, where: where, vals: map[string]entry{}}
	if where != "" {
		f.where = where + ": "
	}
	d := deref(n)
	if d == nil || d.Kind != yaml.MappingNode {
		f.bad = true
		got := "nothing"
		if d != nil {
			got = kindName(d)
		}
		p.errorf(n, node, "", "%s%s must be a mapping, not %s", f.where, what, got)
		return f
	}
	f.order = p.entries(d, node, f.where)
	for _, e := range f.order {
		f.vals[e.key] = e
	}
	return f
}

func (f *fields) errorf(n *yaml.Node, hint, format string, args ...any) {
	f.p.errorf(n, f.node, hint, strings.ReplaceAll(f.where, "%", "%%")+format, args...)
}

// lookup returns the entry for key, registering key as known.
func (f *fields) lookup(key string) (entry, bool) {
	if !slices.Contains(f.known, key) {
		f.known = append(f.known, key)
	}
	e, ok := f.vals[key]
	return e, ok
}

// value returns key's value, or nil when the key is absent or null. A required key that is absent or null
// is reported.
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

// pos returns the position node of key's value as written (or of the mapping when key is absent).
func (f *fields) pos(key string) *yaml.Node {
	if e, ok := f.vals[key]; ok {
		return e.valueRaw
	}
	return f.m
}

// done reports every key no lookup asked for.
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

// str reads a string. Empty strings count as absent for optional keys.
func (f *fields) str(key string, required bool) string {
	v := f.value(key, required)
	if v == nil {
		return ""
	}
	if v.Kind != yaml.ScalarNode {
		f.errorf(f.pos(key), "", "%s must be a string, not %s", key, kindName(v))
		return ""
	}
	if required && v.Value == "" {
		f.errorf(f.pos(key), "", "%s must not be empty", key)
	}
	return v.Value
}

// oneOf reads a string that must be one of choices; def is used when the key is absent.
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

// choiceHint suggests the closest choice, or lists them all.
func choiceHint(s string, choices []string) string {
	if h := didYouMean(s, choices); h != "" {
		return h
	}
	return "one of: " + strings.Join(choices, ", ")
}

// language reads a prompt language.
func (f *fields) language(key, def string) string {
	return f.oneOf(key, def, languages)
}

// bareNumberRE matches a duration written without a unit, which Go's durations (and this format) reject
// rather than guess as seconds.
var bareNumberRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// duration reads a positive duration written with a unit; def is used when the key is absent.
func (f *fields) duration(key string, def time.Duration) time.Duration {
	v := f.value(key, false)
	if v == nil {
		return def
	}
	if v.Kind != yaml.ScalarNode {
		f.errorf(f.pos(key), "", "%s must be a duration, not %s", key, kindName(v))
		return def
	}
	const unitHint = "write a number with a unit, like 5s, 1m30s or 500ms"
	if bareNumberRE.MatchString(v.Value) {
		f.errorf(f.pos(key), "write "+v.Value+"s", "%s: duration %q has no unit", key, v.Value)
		return def
	}
	d, err := time.ParseDuration(v.Value)
	if err != nil {
		f.errorf(f.pos(key), unitHint, "%s: invalid duration %q", key, v.Value)
		return def
	}
	if d <= 0 {
		f.errorf(f.pos(key), "", "%s: duration must be positive, not %s", key, v.Value)
		return def
	}
	return d
}

// integer reads an integer in [lo, hi]; def is used when the key is absent.
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

// stringList reads a list of non-empty strings and returns them with their nodes.
func (f *fields) stringList(key string, required bool) ([]string, []*yaml.Node) {
	v := f.value(key, required)
	if v == nil {
		return nil, nil
	}
	if v.Kind != yaml.SequenceNode {
		f.errorf(f.pos(key), "", "%s must be a list, not %s", key, kindName(v))
		return nil, nil
	}
	var out []string
	var nodes []*yaml.Node
	for _, raw := range v.Content {
		item := deref(raw)
		if item.Kind != yaml.ScalarNode || isNull(item) || item.Value == "" {
			f.errorf(raw, "", "%s: items must be non-empty strings, not %s", key, kindName(item))
			continue
		}
		out = append(out, item.Value)
		nodes = append(nodes, raw)
	}
	return out, nodes
}

// text reads a prompt text: a string, or a mapping from language to string.
func (f *fields) text(key string, required bool) Text {
	v := f.value(key, required)
	if v == nil {
		return Text{}
	}
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Value == "" && required {
			f.errorf(f.pos(key), "", "%s must not be empty", key)
		}
		return Text{All: v.Value}
	case yaml.MappingNode:
		t := Text{ByLang: map[string]string{}}
		for _, e := range f.p.entries(v, f.node, f.where+key+": ") {
			if !slices.Contains(languages, e.key) {
				f.errorf(e.keyNode, choiceHint(e.key, languages), "%s: unknown language %q", key, e.key)
				continue
			}
			if e.value.Kind != yaml.ScalarNode || isNull(e.value) || e.value.Value == "" {
				f.errorf(e.valueRaw, "", "%s: %s text must be a non-empty string, not %s", key, e.key, kindName(e.value))
				continue
			}
			t.ByLang[e.key] = e.value.Value
		}
		if len(v.Content) == 0 {
			f.errorf(f.pos(key), "", "%s must not be empty", key)
		}
		return t
	}
	f.errorf(f.pos(key), "write a string, or one string per language: {en-US: ..., zh-CN: ...}",
		"%s must be a string or a mapping of language to string, not %s", key, kindName(v))
	return Text{}
}

// edge reads an optional edge to another node of the flow. The target is checked when the flow is linked.
func (f *fields) edge(key, name string) Edge {
	target := f.str(key, false)
	return f.edgeAt(f.pos(key), name, target, key)
}

func (f *fields) edgeAt(pos *yaml.Node, name, target, label string) Edge {
	e := Edge{Name: name, Target: target, label: label}
	if target != "" && pos != nil {
		e.Line, e.Column = pos.Line, pos.Column
	}
	return e
}

// file reads a path to an existing file, relative to the dialplan's directory, and returns it as written
// and resolved to an absolute path.
func (f *fields) file(key string, required bool) (name, path string) {
	return f.existing(key, required, false)
}

// dir is file for a directory.
func (f *fields) dir(key string, required bool) (name, path string) {
	return f.existing(key, required, true)
}

func (f *fields) existing(key string, required, wantDir bool) (name, path string) {
	name = f.str(key, required)
	if name == "" {
		return "", ""
	}
	what, other := "file", "directory"
	if wantDir {
		what, other = other, what
	}
	path = f.p.resolvePath(name)
	st, err := os.Stat(path)
	switch {
	case err != nil:
		f.errorf(f.pos(key), "paths are relative to "+f.p.baseDir, "%s: %s %q not found", key, what, name)
	case st.IsDir() != wantDir:
		f.errorf(f.pos(key), "", "%s: %q is a %s, not a %s", key, name, other, what)
	}
	return name, path
}

// pattern reads an optional Go regular expression.
func (f *fields) pattern(key string) (string, *regexp.Regexp) {
	s := f.str(key, false)
	if s == "" {
		return "", nil
	}
	re, err := regexp.Compile(s)
	if err != nil {
		msg := err.Error()
		msg = strings.TrimPrefix(msg, "error parsing regexp: ")
		f.errorf(f.pos(key), "", "%s: invalid regular expression: %s", key, msg)
		return s, nil
	}
	return s, re
}

// intValue reads a scalar YAML integer.
func intValue(v *yaml.Node) (int, bool) {
	if v == nil || v.Kind != yaml.ScalarNode || v.Tag != "!!int" {
		return 0, false
	}
	n, err := strconv.ParseInt(v.Value, 0, 64)
	if err != nil || n < -1<<31 || n > 1<<31-1 {
		return 0, false
	}
	return int(n), true
}

// boolean reads true or false; def is used when the key is absent.
func (f *fields) boolean(key string, def bool) bool {
	v := f.value(key, false)
	if v == nil {
		return def
	}
	if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
		f.errorf(f.pos(key), "write true or false", "%s must be true or false, not %s", key, kindName(v))
		return def
	}
	b, _ := strconv.ParseBool(strings.ToLower(v.Value))
	return b
}

// optDuration reads a duration where 0 (written "0" or "0s") is allowed and means "off".
func (f *fields) optDuration(key string, def time.Duration) time.Duration {
	if v := f.value(key, false); v != nil && v.Kind == yaml.ScalarNode && (v.Value == "0" || v.Value == "0s") {
		return 0
	}
	return f.duration(key, def)
}

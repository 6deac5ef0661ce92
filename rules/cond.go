package rules

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// cond is one condition of a rule: it tells whether a call matches, and why.
type cond interface {
	// eval reports whether the call matches and, if it does, the evidence: the words or the
	// figures that made it match.
	eval(v *view) (evidence string, ok bool)
	// describe says what the condition tests, for the evidence of a not and for pages.
	describe() string
}

// condDecoder decodes the value of one condition key.
type condDecoder func(p *parser, rule string, value *yaml.Node, depth int) cond

// condKeys are the condition keys, in the order they are listed in hints. The table is filled
// in init only because decoders of all, any and not refer back to it.
var (
	condKeys = []string{"all", "any", "not", "phrase", "sentiment", "silence", "duration", "interruptions",
		"overtalk", "agent_talk_ratio", "disposition", "queue", "wait", "intent"}
	condDecoders map[string]condDecoder
)

func init() {
	condDecoders = map[string]condDecoder{
		"all": decodeAll, "any": decodeAny, "not": decodeNot,
		"phrase": decodePhrase, "sentiment": decodeSentiment, "silence": decodeSilence,
		"duration": decodeDuration, "interruptions": decodeInterruptions, "overtalk": decodeOvertalk,
		"agent_talk_ratio": decodeTalkRatio, "disposition": decodeDisposition, "queue": decodeQueue,
		"wait": decodeWait, "intent": decodeIntent,
	}
}

// maxDepth bounds nesting of all, any and not: deeper is a mistake, or a fuzzer.
const maxDepth = 32

// maxConds bounds the conditions of one file. YAML aliases can repeat a list of conditions inside
// itself, which would otherwise take exponential time to decode and evaluate.
const maxConds = 10_000

// condIn reads the one condition key of mapping f (a rule, or a condition of all/any/not).
func (p *parser) condIn(f *fields, depth int, what string) cond {
	var given []string
	for _, k := range condKeys {
		if _, ok := f.lookup(k); ok {
			given = append(given, k)
		}
	}
	switch {
	case f.bad:
		return nil
	case len(given) == 0:
		for _, e := range f.order {
			if !slices.Contains(f.known, e.key) {
				return nil // an unknown key, reported by done with a hint, is most likely the condition
			}
		}
		f.errorf(f.m, "one of: "+strings.Join(condKeys, ", "), "%s needs a condition", what)
		return nil
	case len(given) > 1:
		f.errorf(f.vals[given[1]].keyNode, "combine conditions under all: or any:",
			"%s has one condition key, not both %s and %s", what, given[0], given[1])
		return nil
	}
	k := given[0]
	e := f.vals[k]
	if p.conds++; p.conds > maxConds {
		if p.conds == maxConds+1 {
			f.errorf(e.keyNode, "an alias (*name) that repeats conditions inside itself?", "more than %d conditions", maxConds)
		}
		return nil
	}
	if depth >= maxDepth {
		f.errorf(e.keyNode, "", "conditions nested more than %d deep", maxDepth)
		return nil
	}
	return condDecoders[k](p, f.rule, e.valueRaw, depth)
}

// condition reads a condition written as a mapping of one key, such as {phrase: {...}}.
func (p *parser) condition(n *yaml.Node, rule, where string, depth int) cond {
	f := p.fields(n, rule, where, "a condition")
	c := p.condIn(f, depth+1, "each condition")
	f.done()
	return c
}

type allCond []cond
type anyCond []cond
type notCond struct{ c cond }

func decodeList(p *parser, rule, key string, n *yaml.Node, depth int) []cond {
	v := deref(n)
	if v == nil || v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		p.errorf(n, rule, "write a list of conditions: - phrase: ...", "%s must be a non-empty list of conditions, not %s", key, kindName(v))
		return nil
	}
	var out []cond
	for _, item := range v.Content {
		out = append(out, p.condition(item, rule, key, depth))
	}
	return out
}

func decodeAll(p *parser, rule string, n *yaml.Node, depth int) cond {
	return allCond(decodeList(p, rule, "all", n, depth))
}

func decodeAny(p *parser, rule string, n *yaml.Node, depth int) cond {
	return anyCond(decodeList(p, rule, "any", n, depth))
}

func decodeNot(p *parser, rule string, n *yaml.Node, depth int) cond {
	return notCond{p.condition(n, rule, "not", depth)}
}

// eval of all: every condition matches; the evidence is all of theirs.
func (a allCond) eval(v *view) (string, bool) {
	var ev []string
	for _, c := range a {
		e, ok := c.eval(v)
		if !ok {
			return "", false
		}
		ev = append(ev, e)
	}
	return strings.Join(ev, "; "), true
}

// eval of any: the first condition that matches gives the evidence.
func (a anyCond) eval(v *view) (string, bool) {
	for _, c := range a {
		if e, ok := c.eval(v); ok {
			return e, true
		}
	}
	return "", false
}

func (n notCond) eval(v *view) (string, bool) {
	if _, ok := n.c.eval(v); ok {
		return "", false
	}
	return "not " + n.c.describe(), true
}

func (a allCond) describe() string { return describeList("all", a) }
func (a anyCond) describe() string { return describeList("any", a) }
func (n notCond) describe() string { return "not " + n.c.describe() }

func describeList(op string, cs []cond) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.describe()
	}
	return op + "(" + strings.Join(parts, ", ") + ")"
}

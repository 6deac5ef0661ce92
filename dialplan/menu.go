package dialplan

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// MenuNode asks the caller to choose with a key and follows the chosen option's edge.
//
//	nodes:
//	  - id: menu
//	    type: menu
//	    prompt: "For opening hours press 1. To speak to an agent press 0."
//	    options: {"1": hours, "0": agent}   # keys: single digits 0-9, "*" or "#"
//	    timeout: 5s               # optional; default settings.digit_timeout
//	    retries: 2                # optional; further attempts after the first (default 2)
//	    invalid_prompt: "Sorry, that is not a valid choice."   # optional
//	    timeout_prompt: "Sorry, I did not hear a choice."      # optional
//	    nomatch: goodbye          # optional; when retries are exhausted; without it the call ends
//	    keywords: {agent: "0", "opening hours": "1"}   # optional; spoken phrase → option key
//
// Each attempt discards keys pressed earlier, plays the prompt (a key stops it) and waits for a key. A key
// that is not an option plays invalid_prompt, silence plays timeout_prompt; both then retry, or follow
// nomatch after the last attempt.
//
// Keywords let a caller say an option instead of pressing its key. Where the call can hear the caller
// (see SpeechInput), the menu listens while its prompt plays and while it waits: speech stops the prompt
// as a key does, an utterance containing a phrase picks that option, and an utterance containing none
// counts as an invalid choice. A key still wins over words. Calls that cannot hear answer keys only.
type MenuNode struct {
	nodeBase
	Prompt        Text
	Options       []Edge // in file order; each edge's Name is its key, such as "1" or "#"
	Timeout       time.Duration
	Retries       int
	InvalidPrompt Text
	TimeoutPrompt Text
	NoMatch       Edge
	Keywords      map[string]string // lower-case phrase → option key
}

var _ Node = (*MenuNode)(nil)

// DefaultMenuRetries is how many times a menu retries when the dialplan does not say.
const DefaultMenuRetries = 2

// dtmfKeys are the keys a menu option may use.
const dtmfKeys = "0123456789*#"

func newMenu(id string, f *fields) Node {
	n := &MenuNode{nodeBase: nodeBase{id}}
	n.Prompt = f.text("prompt", true)
	n.Options = menuOptions(f)
	n.Timeout = f.duration("timeout", f.p.plan.Settings.DigitTimeout)
	n.Retries = f.integer("retries", DefaultMenuRetries, 0, 10)
	n.InvalidPrompt = f.text("invalid_prompt", false)
	n.TimeoutPrompt = f.text("timeout_prompt", false)
	n.NoMatch = f.edge("nomatch", EdgeNoMatch)
	n.Keywords = menuKeywords(f, n.Options)
	return n
}

func menuKeywords(f *fields, options []Edge) map[string]string {
	v := f.value("keywords", false)
	if v == nil {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		f.errorf(f.pos("keywords"), `write keywords: {agent: "0"}`, "keywords must be a mapping of phrase to option key, not %s", kindName(v))
		return nil
	}
	var keys []string
	for _, o := range options {
		keys = append(keys, o.Name)
	}
	out := map[string]string{}
	for _, e := range f.p.entries(v, f.node, f.where+"keywords: ") {
		phrase := strings.ToLower(strings.TrimSpace(e.key))
		if phrase == "" {
			f.errorf(e.keyNode, "", "keywords: a phrase must not be empty")
			continue
		}
		if e.value.Kind != yaml.ScalarNode || !slices.Contains(keys, e.value.Value) {
			f.errorf(e.valueRaw, "the value is the key of one of the options: "+strings.Join(keys, ", "),
				"keywords %q: %s is not an option", e.key, kindName(e.value))
			continue
		}
		out[phrase] = e.value.Value
	}
	return out
}

// KeywordFor returns the option key whose phrase the utterance contains, or "".
func (n *MenuNode) KeywordFor(utterance string) string {
	u := strings.ToLower(utterance)
	best := ""
	for phrase := range n.Keywords {
		if strings.Contains(u, phrase) && len(phrase) > len(best) {
			best = phrase
		}
	}
	if best == "" {
		return ""
	}
	return n.Keywords[best]
}

func menuOptions(f *fields) []Edge {
	v := f.value("options", true)
	if v == nil {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		f.errorf(f.pos("options"), `write options: {"1": sales, "2": support}`,
			"options must be a mapping of key to node, not %s", kindName(v))
		return nil
	}
	if len(v.Content) == 0 {
		f.errorf(f.pos("options"), "", "options must not be empty")
	}
	var out []Edge
	for _, e := range f.p.entries(v, f.node, f.where+"options: ") {
		if len(e.key) != 1 || !strings.Contains(dtmfKeys, e.key) {
			f.errorf(e.keyNode, `a key is one of 0-9, "*" or "#"; quote "*" and "#"`, "option %q is not a phone key", e.key)
			continue
		}
		label := fmt.Sprintf("option %q", e.key)
		if e.value.Kind != yaml.ScalarNode || isNull(e.value) || e.value.Value == "" {
			f.errorf(e.valueRaw, "", "%s must name a node, not %s", label, kindName(e.value))
			continue
		}
		out = append(out, f.edgeAt(e.valueRaw, e.key, e.value.Value, label))
	}
	return out
}

func (*MenuNode) Type() string { return "menu" }

func (n *MenuNode) Edges() []Edge { return appendEdges(appendEdges(nil, n.Options...), n.NoMatch) }

// Run plays the menu until the caller picks an option or the attempts run out.
func (n *MenuNode) Run(ctx context.Context, c Call) (string, error) {
	ear, stop := n.startListening(ctx, c)
	defer stop()
	for attempt := 0; attempt <= n.Retries; attempt++ {
		c.FlushDigits()
		if err := say(ctx, c, n.Prompt, true); err != nil {
			return "", err
		}
		in, err := n.read(ctx, c, ear)
		if err != nil {
			return "", err
		}
		failure := n.TimeoutPrompt
		switch {
		case in.Key != 0:
			if n.isOption(in.Key) {
				return string(in.Key), nil
			}
			failure = n.InvalidPrompt
		case in.Speech != "":
			if key := n.KeywordFor(in.Speech); key != "" {
				c.Logger().Debug("menu: spoken choice", "node", n.id, "heard", in.Speech, "option", key)
				return key, nil
			}
			failure = n.InvalidPrompt
		}
		c.Logger().Debug("menu: no choice", "node", n.id, "attempt", attempt+1, "input", inputName(in))
		if err := say(ctx, c, failure, false); err != nil {
			return "", err
		}
	}
	return EdgeNoMatch, nil
}

// startListening makes the call hear the caller when the menu has keywords and the call can hear; it
// returns nil (keys only) otherwise. stop ends the listening.
func (n *MenuNode) startListening(ctx context.Context, c Call) (ear SpeechInput, stop func()) {
	si, ok := c.(SpeechInput)
	if !ok || len(n.Keywords) == 0 {
		return nil, func() {}
	}
	if stop, ok = si.Listen(ctx, n.Phrases()); !ok {
		return nil, func() {}
	}
	return si, stop
}

// read waits for a key, or for a key or an utterance while the menu listens.
func (n *MenuNode) read(ctx context.Context, c Call, ear SpeechInput) (Input, error) {
	if ear != nil {
		return ear.ReadInput(ctx, n.Timeout)
	}
	key, ok, err := c.ReadDigit(ctx, n.Timeout)
	if !ok {
		key = 0
	}
	return Input{Key: key}, err
}

// Phrases are the menu's keyword phrases, sorted: what a recognizer should expect to hear.
func (n *MenuNode) Phrases() []string {
	out := make([]string, 0, len(n.Keywords))
	for p := range n.Keywords {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func (n *MenuNode) isOption(key rune) bool {
	for _, o := range n.Options {
		if o.Name == string(key) {
			return true
		}
	}
	return false
}

func inputName(in Input) string {
	switch {
	case in.Key != 0:
		return string(in.Key)
	case in.Speech != "":
		return fmt.Sprintf("said %q", in.Speech)
	}
	return "timeout"
}

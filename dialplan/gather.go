package dialplan

import (
	"context"
	"strings"
	"time"
)

// GatherNode collects DTMF digits into a variable.
//
//	nodes:
//	  - id: order-number
//	    type: gather
//	    var: order_id             # the variable the digits go to
//	    prompt: "Please enter your order number, then press hash."   # optional
//	    min_length: 4             # optional; default 1
//	    max_length: 10            # optional; default 20; reaching it ends the input
//	    terminator: "#"           # optional; default "#"; "" to have none
//	    digit_timeout: 5s         # optional; wait for the first key (default settings.digit_timeout)
//	    inter_digit_timeout: 3s   # optional; wait between keys (default settings.inter_digit_timeout)
//	    next: lookup              # digits collected
//	    timeout: ask-again        # optional; no key at all
//	    invalid: ask-again        # optional; fewer than min_length digits
//
// The terminator is not part of the value. A pause longer than inter_digit_timeout ends the input.
type GatherNode struct {
	nodeBase
	Var               string
	Prompt            Text
	MinLength         int
	MaxLength         int
	Terminator        string
	Timeout           time.Duration
	InterDigitTimeout time.Duration
	Next              Edge
	TimeoutEdge       Edge
	Invalid           Edge

	loc *time.Location
}

// EdgeInvalid is the edge a gather takes on input that is too short.
const EdgeInvalid = "invalid"

var _ Node = (*GatherNode)(nil)

func newGather(id string, f *fields) Node {
	s := &f.p.plan.Settings
	n := &GatherNode{nodeBase: nodeBase{id}, loc: s.Location}
	n.Var = f.str("var", true)
	if n.Var != "" && f.varName(f.pos("var"), n.Var) {
		f.setsVar(n.Var)
	}
	n.Prompt = f.text("prompt", false)
	f.useTextTemplates("prompt", n.Prompt)
	n.MinLength = f.integer("min_length", 1, 1, 64)
	n.MaxLength = f.integer("max_length", 20, 1, 64)
	if n.MaxLength < n.MinLength {
		f.errorf(f.pos("max_length"), "", "max_length %d is less than min_length %d", n.MaxLength, n.MinLength)
	}
	n.Terminator = "#"
	if _, ok := f.lookup("terminator"); ok {
		n.Terminator = f.str("terminator", false)
		if len(n.Terminator) > 1 || (n.Terminator != "" && !strings.Contains("*#", n.Terminator)) {
			f.errorf(f.pos("terminator"), `use "#", "*" or ""`, "terminator %q is not * or #", n.Terminator)
		}
	}
	n.Timeout = f.duration("digit_timeout", s.DigitTimeout)
	n.InterDigitTimeout = f.duration("inter_digit_timeout", s.InterDigitTimeout)
	n.Next = f.edge("next", EdgeNext)
	n.TimeoutEdge = f.edge("timeout", EdgeTimeout)
	n.Invalid = f.edge("invalid", EdgeInvalid)
	return n
}

func (*GatherNode) Type() string { return "gather" }

func (n *GatherNode) Edges() []Edge { return appendEdges(nil, n.Next, n.TimeoutEdge, n.Invalid) }

// Run plays the prompt (a key stops it) and reads digits.
func (n *GatherNode) Run(ctx context.Context, c Call) (string, error) {
	c.FlushDigits()
	if err := say(ctx, c, expandText(c, n.loc, n.Prompt), true); err != nil {
		return "", err
	}
	var digits []rune
	wait := n.Timeout
	for len(digits) < n.MaxLength {
		key, ok, err := c.ReadDigit(ctx, wait)
		if err != nil {
			return "", err
		}
		if !ok || (n.Terminator != "" && string(key) == n.Terminator) {
			break
		}
		if key == '*' || key == '#' {
			continue // the other symbol key is not a digit
		}
		digits = append(digits, key)
		wait = n.InterDigitTimeout
	}
	switch {
	case len(digits) == 0:
		return EdgeTimeout, nil
	case len(digits) < n.MinLength:
		return EdgeInvalid, nil
	}
	c.Vars()[n.Var] = string(digits)
	return EdgeNext, nil
}

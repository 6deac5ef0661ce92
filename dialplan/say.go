package dialplan

import (
	"context"
	"time"
)

// SayNode speaks a text with TTS, then follows next. The text may hold ${var} templates (see
// template.go), filled in from the call's variables when the node runs.
//
//	nodes:
//	  - id: greet
//	    type: say
//	    text: "Welcome, ${customer_name}."   # or per language: {en-US: "Welcome.", zh-CN: "欢迎。"}
//	    next: menu                # optional; without it the call ends here
type SayNode struct {
	nodeBase
	Text Text
	Next Edge

	loc *time.Location
}

var _ Node = (*SayNode)(nil)

func newSay(id string, f *fields) Node {
	n := &SayNode{
		nodeBase: nodeBase{id},
		Text:     f.text("text", true),
		Next:     f.edge("next", EdgeNext),
		loc:      f.p.plan.Settings.Location,
	}
	f.useTextTemplates("text", n.Text)
	return n
}

func (*SayNode) Type() string { return "say" }

func (n *SayNode) Edges() []Edge { return appendEdges(nil, n.Next) }

// Run speaks the text to the end; keys pressed meanwhile stay queued.
func (n *SayNode) Run(ctx context.Context, c Call) (string, error) {
	if err := say(ctx, c, expandText(c, n.loc, n.Text), false); err != nil {
		return "", err
	}
	return EdgeNext, nil
}

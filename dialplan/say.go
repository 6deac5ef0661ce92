package dialplan

import "context"

// SayNode speaks a text with TTS, then follows next.
//
//	nodes:
//	  - id: greet
//	    type: say
//	    text: "Welcome."          # or per language: {en-US: "Welcome.", zh-CN: "欢迎。"}
//	    next: menu                # optional; without it the call ends here
type SayNode struct {
	nodeBase
	Text Text
	Next Edge
}

var _ Node = (*SayNode)(nil)

func newSay(id string, f *fields) Node {
	return &SayNode{
		nodeBase: nodeBase{id},
		Text:     f.text("text", true),
		Next:     f.edge("next", EdgeNext),
	}
}

func (*SayNode) Type() string { return "say" }

func (n *SayNode) Edges() []Edge { return appendEdges(nil, n.Next) }

// Run speaks the text to the end; keys pressed meanwhile stay queued.
func (n *SayNode) Run(ctx context.Context, c Call) (string, error) {
	if err := say(ctx, c, n.Text, false); err != nil {
		return "", err
	}
	return EdgeNext, nil
}

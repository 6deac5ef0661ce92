package dialplan

import "context"

// AnswerNode answers the call, then follows next. Prompts answer a call by themselves; an answer node
// is for flows that must answer before anything is played (a silent http lookup, a recording).
//
//	nodes:
//	  - id: pickup
//	    type: answer
//	    next: lookup              # optional; without it the call ends here
type AnswerNode struct {
	nodeBase
	Next Edge
}

var _ Node = (*AnswerNode)(nil)

func newAnswer(id string, f *fields) Node {
	return &AnswerNode{nodeBase: nodeBase{id}, Next: f.edge("next", EdgeNext)}
}

func (*AnswerNode) Type() string { return "answer" }

func (n *AnswerNode) Edges() []Edge { return appendEdges(nil, n.Next) }

// Run answers the call.
func (n *AnswerNode) Run(ctx context.Context, c Call) (string, error) {
	if err := c.Answer(); err != nil {
		return "", err
	}
	return EdgeNext, nil
}

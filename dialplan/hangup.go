package dialplan

import "context"

// HangupNode ends the call.
//
//	nodes:
//	  - id: goodbye
//	    type: hangup
//	    cause: normal             # optional: normal, busy, rejected or unavailable
type HangupNode struct {
	nodeBase
	Cause string
}

var _ Node = (*HangupNode)(nil)

func newHangup(id string, f *fields) Node {
	return &HangupNode{
		nodeBase: nodeBase{id},
		Cause:    f.oneOf("cause", CauseNormal, hangupCauses),
	}
}

func (*HangupNode) Type() string { return "hangup" }

func (*HangupNode) Edges() []Edge { return nil }

// Run hangs up with the node's cause.
func (n *HangupNode) Run(ctx context.Context, c Call) (string, error) {
	if err := c.Hangup(n.Cause); err != nil {
		return "", err
	}
	return EdgeHangup, nil
}

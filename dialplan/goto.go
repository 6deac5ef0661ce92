package dialplan

import (
	"context"
	"maps"
	"slices"

	"gopkg.in/yaml.v3"
)

// GotoNode continues the call in another flow, from its start. Variables carry over.
//
//	nodes:
//	  - id: to-support
//	    type: goto
//	    flow: support-menu        # a flow defined under flows:
type GotoNode struct {
	nodeBase
	FlowName string
	Flow     *Flow // resolved once every flow is decoded
}

var _ Node = (*GotoNode)(nil)

// EdgeGoto is what a goto node returns; Run follows it into the node's flow.
const EdgeGoto = "goto"

func newGoto(id string, f *fields) Node {
	n := &GotoNode{nodeBase: nodeBase{id}}
	n.FlowName = f.str("flow", true)
	if n.FlowName != "" {
		f.p.gotos = append(f.p.gotos, gotoRef{n: n, pos: f.pos("flow"), node: id})
	}
	return n
}

func (*GotoNode) Type() string { return "goto" }

func (*GotoNode) Edges() []Edge { return nil }

// Run names the goto edge; Run (the walker) switches flows.
func (n *GotoNode) Run(ctx context.Context, c Call) (string, error) { return EdgeGoto, nil }

type gotoRef struct {
	n    *GotoNode
	pos  *yaml.Node
	node string
}

// resolveGotos links goto nodes to their flows once all flows are known.
func (p *parser) resolveGotos() {
	names := slices.Sorted(maps.Keys(p.plan.Flows))
	for _, g := range p.gotos {
		g.n.Flow = p.plan.Flows[g.n.FlowName]
		if g.n.Flow == nil {
			hint := didYouMean(g.n.FlowName, names)
			p.errorf(g.pos, g.node, hint, "flow %q: no such flow", g.n.FlowName)
		}
	}
}

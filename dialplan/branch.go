package dialplan

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// BranchNode follows the edge of the first case whose condition holds, else its else edge. The
// condition language is described in expr.go.
//
//	nodes:
//	  - id: route-by-tier
//	    type: branch
//	    cases:
//	      - if: 'tier == "gold" && open("support-hours")'
//	        then: vip-queue
//	      - if: 'weekday == "sat" || weekday == "sun"'
//	        then: weekend
//	    else: menu                # optional; without it the call ends when no case holds
type BranchNode struct {
	nodeBase
	Cases []BranchCase
	Else  Edge

	loc *time.Location
}

// BranchCase is one condition and the edge it leads to; the edge's Name is "case N".
type BranchCase struct {
	If   string
	Then Edge

	cond *condition
}

// EdgeElse is the edge a branch follows when no case holds.
const EdgeElse = "else"

var _ Node = (*BranchNode)(nil)

func newBranch(id string, f *fields) Node {
	n := &BranchNode{nodeBase: nodeBase{id}, loc: f.p.plan.Settings.Location}
	v := f.value("cases", true)
	if v != nil && (v.Kind != yaml.SequenceNode || len(v.Content) == 0) {
		f.errorf(f.pos("cases"), `write cases: [{if: 'tier == "gold"', then: vip}]`, "cases must be a non-empty list, not %s", kindName(v))
		v = nil
	}
	if v != nil {
		for i, item := range v.Content {
			cf := f.p.fields(item, f.node, fmt.Sprintf("case %d", i+1), "a case")
			cf.node = f.node
			bc := BranchCase{If: cf.str("if", true)}
			target := cf.str("then", true)
			bc.Then = cf.edgeAt(cf.pos("then"), fmt.Sprintf("case %d", i+1), target, fmt.Sprintf("case %d then", i+1))
			if bc.If != "" {
				cond, err := parseCondition(bc.If, f.p.plan.Settings.Calendars)
				if err != nil {
					pos := *cf.pos("if")
					pos.Column += err.off
					if pos.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
						pos.Column++
					}
					cf.errorf(&pos, "", "if: %s", err.msg)
				} else {
					bc.cond = cond
					for _, name := range cond.vars {
						f.p.uses = append(f.p.uses, varUse{name: name, node: f.node, pos: cf.pos("if")})
					}
				}
			}
			cf.done()
			n.Cases = append(n.Cases, bc)
		}
	}
	n.Else = f.edge("else", EdgeElse)
	return n
}

func (*BranchNode) Type() string { return "branch" }

func (n *BranchNode) Edges() []Edge {
	var out []Edge
	for _, c := range n.Cases {
		out = appendEdges(out, c.Then)
	}
	return appendEdges(out, n.Else)
}

// Run evaluates the cases in order.
func (n *BranchNode) Run(ctx context.Context, c Call) (string, error) {
	env := &evalEnv{call: c, loc: n.loc}
	for _, bc := range n.Cases {
		if bc.cond != nil && bc.cond.root.eval(env).truth() {
			return bc.Then.Name, nil
		}
	}
	return EdgeElse, nil
}

// Explain says which case a branch took for a call, for the simulator's trace.
func (n *BranchNode) Explain(c Call, edge string) string {
	for _, bc := range n.Cases {
		if bc.Then.Name == edge {
			return fmt.Sprintf("%s holds", bc.If)
		}
	}
	var conds []string
	for _, bc := range n.Cases {
		conds = append(conds, bc.If)
	}
	return "no case holds: " + strings.Join(conds, "; ")
}

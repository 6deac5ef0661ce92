package dialplan

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"
)

// TransferNode hands the caller to one agent, a queue, or an external number. External numbers are
// only dialled through a trunk under trunks: whose allow patterns match the number; the plan is
// refused when no trunk allows a number written in it, and a number a template expands to is checked
// again when the node runs (a number the trunk does not allow takes the error edge, undialled).
// While an external number rings the caller hears ringback; once it answers the two talk until
// either hangs up.
//
//	nodes:
//	  - id: to-alice
//	    type: transfer
//	    agent: alice              # or queue: support, or number: "13800000000"
//	    trunk: pstn               # optional with number; default: the first trunk that allows it
//	    max_wait: 30s             # optional; how long to wait for an answer (a number: default 30s)
//	    next: goodbye             # the call with the other side has ended
//	    failed: sorry             # nobody answered (no agent, timeout; a number: busy, no answer, declined)
//	    error: sorry              # the transfer could not be attempted (a number the trunk does not allow,
//	                              # the trunk unreachable or refusing our credentials)
type TransferNode struct {
	nodeBase
	Agent   string
	Queue   *Queue
	Number  string // may hold ${var} templates, checked against the trunk when the node runs
	Trunk   *Trunk
	MaxWait time.Duration
	Next    Edge
	Failed  Edge
	Error   Edge

	loc *time.Location
}

// EdgeFailed is the edge a transfer nobody answered takes.
const EdgeFailed = "failed"

// DefaultDialTimeout is how long an external number rings before the transfer gives up (failed edge).
const DefaultDialTimeout = 30 * time.Second

var _ Node = (*TransferNode)(nil)

func newTransfer(id string, f *fields) Node {
	p := f.p
	n := &TransferNode{nodeBase: nodeBase{id}, loc: p.plan.Settings.Location}
	n.Agent = f.str("agent", false)
	if n.Agent != "" && p.opts.KnownAgents != nil && !p.opts.KnownAgents[n.Agent] {
		hint := didYouMean(n.Agent, slices.Sorted(maps.Keys(p.opts.KnownAgents)))
		if hint == "" {
			hint = "agents are defined in hotline.yaml"
		}
		f.errorf(f.pos("agent"), hint, "agent %q: unknown agent", n.Agent)
	}
	if name := f.str("queue", false); name != "" {
		n.Queue = p.lookupQueue(f, "queue", name)
	}
	n.Number = f.str("number", false)
	f.useTemplates("number", n.Number)
	trunkName := f.str("trunk", false)
	set := 0
	for _, s := range []bool{n.Agent != "", f.value("queue", false) != nil, n.Number != ""} {
		if s {
			set++
		}
	}
	if set != 1 {
		f.errorf(f.m, "give exactly one of agent, queue or number", "a transfer needs one target, not %d", set)
	}
	switch {
	case trunkName != "" && n.Number == "":
		f.errorf(f.pos("trunk"), "remove trunk, or transfer to a number", "trunk is only used with number")
	case trunkName != "":
		n.Trunk = p.plan.Trunks[trunkName]
		if n.Trunk == nil {
			hint := didYouMean(trunkName, slices.Sorted(maps.Keys(p.plan.Trunks)))
			if hint == "" {
				hint = "define it under trunks:"
			}
			f.errorf(f.pos("trunk"), hint, "trunk %q: no such trunk", trunkName)
		} else if !templateRE.MatchString(n.Number) && !n.Trunk.Allows(n.Number) {
			f.errorf(f.pos("number"), "add a pattern to the trunk's allow list", "number %q: trunk %q does not allow it", n.Number, trunkName)
		}
	case n.Number != "" && templateRE.MatchString(n.Number):
		f.errorf(f.pos("number"), "name the trunk with trunk:", "number %q is a template: the trunk must be named", n.Number)
	case n.Number != "":
		for _, name := range slices.Sorted(maps.Keys(p.plan.Trunks)) {
			if p.plan.Trunks[name].Allows(n.Number) {
				n.Trunk = p.plan.Trunks[name]
				break
			}
		}
		if n.Trunk == nil {
			f.errorf(f.pos("number"), "external numbers are dialled through trunks: add one whose allow list matches",
				"number %q: no trunk allows it", n.Number)
		}
	}
	n.MaxWait = f.duration("max_wait", 0)
	n.Next = f.edge("next", EdgeNext)
	n.Failed = f.edge("failed", EdgeFailed)
	n.Error = f.edge("error", EdgeError)
	return n
}

func (*TransferNode) Type() string { return "transfer" }

func (n *TransferNode) Edges() []Edge { return appendEdges(nil, n.Next, n.Failed, n.Error) }

// Run attempts the transfer.
func (n *TransferNode) Run(ctx context.Context, c Call) (string, error) {
	req := TransferRequest{Agent: n.Agent, Queue: n.Queue, Trunk: n.Trunk, MaxWait: n.MaxWait}
	if n.Number != "" {
		req.Number = Expand(c, n.loc, n.Number)
		if !n.Trunk.Allows(req.Number) {
			c.Logger().Warn("transfer: trunk does not allow number", "node", n.id, "number", req.Number, "trunk", n.Trunk.Name)
			return EdgeError, nil
		}
	}
	res, err := c.Transfer(ctx, req)
	switch {
	case errors.Is(err, ErrHangup):
		return EdgeHangup, nil
	case err != nil && ctx.Err() != nil:
		return "", ctx.Err()
	case err != nil:
		c.Logger().Warn("transfer failed", "node", n.id, "error", err)
		return EdgeError, nil
	}
	switch res.Outcome {
	case QueueAnswered:
		return EdgeNext, nil
	case QueueCallerHangup:
		return EdgeHangup, nil
	}
	return EdgeFailed, nil
}

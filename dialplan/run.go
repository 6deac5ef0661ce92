package dialplan

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MaxSteps is how many nodes Run runs in one call before it decides the flow loops.
const MaxSteps = 1000

// Step records one node a call ran and the edge it took; a call's path is its list of steps.
type Step struct {
	Flow   string    // flow the node is in
	Node   string    // node id
	Type   string    // node type
	Edge   string    // edge the node returned; "" when it failed
	Target string    // node the edge leads to; "" when the flow ended
	At     time.Time // when the node started
}

// Run walks flow f for call c from its start node (a goto node continues in another flow), calling trace (if not nil) after each node. It stops
// when a node hangs up or reports that the caller did (returning nil), when an edge leads nowhere (the
// end of the flow: it hangs up with CauseNormal), when ctx is done (returning ctx's error), or when a node
// fails (returning the error, and leaving the call to the caller to end).
func Run(ctx context.Context, f *Flow, c Call, trace func(Step)) error {
	id := f.Start
	for steps := 0; ; steps++ {
		if steps == MaxSteps {
			return fmt.Errorf("dialplan: flow %q: %w after %d nodes (at node %q)", f.Name, ErrStepBudget, steps, id)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		n := f.Node(id)
		if n == nil {
			return fmt.Errorf("dialplan: flow %q: no node %q", f.Name, id)
		}
		step := Step{Flow: f.Name, Node: id, Type: n.Type(), At: c.Now()}
		edge, err := n.Run(ctx, c)
		if g, ok := n.(*GotoNode); ok && err == nil {
			// A goto continues in another flow; its "target" is that flow's start.
			step.Edge, step.Target = edge, g.Flow.Start
			if trace != nil {
				trace(step)
			}
			c.Logger().Debug("dialplan step", "flow", f.Name, "node", id, "type", step.Type, "goto", g.Flow.Name)
			f, id = g.Flow, g.Flow.Start
			continue
		}
		if err == nil && edge != EdgeHangup {
			step.Edge, step.Target = edge, f.Target(id, edge)
		} else if err == nil {
			step.Edge = edge
		}
		if trace != nil {
			trace(step)
		}
		c.Logger().Debug("dialplan step", "flow", f.Name, "node", id, "type", step.Type, "edge", step.Edge,
			"target", step.Target, "err", err)
		switch {
		case errors.Is(err, ErrHangup):
			return nil
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			return fmt.Errorf("dialplan: flow %q node %q: %w", f.Name, id, err)
		case edge == EdgeHangup:
			return nil
		case step.Target == "":
			if err := c.Hangup(CauseNormal); err != nil && !errors.Is(err, ErrHangup) {
				return fmt.Errorf("dialplan: flow %q: hangup at end of flow: %w", f.Name, err)
			}
			return nil
		}
		id = step.Target
	}
}

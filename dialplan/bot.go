package dialplan

import (
	"context"
	"errors"
	"maps"
	"slices"
)

// BotNode hands the call to a voice bot profile (defined under bots:) and follows the edge for how the
// conversation ended.
//
//	nodes:
//	  - id: assistant
//	    type: bot
//	    profile: assistant        # a profile defined under bots:
//	    done: goodbye             # the bot served the caller
//	    escalate: agent           # the bot hands over (usually a queue node)
//	    error: menu               # the bot could not run; the IVR menu is a safe fallback
//	    hangup: log-call          # optional; the caller hung up (only nodes that need no caller fit here)
//
// Without a hangup edge, a caller hanging up ends the flow. On escalate the variable bot_reason holds
// why, and the handoff packet travels with the call to the agent.
type BotNode struct {
	nodeBase
	Profile  *BotProfile
	Done     Edge
	Escalate Edge
	Error    Edge
	Hangup   Edge
}

// Edges of a bot node. EdgeBotHangup is distinct from EdgeHangup, which always ends the flow.
const (
	EdgeDone      = "done"
	EdgeEscalate  = "escalate"
	EdgeError     = "error"
	EdgeBotHangup = "caller_hangup"
)

var _ Node = (*BotNode)(nil)

func newBotNode(id string, f *fields) Node {
	n := &BotNode{nodeBase: nodeBase{id}}
	if name := f.str("profile", true); name != "" {
		n.Profile = f.p.plan.Bots[name]
		if n.Profile == nil {
			hint := didYouMean(name, slices.Sorted(maps.Keys(f.p.plan.Bots)))
			if hint == "" {
				hint = "define it under bots:"
			}
			f.errorf(f.pos("profile"), hint, "bot profile %q: no such profile", name)
		}
	}
	n.Done = f.edge("done", EdgeDone)
	n.Escalate = f.edge("escalate", EdgeEscalate)
	n.Error = f.edge("error", EdgeError)
	n.Hangup = f.edge("hangup", EdgeBotHangup)
	f.setsVar("bot_reason")
	return n
}

func (*BotNode) Type() string { return "bot" }

func (n *BotNode) Edges() []Edge { return appendEdges(nil, n.Done, n.Escalate, n.Error, n.Hangup) }

// Run runs the conversation. A bot that cannot run follows the error edge rather than failing the call.
func (n *BotNode) Run(ctx context.Context, c Call) (string, error) {
	res, err := c.Bot(ctx, BotRequest{Profile: n.Profile})
	switch {
	case errors.Is(err, ErrHangup):
		return n.hangup(), nil
	case err != nil && ctx.Err() != nil:
		return "", ctx.Err()
	case err != nil:
		c.Logger().Error("bot failed", "node", n.id, "profile", n.Profile.Name, "error", err)
		c.Vars()["bot_reason"] = err.Error()
		return EdgeError, nil
	}
	c.Vars()["bot_reason"] = res.Reason
	c.Logger().Info("bot finished", "node", n.id, "profile", n.Profile.Name, "outcome", res.Outcome, "reason", res.Reason)
	switch res.Outcome {
	case BotDone:
		return EdgeDone, nil
	case BotEscalate:
		return EdgeEscalate, nil
	case BotHangup:
		return n.hangup(), nil
	}
	return EdgeError, nil
}

func (n *BotNode) hangup() string {
	if n.Hangup.Target != "" {
		return EdgeBotHangup
	}
	return EdgeHangup
}

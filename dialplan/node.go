package dialplan

import "context"

// Node is one step of a flow. A node's configuration is read-only after Parse; Run may be called by many
// calls at once.
type Node interface {
	ID() string
	// Type is the name the node type is registered under ("say", "menu", …).
	Type() string
	// Edges are the node's outgoing edges that have a target, in file order.
	Edges() []Edge
	// Run performs the node on a call and names the edge to follow next. EdgeHangup means the call is
	// over and nothing follows; a name the node has no edge for ends the flow.
	Run(ctx context.Context, c Call) (edge string, err error)
}

// Edge is a named link from a node to another node of the same flow.
type Edge struct {
	Name   string // "next", "nomatch", a menu digit, …
	Target string // id of the node the edge leads to
	Line   int    // position of the target in the file
	Column int

	label string // how error messages name the edge, such as `option "3"`
}

// Edge names the built-in node types return.
const (
	EdgeNext    = "next"
	EdgeNoMatch = "nomatch"
	EdgeNoAgent = "noagent"
	EdgeTimeout = "timeout"
	// EdgeHangup is not a real edge: a node returns it when the call has ended (it hung up, or the caller
	// did), and Run stops.
	EdgeHangup = "hangup"
)

// appendEdges appends the edges that have a target.
func appendEdges(dst []Edge, edges ...Edge) []Edge {
	for _, e := range edges {
		if e.Target != "" {
			dst = append(dst, e)
		}
	}
	return dst
}

// nodeBase holds what every node type has.
type nodeBase struct {
	id string
}

func (b nodeBase) ID() string { return b.id }

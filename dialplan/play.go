package dialplan

import "context"

// PlayNode plays a WAV file, then follows next.
//
//	nodes:
//	  - id: tone
//	    type: play
//	    file: prompts/beep.wav    # relative to the dialplan file's directory; must exist
//	    next: menu                # optional; without it the call ends here
type PlayNode struct {
	nodeBase
	File string // as written in the dialplan
	Path string // absolute path of File
	Next Edge
}

var _ Node = (*PlayNode)(nil)

func newPlay(id string, f *fields) Node {
	n := &PlayNode{nodeBase: nodeBase{id}}
	n.File, n.Path = f.file("file", true)
	n.Next = f.edge("next", EdgeNext)
	return n
}

func (*PlayNode) Type() string { return "play" }

func (n *PlayNode) Edges() []Edge { return appendEdges(nil, n.Next) }

// Run plays the file to the end; keys pressed meanwhile stay queued.
func (n *PlayNode) Run(ctx context.Context, c Call) (string, error) {
	if err := c.Play(ctx, Prompt{File: n.Path, Lang: c.Language()}, false); err != nil {
		return "", err
	}
	return EdgeNext, nil
}

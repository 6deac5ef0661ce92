package ivr

import (
	"slices"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/record"
)

// A call's record is written before the call is answered and again at the moments that matter
// (the caller enters a queue, reaches an agent or the bot, is transferred), so that a crash of
// the server loses at most the path since the last of these checkpoints: on the next start the
// calls still in progress are closed as interrupted with what their record knew. The record the
// call's end writes (Records.PutCall) replaces the checkpoints.

// Journal keeps the records of calls in progress. Checkpoint gets a copy the IVR does not touch
// again, with Disposition record.DispositionInProgress and End the moment of the checkpoint,
// and without what was said (the transcript and the handoff are stored, redacted, at the end);
// it returns once the record is stored, so the answer that follows a checkpoint is never sent
// for a call the store does not know.
type Journal interface {
	Checkpoint(*record.Call) error
}

// position is where a call is in its dialplan, so a checkpoint can name the node the call is in
// (the path lists a node once it has finished).
type position struct {
	flow  *dialplan.Flow
	node  string
	since time.Time
}

// step moves the position along a dialplan step that has finished.
func (p *position) step(s dialplan.Step) {
	if p.flow != nil && s.Type == "goto" {
		if g, ok := p.flow.Node(s.Node).(*dialplan.GotoNode); ok {
			p.flow = g.Flow
		}
	}
	p.node, p.since = s.Target, time.Now()
}

// current is the step of the node the call is in; ok is false when it is in none.
func (p *position) current() (record.PathStep, bool) {
	if p.flow == nil || p.node == "" {
		return record.PathStep{}, false
	}
	n := p.flow.Node(p.node)
	if n == nil {
		return record.PathStep{}, false
	}
	return record.PathStep{Node: p.node, Type: n.Type(), At: p.since}, true
}

// checkpoint stores the call's record as it stands, in progress, with the node it is in; edit (if
// not nil) adds what the call's record does not hold yet (an answer being sent, an external
// transfer going on). It runs in the call's goroutine. A failed checkpoint is logged and the call
// goes on: the record its end writes is the one that matters.
func (c *call) checkpoint(why string, edit func(snap *record.Call)) {
	j := c.engine.Journal
	if j == nil {
		return
	}
	snap := *c.rec
	snap.Path = slices.Clone(c.rec.Path)
	if s, ok := c.pos.current(); ok {
		snap.Path = append(snap.Path, s)
	}
	snap.Transfers = slices.Clone(c.rec.Transfers)
	snap.Recordings = slices.Clone(c.rec.Recordings)
	snap.Transcript, snap.Handoff, snap.Vars, snap.WrapUps, snap.Analysis = nil, nil, nil, nil, nil
	snap.Disposition, snap.HangupBy, snap.HangupCause = record.DispositionInProgress, "", ""
	snap.End = time.Now()
	if edit != nil {
		edit(&snap)
	}
	if err := j.Checkpoint(&snap); err != nil {
		c.log.Error("checkpointing the call record failed; the call goes on", "call_id", snap.ID, "at", why, "error", err)
	}
}

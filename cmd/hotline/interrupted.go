package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// aliveEvery is how often the server notes in the store that it is running: after a crash, the
// calls it had in progress end no earlier than the last note.
const aliveEvery = 5 * time.Second

// Calls a crash interrupts. The IVR checkpoints a call's record (ivr.Journal) when it is answered
// and as it goes; the store keeps those records in progress until the call's end replaces them.
// At a start, before any call comes, closeInterrupted closes the ones left: the recordings a
// crash cut short are attached to them already (newRecordings), and each is ended like any call,
// with its analysis job and its call.ended event.

// Checkpoint is the IVR's journal. A checkpoint holds no words (the IVR leaves the transcript
// and the handoff for the end, where they are redacted), so it goes to the store as it is.
func (a *afterCall) Checkpoint(c *record.Call) error { return a.st.CheckpointCall(c) }

// closeInterrupted closes the calls the store has in progress as interrupted and reports how
// many it closed. A call that cannot be closed is logged and left in progress, for the next
// start to try again.
func (a *afterCall) closeInterrupted() (int, error) {
	open, err := a.st.OpenCalls()
	if err != nil {
		return 0, fmt.Errorf("calls interrupted by the last stop: %w", err)
	}
	alive, err := a.st.LastAlive()
	if err != nil {
		a.log.Warn("when the server last ran is not known; interrupted calls end at their last checkpoint", "error", err)
	}
	n := 0
	for _, c := range open {
		interrupt(c, alive)
		// call.ended goes into the outbox before the record is closed: a crash between the two
		// closes the call again at the next start, and the event (its id is the call's) is not
		// queued twice.
		if err := a.end(c, true); err != nil {
			a.log.Error("closing an interrupted call failed", "call_id", c.ID, "error", err)
			continue
		}
		n++
		a.log.Info("call interrupted by the last stop closed", "call_id", c.ID, "start", c.Start, "end", c.End,
			"queue", c.Queue, "agent", c.Agent, "path_nodes", len(c.Path), "recordings", len(c.Recordings))
	}
	return n, nil
}

// interrupt makes c, a record in progress, the record of an interrupted call: it ended at its
// last checkpoint, where its recording stops, or when the server was last known to be running
// (alive), whichever is latest.
func interrupt(c *record.Call, alive time.Time) {
	end := c.End
	for _, r := range c.Recordings {
		if r.End.After(end) {
			end = r.End
		}
	}
	if alive.After(end) && alive.After(c.Start) {
		end = alive
	}
	if end.Before(c.Start) {
		end = c.Start
	}
	c.End = end
	c.Disposition = record.DispositionInterrupted
	c.HangupBy, c.HangupCause = record.HangupByServer, record.HangupCauseRestart
}

// markAlive notes in the store every aliveEvery that the server runs, until ctx ends.
func (a *afterCall) markAlive(ctx context.Context) {
	t := time.NewTicker(aliveEvery)
	defer t.Stop()
	for ctx.Err() == nil {
		if err := a.st.MarkAlive(time.Now()); err != nil {
			a.log.Warn("noting that the server runs failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

package ivr

import (
	"log/slog"
	"sync"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
)

// Whole-call recording. The IVR decides when a call is recorded (the dialplan's policy, the queues
// the caller enters, the agent's requests); package recording, behind Recorders, writes the files.
// A recorder taps the caller's leg (left: the caller, right: whatever the caller hears), so it
// follows the caller through queue, bot, agents, transfers and consultations by itself: the IVR
// only starts, pauses, resumes and stops it.
//
// Policy, applied in this order as the call goes on:
//   - on answer, the route's policy (settings.record unless the route sets one): always plays
//     settings.record_announcement, then starts recording; never and on_demand start nothing;
//   - entering a queue with record: always starts recording (announcement first) unless it runs,
//     and resumes it if paused; record: never stops it (the file ends there, a later always queue
//     starts another, so a call may have several recordings) and forbids the agent to start it;
//     record: on_demand lets the agent start it; no record: changes nothing;
//   - the agent, while talking with the caller, pauses and resumes it, or starts it when the policy
//     is not never (no announcement then: the agent is talking with the caller).
//
// A recorder that cannot start is logged with the call id and the call goes on unrecorded.

// CallRecorder is one running recording of a call.
type CallRecorder interface {
	Pause()
	Resume()
	Paused() bool
	// Stop ends the recording and describes the file it wrote.
	Stop() record.Recording
}

// Recorders starts recordings of calls.
type Recorders interface {
	Record(leg InboundLeg, callID string) (CallRecorder, error)
}

// RecordingState is whether a call is being recorded, as an agent's desktop shows it.
type RecordingState string

const (
	RecordingOff    RecordingState = "off"
	RecordingActive RecordingState = "recording"
	RecordingPaused RecordingState = "paused"
)

// RecordingWatcher is implemented by agent legs whose agent sees the call's recording state. It is
// told the state when the agent is bridged and on every change.
type RecordingWatcher interface {
	RecordingChanged(state RecordingState, allowed bool)
}

// callRecording is one call's recording state. The call's goroutine and the goroutine reading the
// agent's requests both use it; mu guards its fields.
type callRecording struct {
	recorders Recorders // nil: the engine records nothing
	leg       InboundLeg
	callID    string
	log       *slog.Logger

	mu      sync.Mutex
	policy  string // the policy in force: dialplan.RecordAlways, RecordNever or RecordOnDemand
	cur     CallRecorder
	done    []record.Recording
	watcher RecordingWatcher
}

func newCallRecording(e *Engine, leg InboundLeg, callID, policy string) *callRecording {
	if policy == "" {
		policy = dialplan.DefaultRecord
	}
	return &callRecording{recorders: e.Recorders, leg: leg, callID: callID, log: leg.Logger(), policy: policy}
}

// stateLocked is the recording state; mu is held.
func (r *callRecording) stateLocked() RecordingState {
	switch {
	case r.cur == nil:
		return RecordingOff
	case r.cur.Paused():
		return RecordingPaused
	}
	return RecordingActive
}

// tellLocked tells the agent's desktop the state; mu is held.
func (r *callRecording) tellLocked() {
	if r.watcher != nil && r.recorders != nil {
		r.watcher.RecordingChanged(r.stateLocked(), r.policy != dialplan.RecordNever)
	}
}

// startLocked starts a recording; mu is held.
func (r *callRecording) startLocked(why string) {
	rec, err := r.recorders.Record(r.leg, r.callID)
	if err != nil {
		r.log.Error("recording did not start; the call goes on unrecorded", "call_id", r.callID, "error", err)
		return
	}
	r.cur = rec
	r.log.Info("recording started", "call_id", r.callID, "by", why)
}

// stopLocked stops the running recording and keeps its description; mu is held.
func (r *callRecording) stopLocked(why string) {
	if r.cur == nil {
		return
	}
	r.done = append(r.done, r.cur.Stop())
	r.cur = nil
	r.log.Info("recording stopped", "call_id", r.callID, "by", why)
}

// wantsStart reports whether policy always asks for a recording that does not run.
func (r *callRecording) wantsStart() bool {
	if r == nil || r.recorders == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.policy == dialplan.RecordAlways && r.cur == nil
}

// startAnnounced plays the announcement, then starts recording, if the policy in force is always
// and nothing records yet. It runs in the call's goroutine, with the caller answered and not
// bridged.
func (c *call) startAnnounced(why string) {
	r := c.recording
	if !r.wantsStart() {
		return
	}
	var a dialplan.Announcement
	if c.plan != nil {
		a = c.plan.Settings.RecordAnnouncement
	}
	if !a.IsZero() {
		ctx := c.leg.Context()
		samples, err := c.engine.prompt(ctx, a.Prompt(c.lang), c.leg.OutputRate())
		if err != nil {
			c.log.Error("recording announcement unavailable", "error", err)
		} else if err := media.Play(ctx, c.leg.AudioOut(), samples); err != nil {
			return // the caller left during it
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.policy == dialplan.RecordAlways && r.cur == nil {
		r.startLocked(why)
		r.tellLocked()
	}
}

// recordInQueue applies a queue's record: as the caller enters it.
func (c *call) recordInQueue(q *dialplan.Queue) {
	r := c.recording
	if r == nil || r.recorders == nil || q.Record == "" {
		return
	}
	r.mu.Lock()
	r.policy = q.Record
	switch q.Record {
	case dialplan.RecordNever:
		r.stopLocked("queue " + q.Name)
	case dialplan.RecordAlways:
		if r.cur != nil && r.cur.Paused() {
			r.cur.Resume()
		}
	}
	r.mu.Unlock()
	if q.Record == dialplan.RecordAlways && c.answered {
		c.startAnnounced("queue " + q.Name)
	}
	// An unanswered caller is recorded from the answer, after the announcement (see answer).
}

// agentRecord carries out an agent's request to record (on) or pause (off).
func (r *callRecording) agentRecord(on bool) {
	if r == nil || r.recorders == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case on && r.policy == dialplan.RecordNever:
		r.log.Info("recording not started: this call is not to be recorded", "call_id", r.callID)
	case on && r.cur == nil:
		r.startLocked("agent")
	case on && r.cur.Paused():
		r.cur.Resume()
		r.log.Info("recording resumed", "call_id", r.callID)
	case !on && r.cur != nil && !r.cur.Paused():
		r.cur.Pause()
		r.log.Info("recording paused", "call_id", r.callID)
	}
	r.tellLocked()
}

// watch makes w the agent who sees the recording state (nil: nobody) and tells them.
func (r *callRecording) watch(w RecordingWatcher) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.watcher = w
	r.tellLocked()
}

// finish stops what still records and returns every recording of the call.
func (r *callRecording) finish() []record.Recording {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopLocked("call end")
	r.watcher = nil
	return r.done
}

// agentRecordWatcher is the agent leg's watcher, if its agent sees recording state.
func agentRecordWatcher(agent AgentLeg) RecordingWatcher {
	w, _ := agent.(RecordingWatcher)
	return w
}

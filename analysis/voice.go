package analysis

import (
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
)

const (
	// interruptAfter: the other party must have been speaking this long
	// for a new start to count as cutting in (not a simultaneous start).
	interruptAfter = 300 * time.Millisecond
	// interruptMin: the interrupter must keep speaking this long (not a
	// backchannel "mm" or "ok").
	interruptMin = 500 * time.Millisecond
)

// VoiceContext is what the call record says about the recording's timeline;
// FromCall builds it. Intervals are absolute times; the parts outside the
// recording are ignored. Without RecordingStart they cannot be placed: the
// agent figures stay 0, nothing is masked, and HoldMs is the holds' sum.
type VoiceContext struct {
	// RecordingStart is when the recording's first sample was captured.
	RecordingStart time.Time
	// Agent are the spans when a human agent was on the other side (agent
	// answer to hangup or transfer); the rest of the right channel is the
	// bot, prompts, an external party or hold music.
	Agent []record.Interval
	// Hold are the spans the caller waited (queue, consultation, agent's
	// hold). The right channel there is music or prompts, not talk, so it
	// counts towards neither talk nor interruptions.
	Hold []record.Interval
	// Paused are spans recording was paused (silence in the file); they
	// are left out of every figure, duration included.
	Paused []record.Interval
	// TimeToAnswer is the call's start to an agent's answer; 0 if none.
	TimeToAnswer time.Duration
}

// FromCall derives the timeline of rec, a recording of c: the agent was on
// from AgentAnswer until the first answered external transfer after it or
// the end of the call; the caller was on hold for WaitMs before the agent
// answered (or before the end, when no agent did). Holds an agent placed
// are not in the call record yet; callers that know them append to Hold.
func FromCall(c *record.Call, rec record.Recording) VoiceContext {
	vc := VoiceContext{RecordingStart: rec.Start, Paused: rec.Paused}
	if vc.RecordingStart.IsZero() {
		vc.RecordingStart = c.Answer
	}
	if !c.AgentAnswer.IsZero() {
		vc.TimeToAnswer = c.AgentAnswer.Sub(c.Start)
		end := c.End
		for _, t := range c.Transfers {
			if !t.Answer.IsZero() && t.Answer.After(c.AgentAnswer) && t.Answer.Before(end) {
				end = t.Answer
			}
		}
		vc.Agent = []record.Interval{{Start: c.AgentAnswer, End: end}}
	}
	if c.WaitMs > 0 {
		end := c.AgentAnswer
		if end.IsZero() {
			end = c.End
		}
		vc.Hold = []record.Interval{{Start: end.Add(-time.Duration(c.WaitMs) * time.Millisecond), End: end}}
	}
	return vc
}

// mask marks, per 10 ms frame of the recording, membership of a set of
// intervals.
func (vc VoiceContext) mask(spans []record.Interval, frames int) []bool {
	if len(spans) == 0 || vc.RecordingStart.IsZero() {
		return nil
	}
	m := make([]bool, frames)
	for _, s := range spans {
		a := int(s.Start.Sub(vc.RecordingStart) / frameDur)
		b := int((s.End.Sub(vc.RecordingStart) + frameDur - 1) / frameDur)
		for i := max(a, 0); i < min(b, frames); i++ {
			m[i] = true
		}
	}
	return m
}

func at(m []bool, i int) bool { return m != nil && m[i] }

// Voice measures talk and silence on a two-channel recording at rate: left
// the caller, right the other side. It needs no recognizer.
//
// Silence is time when neither side speaks, hold included (as contact
// center reports count non-talk time); the right channel during hold is
// music or prompts and counts as no one speaking. An interruption is a
// party starting while the other has been speaking for at least 300 ms and
// going on for at least 500 ms.
func Voice(left, right media.PCM16, rate int, vc VoiceContext) record.VoiceStats {
	caller := activeFrames(left, rate)
	other := activeFrames(right, rate)
	frames := max(len(caller), len(other))
	caller = pad(caller, frames)
	other = pad(other, frames)
	agent := vc.mask(vc.Agent, frames)
	hold := vc.mask(vc.Hold, frames)
	paused := vc.mask(vc.Paused, frames)
	for i := range frames {
		if at(hold, i) {
			other[i] = false
		}
		if at(paused, i) {
			caller[i], other[i] = false, false
		}
	}

	var st record.VoiceStats
	ms := func(n int) int64 { return int64(time.Duration(n) * frameDur / time.Millisecond) }
	var dur, callerN, otherN, agentN, callerAgentN, silN, overN, holdN, run, longest int
	for i := range frames {
		if at(paused, i) {
			continue
		}
		dur++
		c, o := caller[i], other[i]
		if c {
			callerN++
		}
		if o {
			otherN++
		}
		if at(agent, i) {
			if o {
				agentN++
			}
			if c {
				callerAgentN++
			}
		}
		if at(hold, i) {
			holdN++
		}
		switch {
		case c && o:
			overN++
		case !c && !o:
			silN++
		}
		if !c && !o {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	st.DurationMs = ms(dur)
	st.CallerTalkMs = ms(callerN)
	st.OtherTalkMs = ms(otherN)
	st.AgentTalkMs = ms(agentN)
	st.SilenceMs = ms(silN)
	st.LongestSilenceMs = ms(longest)
	st.OvertalkMs = ms(overN)
	if dur > 0 {
		st.SilenceShare = float64(silN) / float64(dur)
	}
	if agentN+callerAgentN > 0 {
		st.AgentTalkRatio = float64(agentN) / float64(agentN+callerAgentN)
	}
	if len(vc.Hold) > 0 && vc.RecordingStart.IsZero() {
		// No timeline to place the holds on: take them as given.
		for _, h := range vc.Hold {
			holdN += int(h.End.Sub(h.Start) / frameDur)
		}
	}
	st.HoldMs = ms(holdN)
	st.CallerInterruptions = interruptions(framesToSegments(caller), framesToSegments(other))
	st.OtherInterruptions = interruptions(framesToSegments(other), framesToSegments(caller))
	if vc.TimeToAnswer > 0 {
		st.TimeToAnswerMs = vc.TimeToAnswer.Milliseconds()
	}
	return st
}

func pad(a []bool, n int) []bool {
	if len(a) >= n {
		return a
	}
	return append(a, make([]bool, n-len(a))...)
}

// interruptions counts the segments of by that start while a segment of
// of has been going for interruptAfter, and last interruptMin.
func interruptions(by, of []Segment) int {
	n, j := 0, 0
	for _, s := range by {
		if s.Duration() < interruptMin {
			continue
		}
		for j < len(of) && of[j].End <= s.Start {
			j++
		}
		if j < len(of) && of[j].Start <= s.Start-interruptAfter && of[j].End > s.Start {
			n++
		}
	}
	return n
}

package desk

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/media"
)

// callLeg is the agent's leg as the IVR holds it: the device's leg, plus the agent's requests from
// the desktop (ivr.AgentControls), hold on desktop calls, and why the leg ended.
type callLeg struct {
	ivr.AgentLeg
	agent    *agentDesk
	call     string
	device   Device
	requests chan ivr.AgentRequest
	hold     *holdSwitch // desktop calls only

	mu          sync.Mutex // guards cause, agentHungUp and recording
	cause       string
	agentHungUp bool
	recording   *RecordingChanged // the call's recording state as last told; nil: never told
}

var (
	_ ivr.AgentControls    = (*callLeg)(nil)
	_ ivr.RecordingWatcher = (*callLeg)(nil)
)

func newCallLeg(leg ivr.AgentLeg, a *agentDesk, call string, dev Device, holdAudio media.PCM16) *callLeg {
	c := &callLeg{AgentLeg: leg, agent: a, call: call, device: dev, requests: make(chan ivr.AgentRequest, 4)}
	if dev == DeviceBrowser {
		rate := leg.AudioOut().SampleRate()
		var music media.PCM16
		if len(holdAudio) > 0 {
			music = media.Resample(holdAudio, 8000, rate)
		}
		c.hold = &holdSwitch{rate: rate, music: music, out: media.NewSwitchWriter(rate)}
		leg.SwapAudioIn(c.hold)
	}
	return c
}

// face is how the IVR sees the leg: a SIP phone's leg keeps its RTP session in view, so the
// bridge relays its packets instead of transcoding.
func (c *callLeg) face() ivr.AgentLeg {
	if _, ok := c.AgentLeg.(media.RTPLeg); ok {
		return rtpCallLeg{c}
	}
	return c
}

// rtpCallLeg is a callLeg over an RTP leg.
type rtpCallLeg struct{ *callLeg }

func (r rtpCallLeg) RTP() *media.RTPSession { return r.AgentLeg.(media.RTPLeg).RTP() }

// Requests implements ivr.AgentControls.
func (c *callLeg) Requests() <-chan ivr.AgentRequest { return c.requests }

// ConsultProgress implements ivr.AgentControls: the agent's desktop is told.
func (c *callLeg) ConsultProgress(state ivr.ConsultState, colleague string) {
	c.agent.emit(ConsultChanged{Call: c.call, State: state, Colleague: colleague})
}

// RecordingChanged implements ivr.RecordingWatcher: the agent's desktop is told.
func (c *callLeg) RecordingChanged(state ivr.RecordingState, allowed bool) {
	e := RecordingChanged{Call: c.call, State: state, Allowed: allowed}
	c.mu.Lock()
	c.recording = &e
	c.mu.Unlock()
	c.agent.emit(e)
}

// lastRecording is the recording state the desktop was last told, for a desktop that connects
// during the call.
func (c *callLeg) lastRecording() (RecordingChanged, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.recording == nil {
		return RecordingChanged{}, false
	}
	return *c.recording, true
}

// request hands an agent's request to the call; false when one is already waiting.
func (c *callLeg) request(r ivr.AgentRequest) bool {
	select {
	case c.requests <- r:
		return true
	default:
		return false
	}
}

// SwapAudioIn sets where the agent's audio goes; on a desktop call it passes the hold switch.
func (c *callLeg) SwapAudioIn(w media.FrameWriter) media.FrameWriter {
	if c.hold != nil {
		return c.hold.swap(w)
	}
	return c.AgentLeg.SwapAudioIn(w)
}

// Hangup ends the leg for the call (the IVR's side), with the cause the agent is shown.
func (c *callLeg) Hangup(ctx context.Context, cause string) error {
	c.mu.Lock()
	if c.cause == "" {
		c.cause = cause
	}
	c.mu.Unlock()
	return c.AgentLeg.Hangup(ctx, cause)
}

// hangupByAgent ends the leg because the agent hung up on the desktop: for the call, the agent
// hung up, not the server.
func (c *callLeg) hangupByAgent() {
	c.mu.Lock()
	if c.cause == "" {
		c.cause, c.agentHungUp = "agent_bye", true
	}
	c.mu.Unlock()
	_ = c.AgentLeg.Hangup(context.Background(), "agent_bye")
}

// HungUpByUs reports whether the server ended the leg: not when the agent did, on the phone or
// on the desktop.
func (c *callLeg) HungUpByUs() bool {
	c.mu.Lock()
	byAgent := c.agentHungUp
	c.mu.Unlock()
	return c.AgentLeg.HungUpByUs() && !byAgent
}

// endCause is why the leg ended, as the agent is told.
func (c *callLeg) endCause() string {
	c.mu.Lock()
	cause := c.cause
	c.mu.Unlock()
	if cause != "" {
		return cause
	}
	if b, ok := c.AgentLeg.(interface{ Cause() string }); ok && b.Cause() != "" {
		return b.Cause()
	}
	return "bye"
}

// holdSwitch sits between a desktop leg's decoded audio and whoever takes it: while held, the
// caller hears hold music instead of the agent. Its output is a switch, so a taker at another
// rate (a G.711 caller of a 16 kHz Opus desktop) gets the audio resampled. The music position is
// the leg's reader's own.
type holdSwitch struct {
	rate  int
	music media.PCM16
	held  atomic.Bool
	out   *media.SwitchWriter

	pos int         // touched only by the leg's reader (WriteFrame)
	buf media.PCM16 // likewise
}

func (h *holdSwitch) swap(w media.FrameWriter) media.FrameWriter { return h.out.Swap(w) }

func (h *holdSwitch) WriteFrame(p media.PCM16) error {
	if h.held.Load() {
		if cap(h.buf) < len(p) {
			h.buf = make(media.PCM16, len(p))
		}
		f := h.buf[:len(p)]
		for i := range f {
			f[i] = 0
			if len(h.music) > 0 {
				f[i] = h.music[h.pos%len(h.music)]
				h.pos++
			}
		}
		p = f
	}
	return h.out.WriteFrame(p)
}

func (h *holdSwitch) SampleRate() int { return h.rate }
func (h *holdSwitch) String() string  { return "hold → " + h.out.String() }

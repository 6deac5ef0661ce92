package desk

import (
	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/ivr"
)

// Event is something the agent's desktop is told.
type Event interface{ event() }

// Hello starts a session: the wrap-up codes the agent chooses from.
type Hello struct{ Dispositions []string }

// Status is the agent's own state, on every change.
type Status struct{ Agent acd.AgentStatus }

// Offered is a call ringing for the agent on Device (DeviceBrowser: answer on the desktop;
// DevicePhone: it rings the SIP phone; DeviceBoth: either), with what the screen pop shows.
type Offered struct {
	Call   string
	Info   ivr.CallInfo
	Device Device
}

// Withdrawn is a ringing call that stopped ringing: it rang out, the caller left or another agent
// took it ("timeout"), the agent refused it ("rejected"), the desktop went away ("desktop_gone"),
// the phone did not take it ("not_answered"), or the softphone's media could not start
// ("media_failed").
type Withdrawn struct{ Call, Reason string }

// Answered carries the server's SDP answer to the browser's offer of a call being answered.
type Answered struct{ Call, SDP string }

// Connected is a call the agent answered, on Device, now bridged with the caller.
type Connected struct {
	Call   string
	Device Device
}

// HoldChanged is the caller of a desktop call put on hold or taken off it.
type HoldChanged struct {
	Call string
	On   bool
}

// RecordingChanged is the recording state of a call the agent talks on: when the agent is
// connected and on every change. Allowed is false where the dialplan says the call is not to be
// recorded (the desktop offers no button then).
type RecordingChanged struct {
	Call    string
	State   ivr.RecordingState
	Allowed bool
}

// ConsultChanged is how a consultation goes.
type ConsultChanged struct {
	Call      string
	State     ivr.ConsultState
	Colleague string
}

// Ended is the agent's part of a call ending, with why ("agent_bye", "normal" when the caller
// hung up, "transfer"…): the call awaits the agent's wrap-up.
type Ended struct{ Call, Cause string }

// WrapUpSaved is a wrap-up stored.
type WrapUpSaved struct{ Call string }

func (Hello) event()            {}
func (Status) event()           {}
func (Offered) event()          {}
func (Withdrawn) event()        {}
func (Answered) event()         {}
func (Connected) event()        {}
func (HoldChanged) event()      {}
func (ConsultChanged) event()   {}
func (RecordingChanged) event() {}
func (Ended) event()            {}
func (WrapUpSaved) event()      {}

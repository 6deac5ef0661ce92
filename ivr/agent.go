package ivr

import (
	"context"
	"errors"

	"github.com/hotline-cc/hotline/media"
)

// The seam between a call and the agent who takes it. The IVR decides when an agent rings and
// what the caller hears; the agent-session layer (package desk) decides on which device the
// agent rings and turns what the agent does on the desktop into requests on the agent's leg.

// AgentDialer rings an agent until they answer, fail or refuse, or ctx is done.
type AgentDialer interface {
	DialAgent(ctx context.Context, agentID string, caller CallInfo) (AgentLeg, error)
}

// ErrAgentRejected is what an AgentDialer returns (wrapped) when the agent refused the call
// rather than letting it ring out.
var ErrAgentRejected = errors.New("agent rejected the call")

// AgentLeg is an answered agent leg.
type AgentLeg interface {
	media.Leg
	// HungUpByUs reports whether the server ended it (rather than the agent).
	HungUpByUs() bool
	// Close releases its media after it ended.
	Close()
}

// AgentControls is implemented by agent legs whose agent can act on the call from their
// desktop: hand the caller on, or consult a colleague first.
type AgentControls interface {
	// Requests delivers what the agent asks for, in order.
	Requests() <-chan AgentRequest
	// ConsultProgress tells the agent how a consultation with colleague goes.
	ConsultProgress(state ConsultState, colleague string)
}

// AgentRequest is one thing an agent asks the call to do.
type AgentRequest struct {
	Kind RequestKind
	// With RequestTransfer: the queue or the agent the caller goes to (one of them). With
	// RequestConsult: Agent is the colleague.
	Queue, Agent string
	// With RequestRecord: start or resume recording (true), or pause it (false).
	On bool
}

// RequestKind says what an agent asks for.
type RequestKind int

const (
	// RequestTransfer hands the caller to a queue or another agent (a blind transfer): the
	// agent's part ends, the caller queues for the target.
	RequestTransfer RequestKind = iota + 1
	// RequestConsult puts the caller on hold and rings a colleague.
	RequestConsult
	// RequestCompleteConsult hands the caller to the colleague the agent is talking with.
	RequestCompleteConsult
	// RequestCancelConsult ends the consultation; the caller comes back to the agent.
	RequestCancelConsult
	// RequestRecord starts, resumes or pauses the call's recording (recording.go); the bridge goes on.
	RequestRecord
)

func (k RequestKind) String() string {
	switch k {
	case RequestTransfer:
		return "transfer"
	case RequestConsult:
		return "consult"
	case RequestCompleteConsult:
		return "consult_complete"
	case RequestCancelConsult:
		return "consult_cancel"
	case RequestRecord:
		return "record"
	}
	return "unknown"
}

// ConsultState is how a consultation goes, as the agent is told.
type ConsultState string

const (
	ConsultRinging   ConsultState = "ringing"   // the colleague rings; the caller hears hold audio
	ConsultConnected ConsultState = "connected" // agent and colleague talk
	ConsultFailed    ConsultState = "failed"    // the colleague is not available or did not answer
	ConsultCancelled ConsultState = "cancelled" // back to the caller
	ConsultCompleted ConsultState = "completed" // the caller went to the colleague
)

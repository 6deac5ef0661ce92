package dialplan

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Call is what a node can do to the call it runs in. The IVR implements it with a real media leg;
// tests and the simulator implement it with a scripted caller (see package dialplantest).
type Call interface {
	Context() context.Context
	Logger() *slog.Logger
	// Language is the call's effective prompt language: the route's language, else the plan's default.
	Language() string
	// Vars are the call variables (caller, called, …).
	Vars() map[string]string
	// Play speaks or plays a prompt. If interruptible, a DTMF key pressed during it stops the prompt
	// (the key stays queued for ReadDigit). Returns when done or ctx is cancelled.
	Play(ctx context.Context, p Prompt, interruptible bool) error
	// ReadDigit waits up to timeout for the next DTMF key; ok=false on timeout.
	ReadDigit(ctx context.Context, timeout time.Duration) (digit rune, ok bool, err error)
	// FlushDigits discards keys pressed so far.
	FlushDigits()
	// Queue puts the caller in an agent queue and returns when the call left the queue
	// (answered and the bridge ended, no agent, timeout, or caller hung up).
	Queue(ctx context.Context, req QueueRequest) (QueueResult, error)
	// Hangup ends the call with a cause (one of the Cause constants).
	Hangup(cause string) error
}

// Prompt is one thing to say or play: either Text (spoken by TTS in Lang) or File (a WAV file path).
type Prompt struct {
	Text string
	File string
	Lang string
}

// QueueRequest asks for the caller to wait in a queue for an agent.
type QueueRequest struct {
	Queue    *Queue
	MaxWait  time.Duration
	Priority int // higher is served first
}

// QueueOutcome is how a caller left a queue.
type QueueOutcome int

// The zero QueueOutcome is invalid, so that a forgotten outcome is not mistaken for an answer.
const (
	QueueAnswered     QueueOutcome = iota + 1 // an agent answered; the bridge has ended
	QueueNoAgent                              // no agent was registered or available at all
	QueueTimeout                              // the maximum wait was reached
	QueueCallerHangup                         // the caller hung up while waiting or talking
)

func (o QueueOutcome) String() string {
	switch o {
	case QueueAnswered:
		return "answered"
	case QueueNoAgent:
		return "noagent"
	case QueueTimeout:
		return "timeout"
	case QueueCallerHangup:
		return "caller-hangup"
	}
	return fmt.Sprintf("QueueOutcome(%d)", int(o))
}

// QueueResult reports how a queue attempt ended.
type QueueResult struct {
	Outcome QueueOutcome
	Agent   string        // the agent who answered, when Outcome is QueueAnswered
	Wait    time.Duration // time spent waiting before leaving the queue or being answered
}

// Hangup causes a hangup node may give; the IVR maps them to SIP responses or BYE.
const (
	CauseNormal      = "normal"
	CauseBusy        = "busy"
	CauseRejected    = "rejected"
	CauseUnavailable = "unavailable"
)

var hangupCauses = []string{CauseNormal, CauseBusy, CauseRejected, CauseUnavailable}

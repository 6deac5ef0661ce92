package desk

// Command is something an agent does on their desktop; Session.Do carries it out.
type Command interface{ command() }

// SetState sets the agent's own state: "available", "break" (with a reason) or "offline".
type SetState struct {
	State  string
	Reason string
}

// Answer answers a call ringing on the desktop; SDP is the browser's offer, its ICE candidates
// gathered.
type Answer struct{ Call, SDP string }

// Reject refuses a ringing call; the agent goes on break, the caller keeps their place.
type Reject struct{ Call string }

// Hangup ends the agent's part of a call; the caller is released too.
type Hangup struct{ Call string }

// Hold puts the caller of a desktop call on hold (they hear hold music) or takes them off it.
type Hold struct {
	Call string
	On   bool
}

// Record starts or resumes (On) the recording of a call the agent is talking on, or pauses it
// while the caller reads out what must not be kept (a card number). The call's dialplan may
// forbid recording it; the desktop is told the state that results (RecordingChanged).
type Record struct {
	Call string
	On   bool
}

// SendDigit sends a key from the desktop's pad to the caller: 0-9, *, #, A-D.
type SendDigit struct {
	Call  string
	Digit rune
}

// Transfer hands the caller to a queue or to another agent (one of them): a blind transfer.
type Transfer struct{ Call, Queue, Agent string }

// Consult puts the caller on hold and rings a colleague, before handing the caller over.
type Consult struct{ Call, Agent string }

// CompleteConsult hands the caller to the colleague the agent is talking with.
type CompleteConsult struct{ Call string }

// CancelConsult ends the consultation; the caller comes back to the agent.
type CancelConsult struct{ Call string }

// WrapUp saves the agent's disposition and notes of a call that ended, and ends their wrap-up.
type WrapUp struct{ Call, Disposition, Notes string }

func (SetState) command()        {}
func (Answer) command()          {}
func (Reject) command()          {}
func (Hangup) command()          {}
func (Hold) command()            {}
func (Record) command()          {}
func (SendDigit) command()       {}
func (Transfer) command()        {}
func (Consult) command()         {}
func (CompleteConsult) command() {}
func (CancelConsult) command()   {}
func (WrapUp) command()          {}

package record

import "time"

// Job kinds.
const (
	// JobAnalyze analyses one ended call: transcribe, redact, analyse, categorise, store the result.
	JobAnalyze = "analyze"
)

// Job states.
const (
	JobQueued  = "queued"  // waiting until NextAt, then for a free worker
	JobRunning = "running" // claimed by a worker; a crash puts it back to queued
	JobDone    = "done"
	JobFailed  = "failed" // gave up: a permanent error, or out of attempts; Error says why
)

// JobStates lists the job states in the order a job goes through them.
var JobStates = []string{JobQueued, JobRunning, JobDone, JobFailed}

// Job is one unit of durable background work about a call, such as its analysis. There is at
// most one job per (Kind, CallID): its ID is built from the two.
type Job struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"` // one of the Job* kind constants
	CallID   string    `json:"call_id"`
	State    string    `json:"state"`    // one of the Job* state constants
	Attempts int       `json:"attempts"` // times a worker claimed it
	NextAt   time.Time `json:"next_at"`  // a queued job is not claimed before this
	Error    string    `json:"error,omitempty"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
}

// JobID is the ID of the job of kind about call callID.
func JobID(kind, callID string) string { return kind + "/" + callID }

package record

import "time"

// Dispositions of a call, as recorded in Call.Disposition.
const (
	DispositionAnswered  = "answered"
	DispositionAbandoned = "abandoned"
	DispositionNoAgent   = "no_agent"
	DispositionTimeout   = "timeout"
	DispositionQueueFull = "queue_full"
	DispositionRejected  = "rejected"
	DispositionFailed    = "failed"
	DispositionCompleted = "completed"
	// DispositionTransferred: an external number the caller was transferred to answered.
	DispositionTransferred = "transferred"
	// DispositionInProgress: the call is going on. Its record is written when the call is
	// answered and checkpointed as it goes (queue, agent, transfer); End is then the last
	// checkpoint. The call's end replaces it with the real disposition.
	DispositionInProgress = "in_progress"
	// DispositionInterrupted: the server stopped (a crash, a kill) while the call was in
	// progress. The record holds what the last checkpoint knew, and the recording up to the crash.
	DispositionInterrupted = "interrupted"
)

// HangupCauseRestart is the hangup cause of a call the server's restart closed as interrupted.
const HangupCauseRestart = "server restart"

// Parties that can end a call, as recorded in Call.HangupBy.
const (
	HangupByCaller = "caller"
	HangupByAgent  = "agent"
	HangupByServer = "server"
	// HangupByNumber: an external number the caller was transferred to (Transfer.HangupBy).
	HangupByNumber = "number"
)

// Call is the call detail record (CDR) of one inbound call: who called, the way it took through
// the dialplan, who it reached, how it ended, and what was said. Its parts are embedded, so its
// JSON is one flat object.
type Call struct {
	ID string `json:"id"` // our call id, also the SIP Call-ID of the inbound leg
	Parties
	Routing
	Times
	Outcome
	Vars map[string]string `json:"vars,omitempty"` // flow variables at the end of the call

	Transcript []Turn     `json:"transcript,omitempty"` // what was said with the bot (and agent, where recorded)
	Handoff    *Handoff   `json:"handoff,omitempty"`    // the bot's handoff packet, when it escalated
	Recording  string     `json:"recording,omitempty"`  // path of the WAV a record node (voicemail) saved
	Transfers  []Transfer `json:"transfers,omitempty"`  // attempts to reach external numbers, in order

	// Monitoring are the supervisors' sessions on the call (listen, whisper, barge).
	Monitoring []Monitoring `json:"monitoring,omitempty"`

	// WrapUps are the agents' wrap-ups, one per agent who handled the call, in the order saved.
	WrapUps []WrapUp `json:"wrap_ups,omitempty"`
	// AgentDisposition and AgentNotes repeat the newest wrap-up, for readers of the single-agent form.
	AgentDisposition string `json:"agent_disposition,omitempty"`
	AgentNotes       string `json:"agent_notes,omitempty"`

	Recordings []Recording `json:"recordings,omitempty"` // whole-call recordings
	// Transcribed says the transcript is the whole call's (caller, bot and agent turns), not only
	// what the bot heard and said.
	Transcribed bool      `json:"transcribed,omitempty"`
	Analysis    *Analysis `json:"analysis,omitempty"` // what the analysis found, and its state
	CustomerID  string    `json:"customer_id,omitempty"`
	// Channel is ChannelVoice (empty) for a call, ChannelChat for a chat.
	Channel string `json:"channel,omitempty"`
}

// Parties are the call's ends as signalling gave them.
type Parties struct {
	From       string `json:"from"`        // caller number
	To         string `json:"to"`          // called number
	FromURI    string `json:"from_uri"`    // full From URI of the inbound INVITE
	ToURI      string `json:"to_uri"`      // full To URI of the inbound INVITE
	SourceAddr string `json:"source_addr"` // signalling source ip:port
}

// Routing is the way the call took: the dialplan that ran it and where it went.
type Routing struct {
	Route           string     `json:"route"` // dialplan route that matched
	Flow            string     `json:"flow"`  // flow the route started
	DialplanVersion int        `json:"dialplan_version"`
	DialplanHash    string     `json:"dialplan_hash"`
	Path            []PathStep `json:"path"` // nodes the call went through, in order
	Queue           string     `json:"queue,omitempty"`
	Agent           string     `json:"agent,omitempty"` // the last agent the caller talked to
}

// Times are the moments of the call.
type Times struct {
	Start       time.Time `json:"start"`                 // INVITE received; orders the calls listing
	Answer      time.Time `json:"answer,omitzero"`       // answered by the server; zero if never
	End         time.Time `json:"end"`                   // call torn down; the last checkpoint while in progress
	AgentAnswer time.Time `json:"agent_answer,omitzero"` // agent leg answered; zero if never
	WaitMs      int64     `json:"wait_ms"`               // time spent in queue
}

// Outcome is how the call ended.
type Outcome struct {
	Disposition string `json:"disposition"`  // one of the Disposition constants
	HangupCause string `json:"hangup_cause"` // SIP reason or internal cause
	HangupBy    string `json:"hangup_by"`    // one of the HangupBy constants
	Codec       string `json:"codec"`        // negotiated codec of the inbound leg
}

// PathStep is one dialplan node a call went through.
type PathStep struct {
	Node string    `json:"node"`           // node id
	Type string    `json:"type"`           // node type
	Edge string    `json:"edge,omitempty"` // outcome that left the node; empty for the last node
	At   time.Time `json:"at"`             // when the node started
}

// CallQuery selects calls by start time.
type CallQuery struct {
	CustomerID string    // only this customer's interactions; empty means all
	Since      time.Time // inclusive; zero means from the first call
	Until      time.Time // exclusive; zero means up to the last call
	Limit      int       // at most this many records; 0 means no limit
	Newest     bool      // newest first instead of oldest first
}

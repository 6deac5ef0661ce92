package record

import "time"

// Recording is one audio file of a conversation: two channels (the caller left, the other side
// right), time-aligned from Start. A file that a crash interrupted is kept and marked Incomplete.
type Recording struct {
	File       string     `json:"file"`   // path under the data directory
	Format     string     `json:"format"` // e.g. "wav/pcm16"
	Rate       int        `json:"rate"`   // samples per second per channel
	Channels   int        `json:"channels"`
	Start      time.Time  `json:"start"`
	End        time.Time  `json:"end,omitzero"`
	Paused     []Interval `json:"paused,omitempty"` // gaps an agent made (card numbers), silence in the file
	Incomplete bool       `json:"incomplete,omitempty"`
}

// Interval is a span of time.
type Interval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Analysis is what the analysers found in a conversation, and where its analysis job stands.
type Analysis struct {
	Status   string `json:"status"`          // one of the Analysis* constants
	Error    string `json:"error,omitempty"` // why the last attempt failed
	Attempts int    `json:"attempts,omitempty"`
	// Run numbers the analyses asked for: 1 when the call ended, one more per rerun. It tells
	// apart the call.analyzed events of one call (their idempotency keys).
	Run    int       `json:"run,omitempty"`
	Engine string    `json:"engine,omitempty"` // which analysers produced it ("embedded", or the model)
	At     time.Time `json:"at,omitzero"`      // when it was done

	Voice      VoiceStats  `json:"voice"` // from voice activity on the two channels; needs no recognizer
	Sentiment  Sentiment   `json:"sentiment"`
	Language   string      `json:"language,omitempty"`
	Summary    string      `json:"summary,omitempty"`
	Intent     string      `json:"intent,omitempty"`
	Topics     []string    `json:"topics,omitempty"`
	Actions    []string    `json:"action_items,omitempty"`
	Categories []Category  `json:"categories,omitempty"`
	Redacted   []Redaction `json:"redacted,omitempty"` // what redaction replaced, by kind (never the original)
}

// Analysis states.
const (
	AnalysisQueued  = "queued"
	AnalysisRunning = "running"
	AnalysisDone    = "done"
	AnalysisFailed  = "failed" // gave up after its retries; Error says why
)

// VoiceStats are a call's talk and silence, from voice activity on the caller's channel and the
// other side's (bot, agent, external party, hold music).
type VoiceStats struct {
	DurationMs       int64   `json:"duration_ms"`        // the recording's length
	CallerTalkMs     int64   `json:"caller_talk_ms"`     // the caller speaking
	OtherTalkMs      int64   `json:"other_talk_ms"`      // the other side speaking
	AgentTalkMs      int64   `json:"agent_talk_ms"`      // the other side while an agent was on the call
	SilenceMs        int64   `json:"silence_ms"`         // neither speaking
	SilenceShare     float64 `json:"silence_share"`      // SilenceMs / DurationMs
	LongestSilenceMs int64   `json:"longest_silence_ms"` // the longest stretch of it
	OvertalkMs       int64   `json:"overtalk_ms"`        // both speaking
	// Interruptions: a party starting to speak while the other is speaking.
	CallerInterruptions int     `json:"caller_interruptions"` // the caller cut in
	OtherInterruptions  int     `json:"other_interruptions"`  // the other side cut in
	AgentTalkRatio      float64 `json:"agent_talk_ratio"`     // agent talk / (agent + caller talk) while an agent was on
	HoldMs              int64   `json:"hold_ms"`              // the caller on hold (queue, consultation, agent's hold)
	TimeToAnswerMs      int64   `json:"time_to_answer_ms"`    // call start to an agent's answer; 0 if none
}

// Sentiment is how the parties felt, from -1 (negative) to 1 (positive).
type Sentiment struct {
	Caller float64 `json:"caller"`
	Other  float64 `json:"other"`
	// Trend is the caller's sentiment at the end minus at the start: positive when it improved.
	Trend float64 `json:"trend"`
	Label string  `json:"label,omitempty"` // the caller's overall: negative, neutral, positive
}

// Category is a category rule that matched the call, with what made it match.
type Category struct {
	Name     string `json:"name"`
	Rule     string `json:"rule,omitempty"`     // the rule's id in the rules file
	Evidence string `json:"evidence,omitempty"` // the matching words or condition, e.g. "caller: cancel my contract"
}

// Redaction counts what redaction replaced: a kind ("PHONE", "ID", "CARD", "EMAIL", …) and how often.
type Redaction struct {
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

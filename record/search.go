package record

import "time"

// CallFilter selects calls for the calls page and its API. Zero fields select everything;
// set fields must all match.
type CallFilter struct {
	Since time.Time // Start at or after; zero: from the first call
	Until time.Time // Start before; zero: up to the last call
	// Number matches calls whose From or To contains these digits (other characters in it are
	// ignored, so "+86 138-0013" finds "8613800138000").
	Number      string
	Queue       string
	Agent       string // the call's agent or any agent who wrapped it up
	Disposition string // the call's disposition or an agent's wrap-up code
	Category    string // a category the analysis found
	Sentiment   string // the caller's overall sentiment label: negative, neutral, positive
	MinDuration time.Duration
	MaxDuration time.Duration // zero: no upper bound
	// Text is searched over the transcript, the wrap-up notes and the summary, English and
	// Chinese, with the knowledge base's tokenizer; every term must occur.
	Text   string
	Limit  int // page size; 0 means a default of 50
	Offset int // calls skipped, newest first
}

// CallSummary is one line of the calls list: what the list shows and filters on, without the
// transcript.
type CallSummary struct {
	ID             string    `json:"id"`
	Start          time.Time `json:"start"`
	End            time.Time `json:"end"`
	From           string    `json:"from"`
	To             string    `json:"to"`
	Queue          string    `json:"queue,omitempty"`
	Agent          string    `json:"agent,omitempty"`
	Disposition    string    `json:"disposition"`
	DurationMs     int64     `json:"duration_ms"`
	WaitMs         int64     `json:"wait_ms"`
	Categories     []string  `json:"categories,omitempty"`
	Sentiment      string    `json:"sentiment,omitempty"`
	Summary        string    `json:"summary,omitempty"`
	AnalysisStatus string    `json:"analysis_status,omitempty"`
	HasRecording   bool      `json:"has_recording"`
}

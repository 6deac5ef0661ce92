package record

import "time"

// WrapUp is what one agent noted about a call they handled: a disposition code from the
// configured list and free notes. A call has one per agent (a warm transfer gives it two).
type WrapUp struct {
	Agent       string    `json:"agent"`
	Disposition string    `json:"disposition"`
	Notes       string    `json:"notes,omitempty"`
	At          time.Time `json:"at"`
}

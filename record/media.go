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

// Analysis is what the analysers found in a conversation.
type Analysis struct {
	Summary    string    `json:"summary,omitempty"`
	Sentiment  float64   `json:"sentiment"` // -1 (negative) … 1 (positive)
	Categories []string  `json:"categories,omitempty"`
	Language   string    `json:"language,omitempty"`
	Engine     string    `json:"engine"` // which analyser produced it (embedded or a model)
	At         time.Time `json:"at"`
}

// ChatMessage is one message of a chat conversation.
type ChatMessage struct {
	ID      string    `json:"id"`
	Speaker string    `json:"speaker"`          // one of the Speaker constants
	Author  string    `json:"author,omitempty"` // the agent's id, or the customer's name
	Text    string    `json:"text"`
	At      time.Time `json:"at"`
}

// Customer is one person the company talks with, across channels.
type Customer struct {
	ID      string    `json:"id"`
	Name    string    `json:"name,omitempty"`
	Phones  []string  `json:"phones,omitempty"` // E.164
	Emails  []string  `json:"emails,omitempty"`
	Tags    []string  `json:"tags,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

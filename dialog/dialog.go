package dialog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/openaicompat"
)

// Engine produces the bot's next reply as a stream. Cancelling ctx (or
// closing the stream) stops generation: that is how barge-in cuts the LLM off.
type Engine interface {
	Respond(ctx context.Context, req Request) (Stream, error)
}

// Stream yields a reply piece by piece. Recv returns io.EOF after the last
// event. Close releases the stream early and may be called more than once.
type Stream interface {
	Recv() (Event, error)
	Close()
}

// Event is one piece of a reply: a text delta or a tool call.
type Event struct {
	Text     string
	ToolCall *ToolCall
}

// ToolCall is a call of a built-in tool (transfer_to_agent, end_call), for
// the bot to act on, or a report of an HTTP tool the engine already ran
// (Result set), so the bot can collect slots from its arguments.
type ToolCall struct {
	ID     string
	Name   string
	Args   map[string]string // arguments, each as text ("" for absent)
	Result string            // HTTP tools: the response body given to the model
}

// Built-in tool names.
const (
	ToolTransfer = "transfer_to_agent"
	ToolEndCall  = "end_call"
)

// Message is one turn of the conversation so far.
type Message struct {
	Role string // RoleCaller | RoleBot
	Text string
}

const (
	RoleCaller = "caller"
	RoleBot    = "bot"
)

// Request is everything an engine needs for one reply.
type Request struct {
	Lang         string    // BCP 47 tag of the conversation, "en-US", "zh-CN"
	History      []Message // oldest first; the last is normally the caller's utterance
	Passages     []kb.Hit  // retrieved for the last caller utterance, best first
	Instructions string    // the bot profile's instructions (persona, scope)
	Tools        []HTTPTool
	// Queues the model may name in transfer_to_agent ("" = only the default).
	Queues []string
}

// LastCaller returns the caller's most recent utterance.
func (r Request) LastCaller() string {
	for i := len(r.History) - 1; i >= 0; i-- {
		if r.History[i].Role == RoleCaller {
			return r.History[i].Text
		}
	}
	return ""
}

// HTTPTool is a tool the model may call that the engine runs as an HTTP
// request: POST sends the arguments as a JSON object, GET as query
// parameters; "${name}" in URL is replaced by that argument (URL-escaped).
// The response body (truncated to 4 KiB) goes back to the model. Call
// variables in the URL are for the caller of the engine to fill in first.
type HTTPTool struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Parameters  json.RawMessage   `yaml:"-"`      // JSON schema of the arguments object
	Method      string            `yaml:"method"` // GET or POST (default)
	URL         string            `yaml:"url"`
	Headers     map[string]string `yaml:"headers"`
	Timeout     time.Duration     `yaml:"timeout"` // default 5 s
}

// ErrMalformedToolCall is returned by Recv when the model called a built-in
// tool with arguments that are not a JSON object. The bot treats it like
// any engine error: a short apology, then a retry.
var ErrMalformedToolCall = errors.New("dialog: malformed tool call")

// Config selects and configures an engine; it mirrors one entry of the
// engines section of hotline.yaml.
type Config struct {
	Backend string `yaml:"backend"` // "openai" or "embedded"
	// Endpoint is the OpenAI-compatible server and model with backend openai.
	openaicompat.Endpoint `yaml:",inline"`
	// Timeout bounds the wait for the first token. Default 10 s.
	Timeout time.Duration `yaml:"timeout"`
	// Temperature for the model; 0 means the server's default.
	Temperature float32 `yaml:"temperature"`
	// MinConfidence is the retrieval confidence below which the embedded
	// engine says it does not know. Default kb.LowConfidence.
	MinConfidence float64 `yaml:"min_confidence"`
}

// New builds the engine cfg names. The embedded engine needs index.
func New(cfg Config, index *kb.Index) (Engine, error) {
	switch strings.ToLower(cfg.Backend) {
	case "openai":
		return NewOpenAI(cfg)
	case "", "embedded":
		return NewRetrieval(index, cfg.MinConfidence), nil
	default:
		return nil, fmt.Errorf("dialog: unknown backend %q (want openai or embedded)", cfg.Backend)
	}
}

// sliceStream replays fixed events; the embedded engine uses it.
type sliceStream struct {
	events []Event
}

func (s *sliceStream) Recv() (Event, error) {
	if len(s.events) == 0 {
		return Event{}, io.EOF
	}
	ev := s.events[0]
	s.events = s.events[1:]
	return ev, nil
}

func (s *sliceStream) Close() { s.events = nil }

// NewStaticStream returns a Stream that yields events then io.EOF (tests,
// canned replies).
func NewStaticStream(events ...Event) Stream { return &sliceStream{events: events} }

// IsChinese reports whether text is mostly Chinese characters, which
// decides the language of canned replies.
func IsChinese(text string) bool {
	han, other := 0, 0
	for _, r := range text {
		switch {
		case r >= 0x4e00 && r <= 0x9fff:
			han++
		case r > ' ' && r < 0x7f && (r|0x20) >= 'a' && (r|0x20) <= 'z':
			other++
		}
	}
	return han > 0 && han*3 >= other
}

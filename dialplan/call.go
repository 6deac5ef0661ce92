package dialplan

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hotline-cc/hotline/record"
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

	// Now is the current time for the call (the simulator's scripted time in a dry run).
	Now() time.Time
	// Headers are the SIP headers of the call's INVITE, by name.
	Headers() map[string]string
	// Answer answers the call if it is not answered yet.
	Answer() error
	// HTTP performs a request for an http node. The IVR sends it (see DoHTTP); the simulator answers
	// from its script, so a dry run stays offline.
	HTTP(ctx context.Context, req HTTPRequest) (HTTPResponse, error)
	// Record records the caller's audio to a WAV file until a finish key, silence, or max duration.
	Record(ctx context.Context, req RecordRequest) (RecordResult, error)
	// Transfer hands the caller to an agent, a queue or an external number, and returns when that
	// attempt is over.
	Transfer(ctx context.Context, req TransferRequest) (TransferResult, error)
	// Bot hands the call to a voice bot until it is done, escalates, fails or the caller hangs up.
	Bot(ctx context.Context, req BotRequest) (BotResult, error)
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
	Priority int  // higher is served first
	Announce bool // tell the caller their position every Queue.AnnounceEvery
}

// QueueOutcome is how a caller left a queue.
type QueueOutcome int

// The zero QueueOutcome is invalid, so that a forgotten outcome is not mistaken for an answer.
const (
	QueueAnswered     QueueOutcome = iota + 1 // an agent answered; the bridge has ended
	QueueNoAgent                              // no agent was registered or available at all
	QueueTimeout                              // the maximum wait was reached
	QueueCallerHangup                         // the caller hung up while waiting or talking
	QueueFull                                 // the queue already held max_length callers
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
	case QueueFull:
		return "full"
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

// HTTPRequest is the request an http node sends, templates already expanded.
type HTTPRequest struct {
	Method  string
	URL     string
	Body    string            // for POST
	Headers map[string]string // extra request headers
	Timeout time.Duration
}

// HTTPResponse is what came back.
type HTTPResponse struct {
	Status int
	Body   []byte
}

// RecordRequest asks for the caller's audio to be recorded.
type RecordRequest struct {
	Dir         string        // directory the WAV file goes to (created if missing)
	MaxDuration time.Duration // the recording stops here at the latest
	Beep        bool          // play a beep before recording starts
	FinishKey   string        // a key that ends the recording ("" for none), such as "#"
	Silence     time.Duration // this much silence ends the recording; 0 means never
}

// RecordResult reports a finished recording.
type RecordResult struct {
	Path     string        // the WAV file written
	Duration time.Duration // audio recorded
	EndedBy  string        // "key", "silence", "max_duration" or "hangup"
}

// TransferRequest hands the caller to exactly one of an agent, a queue or an external number.
type TransferRequest struct {
	Agent   string // agent id
	Queue   *Queue
	Number  string // external number, dialled through Trunk
	Trunk   *Trunk
	MaxWait time.Duration
}

// TransferResult reports how a transfer ended. Outcome uses the queue outcomes: QueueAnswered when
// the other side answered and the call with it has ended.
type TransferResult struct {
	Outcome QueueOutcome
	Agent   string
}

// BotRequest hands a call to a bot profile.
type BotRequest struct {
	Profile *BotProfile
}

// BotOutcome is how a bot conversation ended.
type BotOutcome int

// The zero BotOutcome is invalid, like QueueOutcome's.
const (
	BotDone     BotOutcome = iota + 1 // the caller's need was served
	BotEscalate                       // the bot hands over to an agent; Handoff says why and what was said
	BotError                          // the bot could not run (no engine, engine failure)
	BotHangup                         // the caller hung up during the conversation
)

func (o BotOutcome) String() string {
	switch o {
	case BotDone:
		return "done"
	case BotEscalate:
		return "escalate"
	case BotError:
		return "error"
	case BotHangup:
		return "hangup"
	}
	return fmt.Sprintf("BotOutcome(%d)", int(o))
}

// BotResult reports how a bot conversation ended.
type BotResult struct {
	Outcome BotOutcome
	Handoff *record.Handoff // with BotEscalate: the packet for the agent; may be nil
	Reason  string          // why, for logs and the simulator
}

// SpeechInput is implemented by calls that can hear what the caller says while a menu waits, so a
// caller can say an option's keyword instead of pressing its key. Calls without it answer keys only.
type SpeechInput interface {
	// Listen starts hearing the caller for a menu whose options can be said as phrases, until stop is
	// called. While it listens, speech stops an interruptible Play as a key does, FlushDigits also
	// discards what was said, and ReadInput returns utterances as well as keys. ok is false when the
	// call cannot hear the caller (no recognizer, or one that cannot use the call's audio or language);
	// the menu then answers keys only.
	Listen(ctx context.Context, phrases []string) (stop func(), ok bool)
	// ReadInput waits up to timeout for the next key or utterance, whichever comes first; a key already
	// pressed wins over words. A caller still speaking when the timeout passes (or whose words are
	// still being recognised) is waited for. The zero Input means the timeout passed.
	ReadInput(ctx context.Context, timeout time.Duration) (Input, error)
}

// Input is what a caller answered a menu with: a key or words.
type Input struct {
	Key    rune   // the key pressed; 0 when the caller spoke or did nothing
	Speech string // what the caller said, when they spoke
}

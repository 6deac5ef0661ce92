package bot

import (
	"log/slog"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/tts"
)

// Config holds the engines and services a bot uses; one Config serves every call.
type Config struct {
	ASR    asr.Recognizer
	Dialog dialog.Engine
	TTS    tts.Synthesizer
	KB     *kb.Index // nil: no retrieval (the dialog engine gets no passages)
	Logger *slog.Logger
	// Now is the clock for transcript times; default time.Now.
	Now func() time.Time
	// ASRRate is the sample rate the recognizer wants (16000 for
	// PocketSphinx); 0 feeds it the leg's rate.
	ASRRate int
	// EngineTimeout bounds one ASR or TTS request and the wait for the
	// dialog's first event. Default 8 s.
	EngineTimeout time.Duration
	// OnTurn, when set, is called with every bot turn as it ends (metrics).
	OnTurn func(record.Turn)
}

// Profile is one bot's behaviour, as the dialplan's bots section declares it.
type Profile struct {
	Name         string
	Language     string // BCP 47, "en-US" or "zh-CN"
	Greeting     string
	Instructions string
	BargeIn      bool
	// NoDTMFBargeIn lets the bot finish what it is saying before acting on
	// a key (the default is that a key cuts it off at once).
	NoDTMFBargeIn bool
	// Endpointing; zero values take media.VADConfig's defaults.
	MinBargeIn       time.Duration
	EndOfTurnSilence time.Duration
	MinSpeech        time.Duration
	MaxDuration      time.Duration // 0: no limit
	MaxTurns         int           // caller turns; 0: no limit
	MaxFailedTurns   int           // default 2
	// DTMF maps keys to actions: "agent", "repeat" or "end".
	DTMF          map[rune]string
	EscalateQueue string
	// Queues are further queues the model may name in transfer_to_agent
	// (e.g. "billing", "retention"); any other name falls back to EscalateQueue.
	Queues []string
	// EscalateOn lists the triggers that hand the caller to an agent:
	// "request", "failed_turns", "low_confidence", "negative_sentiment",
	// "max_duration" (the dialplan's escalate_on values). Empty means all
	// of them. Without an EscalateQueue the bot never escalates; a
	// transfer_to_agent call by the model is always honoured when it has one.
	EscalateOn []string
	Tools      []dialog.HTTPTool
	// Hints are phrases callers are expected to say (grammar-based ASR).
	Hints []string
}

// Escalation triggers.
const (
	TriggerRequest       = "request"
	TriggerFailedTurns   = "failed_turns"
	TriggerLowConfidence = "low_confidence"
	TriggerSentiment     = "negative_sentiment"
	TriggerMaxDuration   = "max_duration"
)

func (p Profile) escalates(trigger string) bool {
	return p.EscalateQueue != "" && (len(p.EscalateOn) == 0 || slices.Contains(p.EscalateOn, trigger))
}

// Outcome is how a bot session ended.
type Outcome string

const (
	OutcomeDone     Outcome = "done"     // the conversation finished (end_call, "end" key, max turns)
	OutcomeEscalate Outcome = "escalate" // hand the caller to Handoff.Queue
	OutcomeHangup   Outcome = "hangup"   // the caller hung up
	OutcomeError    Outcome = "error"    // the engines failed and escalation is not configured
)

// Result is what the dialplan's bot node gets back.
type Result struct {
	Outcome    Outcome
	Reason     string
	Handoff    *record.Handoff // set when Outcome is escalate
	Transcript []record.Turn
}

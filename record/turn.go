package record

import "time"

// Speakers of a transcript turn.
const (
	SpeakerCaller = "caller"
	SpeakerBot    = "bot"
	SpeakerAgent  = "agent"
)

// Turn is one utterance in a call's transcript.
type Turn struct {
	Speaker     string    `json:"speaker"` // one of the Speaker constants
	Text        string    `json:"text"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Interrupted bool      `json:"interrupted,omitempty"` // the bot was cut off: Text is what the caller heard
	// Timing of a bot turn, for latency analysis (nil when not measured).
	Timing *TurnTiming `json:"timing,omitempty"`
	// Lang is the turn's language, where known (BCP 47).
	Lang string `json:"lang,omitempty"`
	// Words are the turn's words with their times, where the recognizer gives them.
	Words []Word `json:"words,omitempty"`
	// Sentiment of the turn, -1 … 1, once analysed.
	Sentiment *float64 `json:"sentiment,omitempty"`
}

// Word is one recognised word and when it was said.
type Word struct {
	Text  string    `json:"text"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// TurnTiming marks the moments of one caller→bot exchange.
type TurnTiming struct {
	EndOfSpeech   time.Time `json:"end_of_speech"`
	ASRFinal      time.Time `json:"asr_final"`
	LLMFirstToken time.Time `json:"llm_first_token"`
	FirstTTSAudio time.Time `json:"first_tts_audio"`
	FirstRTPOut   time.Time `json:"first_rtp_out"`
}

// Handoff is what the bot learned, passed with the caller to a human agent
// and shown on the agent's screen.
type Handoff struct {
	Reason     string            `json:"reason"`  // why the bot escalated
	Summary    string            `json:"summary"` // one or two sentences for the agent
	Intent     string            `json:"intent,omitempty"`
	Slots      map[string]string `json:"slots,omitempty"` // collected facts: order number, email, …
	Sentiment  string            `json:"sentiment,omitempty"`
	Queue      string            `json:"queue,omitempty"`
	Transcript []Turn            `json:"transcript,omitempty"`
	At         time.Time         `json:"at"`
}

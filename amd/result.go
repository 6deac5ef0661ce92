package amd

import (
	"fmt"
	"time"
)

// Verdict is what answered the call.
type Verdict int

const (
	NotSure Verdict = iota // undecided within TotalTime, or the detection was cut short
	Human
	Machine
)

func (v Verdict) String() string {
	switch v {
	case NotSure:
		return "NOTSURE"
	case Human:
		return "HUMAN"
	case Machine:
		return "MACHINE"
	}
	return fmt.Sprintf("verdict(%d)", int(v))
}

// MarshalText writes the verdict as its name, for JSON records and logs.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Causes of a verdict, as Result.Cause gives them.
const (
	CauseInitialSilence = "initial silence"
	CauseLongGreeting   = "long greeting"
	CauseMaxWords       = "max words"
	CauseAfterGreeting  = "after greeting silence"
	CauseBeep           = "beep"
	CauseTooLong        = "too long"
	CauseHangup         = "hangup"    // Detect: the leg ended first
	CauseCancelled      = "cancelled" // Detect: the context ended first
)

// Result is the detector's answer. Times are offsets into the audio since the answer.
type Result struct {
	Verdict Verdict
	Cause   string
	Decided time.Duration // when the verdict was reached
	// Beep reports a beep that ended at BeepEnd: where a voicemail drop starts its message.
	Beep    bool
	BeepEnd time.Duration
	Words   int           // words heard before the verdict
	Voice   time.Duration // voice heard before the verdict
}

func (r Result) String() string {
	s := fmt.Sprintf("%s (%s) at %v, %d words, %v voice", r.Verdict, r.Cause, r.Decided, r.Words, r.Voice)
	if r.Beep {
		s += fmt.Sprintf(", beep ended at %v", r.BeepEnd)
	}
	return s
}

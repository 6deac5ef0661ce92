package media

import (
	"context"
	"errors"
)

// Leg is one party's end of a call: its media and its signalling.
// A SIP/RTP leg and a WebRTC leg implement the same interface, so the IVR,
// the bot and the bridge never know which one they hold.
type Leg interface {
	// ID identifies the leg in logs (for SIP legs, the dialog's Call-ID).
	ID() string
	// Context is done when the leg has ended (hangup from either side, media timeout).
	Context() context.Context
	// AudioOut is where audio for the party is written. Writes block to pace
	// the writer at real time; the leg sends silence when nothing is written.
	AudioOut() FrameWriter
	// FlushAudioOut drops audio queued for the party but not yet sent
	// (barge-in, a prompt cut short by a key press).
	FlushAudioOut()
	// SwapAudioIn sets where the party's decoded audio goes and returns the previous writer.
	SwapAudioIn(FrameWriter) FrameWriter
	// DTMF delivers the keys the party presses, once per press.
	DTMF() <-chan rune
	// Hangup ends the leg with a cause ("normal", "timeout", …).
	Hangup(ctx context.Context, cause string) error
}

// DigitSender is a Leg that can send a key press to its party: RFC 4733 telephone-events on RTP
// legs. Not every leg can (a browser's cannot), so it is asked for, not assumed.
type DigitSender interface {
	// SendDigit sends one key press (0-9, *, #, A-D) to the party.
	SendDigit(d rune) error
}

// Why a leg that was dialled was not answered: the party was reached and did not take the call.
// Whatever dials a leg reports these wrapped, with its own detail (a SIP leg's status, e.g.
// "busy (486 Busy Here)"); any other dialling error is trouble on the way to the party, not its
// answer.
var (
	// ErrBusy: the party is busy (SIP 486 Busy Here, 600 Busy Everywhere).
	ErrBusy = errors.New("busy")
	// ErrNoAnswer: the party did not answer in time.
	ErrNoAnswer = errors.New("no answer")
	// ErrDeclined: the party refused the call.
	ErrDeclined = errors.New("declined")
)

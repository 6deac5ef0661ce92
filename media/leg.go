package media

import "context"

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

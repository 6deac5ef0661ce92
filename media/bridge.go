package media

import (
	"context"
)

// RTPLeg is a Leg whose media is an RTPSession; bridging two of them relays
// payloads instead of decoding and re-encoding.
type RTPLeg interface {
	Leg
	RTP() *RTPSession
}

// Relays reports whether Bridge relays the two legs' packets as they are now (two RTP legs with
// compatible codecs): then their RFC 4733 key presses travel with the media, and whoever passes
// keys between the parties must not send them again. When it transcodes, keys stay with each
// leg's DTMF channel.
func Relays(a, b Leg) bool {
	ra, aok := a.(RTPLeg)
	rb, bok := b.(RTPLeg)
	return aok && bok && relayable(ra.RTP().Codec().Info(), rb.RTP().Codec().Info())
}

// relayable reports whether payloads from a can be sent to b without
// decoding: the same codec, or the two G.711 laws (mapped byte by byte).
func relayable(a, b CodecInfo) bool {
	if a.Name == b.Name && a.ClockRate == b.ClockRate {
		return true
	}
	g711 := func(n string) bool { return n == "PCMU" || n == "PCMA" }
	return g711(a.Name) && g711(b.Name)
}

// Bridge connects two legs' audio both ways until either leg ends or ctx is
// done. Two RTP legs with compatible codecs relay payloads; otherwise audio is
// transcoded through PCM16 (with resampling where the rates differ). When a
// re-INVITE changes either RTP leg's codec, the bridge chooses again.
// Bridge restores neither leg's previous audio routing: the caller decides
// what each leg does next.
func Bridge(ctx context.Context, a, b Leg) error {
	ra, aok := a.(RTPLeg)
	rb, bok := b.(RTPLeg)
	for {
		var changedA, changedB <-chan struct{}
		var undo func()
		if aok && bok {
			changedA, changedB = ra.RTP().CodecChanged(), rb.RTP().CodecChanged()
		}
		if aok && bok && relayable(ra.RTP().Codec().Info(), rb.RTP().Codec().Info()) {
			a.FlushAudioOut()
			b.FlushAudioOut()
			ra.RTP().RelayTo(rb.RTP())
			rb.RTP().RelayTo(ra.RTP())
			undo = func() {
				ra.RTP().RelayTo(nil)
				rb.RTP().RelayTo(nil)
			}
		} else {
			// Each leg's receive path writes into the other leg: it must never
			// block there, and when the writer runs ahead (clock drift, a burst
			// after jitter), old audio is dropped rather than queued up as delay.
			a.SwapAudioIn(nonBlocking(b.AudioOut()))
			b.SwapAudioIn(nonBlocking(a.AudioOut()))
			undo = func() {
				a.SwapAudioIn(nil)
				b.SwapAudioIn(nil)
			}
		}
		select {
		case <-ctx.Done():
			undo()
			return ctx.Err()
		case <-a.Context().Done():
			undo()
			return nil
		case <-b.Context().Done():
			undo()
			return nil
		case <-changedA:
		case <-changedB:
		}
		undo()
	}
}

// TryFrameWriter is a paced writer that can also take a frame without
// blocking, dropping its oldest queued frame when full.
type TryFrameWriter interface {
	FrameWriter
	TryWriteFrame(PCM16) error
}

// nonBlocking makes WriteFrame use TryWriteFrame where the writer has it.
func nonBlocking(w FrameWriter) FrameWriter {
	if t, ok := w.(TryFrameWriter); ok {
		return tryWriter{t}
	}
	return w
}

type tryWriter struct{ w TryFrameWriter }

func (t tryWriter) WriteFrame(p PCM16) error { return t.w.TryWriteFrame(p) }
func (t tryWriter) SampleRate() int          { return t.w.SampleRate() }
func (t tryWriter) String() string           { return "nonblocking → " + t.w.String() }

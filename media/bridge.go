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
// transcoded through PCM16 (with resampling where the rates differ).
// Bridge restores neither leg's previous audio routing: the caller decides
// what each leg does next.
func Bridge(ctx context.Context, a, b Leg) error {
	ra, aok := a.(RTPLeg)
	rb, bok := b.(RTPLeg)
	if aok && bok && relayable(ra.RTP().Codec().Info(), rb.RTP().Codec().Info()) {
		a.FlushAudioOut()
		b.FlushAudioOut()
		ra.RTP().RelayTo(rb.RTP())
		rb.RTP().RelayTo(ra.RTP())
		defer func() {
			ra.RTP().RelayTo(nil)
			rb.RTP().RelayTo(nil)
		}()
	} else {
		a.SwapAudioIn(b.AudioOut())
		b.SwapAudioIn(a.AudioOut())
		defer func() {
			a.SwapAudioIn(nil)
			b.SwapAudioIn(nil)
		}()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-a.Context().Done():
		return nil
	case <-b.Context().Done():
		return nil
	}
}

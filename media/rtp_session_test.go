package media_test

import (
	"net"
	"testing"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// A caller whose SDP has no telephone-event still gets its audio decoded:
// with PCMU (payload type 0) the zero "no DTMF" type must not swallow it.
func TestRTPSessionDecodesWithoutTelephoneEvent(t *testing.T) {
	r := audiotest.NewRTPRig(t, media.PCMU(), &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 42000, Max: 42999})
	tone := audiotest.Tone(700, 8000, 400, 0.5)
	n := 0
	for ; n*160 < len(tone); n++ {
		r.Send(0, uint16(n), uint32(n*160), 7, media.EncodeULaw(nil, tone[n*160:(n+1)*160]))
	}
	var got media.PCM16
	for _, f := range r.Settle(uint64(n)) {
		got = append(got, f...)
	}
	if ok, ratio := audiotest.DetectTone(got, 700, 8000); !ok {
		t.Fatalf("decoded %d samples, 700 Hz not found (ratio %.2f)", len(got), ratio)
	}
}

package media_test

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/pion/rtp"
)

// A caller whose SDP has no telephone-event still gets its audio decoded:
// with PCMU (payload type 0) the zero "no DTMF" type must not swallow it.
func TestRTPSessionDecodesWithoutTelephoneEvent(t *testing.T) {
	pr := &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 42000, Max: 42999}
	rc, cc, err := pr.ListenPair()
	if err != nil {
		t.Fatal(err)
	}
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	s := media.NewRTPSession(rc, cc, media.RTPConfig{Codec: media.PCMU(), Remote: peer.LocalAddr().(*net.UDPAddr)})
	defer s.Close()

	var mu sync.Mutex
	var got media.PCM16
	s.SwapAudioIn(media.FrameWriterFunc{Rate: 8000, Fn: func(p media.PCM16) error {
		mu.Lock()
		got = append(got, p...)
		mu.Unlock()
		return nil
	}})
	tone := audiotest.Tone(700, 8000, 400, 0.5)
	for i := 0; i*160 < len(tone); i++ {
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(i), Timestamp: uint32(i * 160), SSRC: 7},
			Payload: media.EncodeULaw(nil, tone[i*160:(i+1)*160])}
		b, _ := pkt.Marshal()
		if _, err := peer.WriteToUDP(b, s.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= len(tone) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if ok, ratio := audiotest.DetectTone(got, 700, 8000); !ok {
		t.Fatalf("decoded %d samples, 700 Hz not found (ratio %.2f)", len(got), ratio)
	}
}

package media_test

import (
	"net"
	"testing"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/media/legtest"
)

// relayLeg is a test leg whose media is a real RTP session on an in-memory connection.
type relayLeg struct {
	*legtest.Leg
	rtp *media.RTPSession
}

func (l relayLeg) RTP() *media.RTPSession { return l.rtp }

func newRelayLeg(t *testing.T, c media.Codec) relayLeg {
	t.Helper()
	a := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
	b := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40002}
	ra, _ := audiotest.PacketPipe(a, b)
	ca, _ := audiotest.PacketPipe(&net.UDPAddr{IP: a.IP, Port: 40001}, &net.UDPAddr{IP: b.IP, Port: 40003})
	s := media.NewRTPSession(ra, ca, media.RTPConfig{Codec: c, Remote: b})
	l := legtest.New("leg", legtest.Options{Rate: c.Info().SampleRate})
	t.Cleanup(func() { s.Close(); l.Close() })
	return relayLeg{l, s}
}

// Relays says when the bridge relays packets (and keys with them): two RTP legs of one codec or
// the two G.711 laws; not a G.722 leg with a G.711 one, nor a leg without RTP.
func TestRelays(t *testing.T) {
	pcmu, pcma, g722 := newRelayLeg(t, media.PCMU()), newRelayLeg(t, media.PCMA()), newRelayLeg(t, media.G722())
	plain := legtest.New("browser", legtest.Options{})
	defer plain.Close()
	for _, tc := range []struct {
		name string
		a, b media.Leg
		want bool
	}{
		{"PCMU-PCMU", pcmu, newRelayLeg(t, media.PCMU()), true},
		{"PCMU-PCMA", pcmu, pcma, true},
		{"G722-PCMU", g722, pcmu, false},
		{"PCMU-browser", pcmu, plain, false},
	} {
		if got := media.Relays(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: Relays = %v, want %v", tc.name, got, tc.want)
		}
	}
}

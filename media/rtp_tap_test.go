package media_test

import (
	"net"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/pion/rtp"
)

// The tap sees each received audio payload once, with its timestamp and
// SSRC, and neither telephone-events nor late duplicates; what the session
// sends is tapped as TapOut in the session's codec.
func TestRTPTapSeesAudioOnly(t *testing.T) {
	ports := &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 54000, Max: 54999}
	rc, cc, err := ports.ListenPair()
	if err != nil {
		t.Fatal(err)
	}
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	s := media.NewRTPSession(rc, cc, media.RTPConfig{Codec: media.PCMA(), DTMFPayload: 101, Remote: peer.LocalAddr().(*net.UDPAddr)})
	defer s.Close()
	tap := media.NewRTPTap(100)
	if err := s.Tap(tap); err != nil {
		t.Fatal(err)
	}
	if err := s.Tap(media.NewRTPTap(1)); err != media.ErrTapped {
		t.Fatalf("second tap: %v", err)
	}
	send := func(pt uint8, seq uint16, ts uint32, payload []byte) {
		b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: 42}, Payload: payload}).Marshal()
		peer.WriteToUDP(b, s.LocalAddr())
		time.Sleep(2 * time.Millisecond)
	}
	audio := make([]byte, 160)
	send(8, 1, 1000, audio)
	send(101, 2, 1160, []byte{5, 0, 0, 160}) // a key press in the audio's place
	send(101, 3, 1160, []byte{5, 0, 1, 64})
	send(8, 4, 1640, audio)
	send(8, 4, 1640, audio) // duplicate
	send(8, 5, 1800, audio)
	time.Sleep(60 * time.Millisecond)
	s.Untap(tap)
	var in []media.TapFrame
	var out int
	for _, f := range tap.Take() {
		if f.Dir == media.TapIn {
			in = append(in, f)
		} else {
			out++
			if f.Codec.Info().Name != "PCMA" || len(f.Payload) != 160 {
				t.Errorf("sent frame %+v", f)
			}
		}
	}
	if len(in) != 3 || in[0].Timestamp != 1000 || in[1].Timestamp != 1640 || in[2].Timestamp != 1800 || in[0].SSRC != 42 {
		t.Fatalf("tapped %d inbound payloads: %+v", len(in), in)
	}
	if out == 0 {
		t.Fatal("no outbound payloads tapped")
	}
	if tap.Dropped() != 0 {
		t.Fatalf("%d dropped", tap.Dropped())
	}
}

// A tap nobody reads fills up and drops; the session goes on.
func TestRTPTapFullDrops(t *testing.T) {
	ports := &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 54000, Max: 54999}
	rc, cc, _ := ports.ListenPair()
	peer, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer peer.Close()
	s := media.NewRTPSession(rc, cc, media.RTPConfig{Codec: media.PCMU(), Remote: peer.LocalAddr().(*net.UDPAddr)})
	defer s.Close()
	tap := media.NewRTPTap(2)
	s.Tap(tap)
	time.Sleep(200 * time.Millisecond) // ~10 paced packets sent
	if d := tap.Dropped(); d < 5 {
		t.Fatalf("%d dropped from a full queue of 2", d)
	}
	if got := len(tap.Take()); got != 2 {
		t.Fatalf("queue holds %d", got)
	}
}

package media_test

import (
	"net"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/pion/rtp"
)

// lossRig is a session on loopback whose peer sends one stream (SSRC 0x5eed).
type lossRig struct{ *audiotest.RTPRig }

func newLossRig(t *testing.T, codec media.Codec) lossRig {
	return lossRig{audiotest.NewRTPRig(t, codec, &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 43000, Max: 43999})}
}

func (r lossRig) send(pt uint8, seq uint16, ts uint32, payload []byte) {
	r.Send(pt, seq, ts, 0x5eed, payload)
}

// lossPlan is 60 packets of 20 ms in which the packets after 9, after 19 and
// after 29 go missing (gaps of 1, 3 and 10), and after the 46th a duplicate
// and a late packet arrive. Sequence numbers wrap at packet 6.
var lossPlan = struct {
	packets         int
	lost            map[int]bool
	dup, late, base int
}{
	packets: 60,
	lost: map[int]bool{10: true, 20: true, 21: true, 22: true,
		30: true, 31: true, 32: true, 33: true, 34: true, 35: true, 36: true, 37: true, 38: true, 39: true},
	dup: 45, late: 43, base: 65530,
}

// sendPlan sends the payloads of lossPlan and returns how many packets went
// out.
func sendPlan(r lossRig, pt uint8, step int, frames [][]byte) uint64 {
	var sent uint64
	p := lossPlan
	for i := 0; i < p.packets; i++ {
		if p.lost[i] {
			continue
		}
		r.send(pt, uint16(p.base+i), uint32(i*step), frames[i])
		sent++
		if i == p.dup+1 {
			r.send(pt, uint16(p.base+p.dup), uint32(p.dup*step), frames[p.dup])
			r.send(pt, uint16(p.base+p.late), uint32(p.late*step), frames[p.late])
			sent += 2
		}
	}
	return sent
}

// A G.711 caller's lost packets are filled in one frame per 20 ms for small
// gaps, so the consumer's clock (VAD, endpointing) keeps time; a 200 ms hole
// is left alone; late and duplicate packets are dropped; and the concealed
// audio continues the tone at its level, then fades.
func TestRTPSessionConcealsLoss(t *testing.T) {
	r := newLossRig(t, media.PCMU())
	tone := audiotest.Tone(700, 8000, 20*lossPlan.packets, 0.5)
	frames := make([][]byte, lossPlan.packets)
	for i := range frames {
		frames[i] = media.EncodeULaw(nil, tone[i*160:(i+1)*160])
	}
	sent := sendPlan(r, 0, 160, frames)
	got := r.Settle(sent)

	// 46 packets arrive in order; 1 + 3 are concealed; the 10 are not.
	if want := 46 + 1 + 3; len(got) != want {
		t.Fatalf("%d frames downstream, want %d", len(got), want)
	}
	if st, want := r.S.Stats(), (media.RTPStats{Received: 48, Lost: 14, Concealed: 4, Late: 2}); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	ref := audiotest.RMSdBFS(tone[:160])
	level := func(i int) float64 { return audiotest.RMSdBFS(got[i]) }
	// Output frames 10 and 20–22 are the concealed ones.
	for _, i := range []int{10, 20} {
		if l := level(i); l < ref-1.5 || l > ref+1 {
			t.Errorf("concealed frame %d at %.1f dBFS, tone at %.1f", i, l, ref)
		}
		if ratio := audiotest.ToneRatio(got[i], 700, 8000); ratio < 0.9 {
			t.Errorf("concealed frame %d holds %.2f of the tone", i, ratio)
		}
	}
	if !(level(21) < level(20)-2 && level(22) < level(21)-2) {
		t.Errorf("concealment does not fade: %.1f, %.1f, %.1f dBFS", level(20), level(21), level(22))
	}
	// After the large gap the stream carries on where the sender is.
	for i := 23; i < len(got); i++ {
		if ratio := audiotest.ToneRatio(got[i], 700, 8000); ratio < 0.9 || level(i) < ref-1 {
			t.Errorf("frame %d: tone share %.2f at %.1f dBFS", i, ratio, level(i))
		}
	}
}

// G.722 has no concealment of its own either: the same fallback applies at
// 16 kHz.
func TestRTPSessionConcealsLossG722(t *testing.T) {
	r := newLossRig(t, media.G722())
	tone := audiotest.Tone(700, 16000, 20*lossPlan.packets, 0.5)
	frames := make([][]byte, lossPlan.packets)
	var pl payloadLog
	enc := media.G722().Encoder(&pl)
	for i := range frames {
		_ = enc.WriteFrame(tone[i*320 : (i+1)*320])
		frames[i] = pl.last
	}
	sent := sendPlan(r, 9, 160, frames)
	got := r.Settle(sent)
	if want := 46 + 1 + 3; len(got) != want {
		t.Fatalf("%d frames downstream, want %d", len(got), want)
	}
	if ratio := audiotest.ToneRatio(got[10], 700, 16000); ratio < 0.8 {
		t.Errorf("concealed frame holds %.2f of the tone", ratio)
	}
}

type payloadLog struct{ last []byte }

func (p *payloadLog) WritePayload(b []byte) error { p.last = append([]byte(nil), b...); return nil }
func (p *payloadLog) String() string              { return "payloads" }

// A hole around a telephone-event is not filled: the phone sent events
// instead of audio, so no audio is missing.
func TestRTPSessionNoConcealmentAroundDTMF(t *testing.T) {
	r := newLossRig(t, media.PCMU())
	frame := media.EncodeULaw(nil, audiotest.Tone(700, 8000, 20, 0.5))
	r.send(0, 1, 0, frame)
	r.send(101, 2, 160, []byte{5, 0, 0, 160}) // not negotiated: just another payload type
	r.send(0, 4, 480, frame)                  // 3 lost: an event or audio, unknown
	r.send(0, 5, 640, frame)
	got := r.Settle(4)
	if len(got) != 3 {
		t.Fatalf("%d frames, want 3", len(got))
	}
	if st := r.S.Stats(); st.Lost != 1 || st.Concealed != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// Bridged legs on the same codec relay packets as they come: nothing is
// concealed or dropped on the way, the far end does that.
func TestRTPSessionRelayDoesNotConceal(t *testing.T) {
	a := newLossRig(t, media.PCMU())
	b := newLossRig(t, media.PCMU())
	a.S.RelayTo(b.S)
	frame := media.EncodeULaw(nil, audiotest.Tone(700, 8000, 20, 0.5))
	// Let b's pacer notice the relay, then drain what it sent before.
	time.Sleep(60 * time.Millisecond)
	drainSeqs(b.Peer, 20*time.Millisecond)
	for _, seq := range []uint16{1, 2, 4, 8, 8, 6, 9} {
		a.send(0, seq, uint32(seq)*160, frame)
	}
	seqs := drainSeqs(b.Peer, 200*time.Millisecond)
	if len(seqs) != 7 {
		t.Fatalf("far end got %d packets, want the 7 sent", len(seqs))
	}
	// The far end sees the sender's gaps, shifted into b's numbering, so it
	// can conceal them itself.
	for i, want := range []uint16{0, 1, 3, 7, 7, 5, 8} {
		if got := seqs[i] - seqs[0]; got != want {
			t.Errorf("relayed sequence numbers %v: packet %d is +%d, want +%d", seqs, i, got, want)
			break
		}
	}
	if st := a.S.Stats(); st.Lost != 4 || st.Late != 2 || st.Concealed != 0 {
		t.Errorf("stats %+v", st)
	}
	if n := len(a.Frames()); n != 0 {
		t.Errorf("%d frames decoded while relaying", n)
	}
}

// drainSeqs reads packets until none arrives for quiet and returns their
// RTP sequence numbers.
func drainSeqs(c *net.UDPConn, quiet time.Duration) []uint16 {
	buf := make([]byte, 1500)
	var seqs []uint16
	for {
		_ = c.SetReadDeadline(time.Now().Add(quiet))
		n, _, err := c.ReadFromUDP(buf)
		if err != nil {
			return seqs
		}
		var p rtp.Packet
		if p.Unmarshal(buf[:n]) == nil {
			seqs = append(seqs, p.SequenceNumber)
		}
	}
}

package media_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/media/legtest"
)

// sessionLeg is a leg whose media is an RTP session, as a SIP leg's is.
type sessionLeg struct {
	id string
	s  *media.RTPSession
}

func (l sessionLeg) ID() string                                        { return l.id }
func (l sessionLeg) Context() context.Context                          { return l.s.Context() }
func (l sessionLeg) AudioOut() media.FrameWriter                       { return l.s.AudioOut() }
func (l sessionLeg) FlushAudioOut()                                    { l.s.FlushAudioOut() }
func (l sessionLeg) SwapAudioIn(w media.FrameWriter) media.FrameWriter { return l.s.SwapAudioIn(w) }
func (l sessionLeg) DTMF() <-chan rune                                 { return l.s.DTMF() }
func (l sessionLeg) Hangup(context.Context, string) error              { l.s.Close(); return nil }
func (l sessionLeg) RTP() *media.RTPSession                            { return l.s }

// phone is the far end of a sessionLeg: an RTP session that says a tone and
// keeps what it hears.
type phone struct {
	s     *media.RTPSession
	mu    sync.Mutex
	heard media.PCM16
}

func (p *phone) WriteFrame(f media.PCM16) error {
	p.mu.Lock()
	p.heard = append(p.heard, f...)
	p.mu.Unlock()
	return nil
}
func (p *phone) SampleRate() int { return 8000 }
func (p *phone) String() string  { return "phone" }

func (p *phone) since(n int) media.PCM16 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append(media.PCM16(nil), p.heard[n:]...)
}

func (p *phone) len() int { p.mu.Lock(); defer p.mu.Unlock(); return len(p.heard) }

// newPhoneLeg connects a server-side RTP leg and a phone over in-memory
// pipes; the phone says tone.
func newPhoneLeg(t *testing.T, id string, port int, tone float64) (sessionLeg, *phone) {
	t.Helper()
	at := func(p int) *net.UDPAddr { return &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: p} }
	server, far := at(port), at(port+2)
	rtpS, rtpP := audiotest.PacketPipe(server, far)
	rtcpS, rtcpP := audiotest.PacketPipe(at(port+1), at(port+3))
	s := media.NewRTPSession(rtpS, rtcpS, media.RTPConfig{Codec: media.PCMU(), Remote: far})
	ps := media.NewRTPSession(rtpP, rtcpP, media.RTPConfig{Codec: media.PCMU(), Remote: server})
	ph := &phone{s: ps}
	ps.SwapAudioIn(ph)
	ctx, cancel := context.WithCancel(context.Background())
	played := make(chan struct{})
	go func() {
		defer close(played)
		_ = media.Play(ctx, ps.AudioOut(), audiotest.Tone(tone, 8000, 10_000, toneAmplitude))
	}()
	t.Cleanup(func() {
		cancel()
		<-played
		ps.Close()
		s.Close()
	})
	return sessionLeg{id: id, s: s}, ph
}

// Two RTP legs that relay to each other (a bridge between two PCMU phones)
// join a mixer with a third party: the mixer stops the relay both ways, so
// each leg's audio is decoded and mixed and each phone hears the mix.
func TestMixerRTPLegsStopRelaying(t *testing.T) {
	a, phoneA := newPhoneLeg(t, "a", 40000, callerTone)
	b, phoneB := newPhoneLeg(t, "b", 40010, agentTone)
	a.s.RelayTo(b.s)
	b.s.RelayTo(a.s)
	if !media.Relays(a, b) {
		t.Fatal("two PCMU legs do not relay")
	}
	time.Sleep(300 * time.Millisecond)
	n := phoneB.len()
	time.Sleep(400 * time.Millisecond)
	if got := hearing(phoneB.since(n), 8000, allTones); got != "400" {
		t.Fatalf("relaying, phone b hears %s, want 400", got)
	}

	sup := legtest.New("supervisor", legtest.Options{Rate: 8000, Silent: true})
	defer sup.Close()
	sup.Say(audiotest.Tone(supervisorTone, 8000, 10_000, toneAmplitude))
	m := media.NewMixer(8000)
	defer m.Close()
	join(t, m, a, media.PartyOptions{})
	join(t, m, b, media.PartyOptions{})
	join(t, m, sup, media.PartyOptions{})
	settle()
	na, nb, ns := phoneA.len(), phoneB.len(), len(sup.OutAudio())
	time.Sleep(600 * time.Millisecond)
	for _, tc := range []struct {
		who   string
		heard media.PCM16
		want  string
	}{
		{"phone a", phoneA.since(na), "1000+1700"},
		{"phone b", phoneB.since(nb), "400+1700"},
		{"supervisor", sup.OutAudio()[ns:], "400+1000"},
	} {
		if got := hearing(tc.heard, 8000, allTones); got != tc.want {
			t.Errorf("mixed, %s hears %s, want %s", tc.who, got, tc.want)
		}
	}
}

package media

import (
	"context"
	"fmt"
	"testing"
)

// benchLeg is a leg whose AudioOut takes frames without blocking and drops
// them, so a benchmark measures the mixer alone.
type benchLeg struct {
	id   string
	rate int
}

func (l benchLeg) ID() string                           { return l.id }
func (l benchLeg) Context() context.Context             { return context.Background() }
func (l benchLeg) AudioOut() FrameWriter                { return benchOut(l.rate) }
func (l benchLeg) FlushAudioOut()                       {}
func (l benchLeg) SwapAudioIn(FrameWriter) FrameWriter  { return nil }
func (l benchLeg) DTMF() <-chan rune                    { return nil }
func (l benchLeg) Hangup(context.Context, string) error { return nil }

type benchOut int

func (o benchOut) WriteFrame(PCM16) error    { return nil }
func (o benchOut) TryWriteFrame(PCM16) error { return nil }
func (o benchOut) SampleRate() int           { return int(o) }
func (o benchOut) String() string            { return "bench-out" }

// BenchmarkMixer is the cost of one 20 ms tick: every party's frame into its
// inbox (done on the legs' receive paths in a call) and the mix minus self
// for each, written out. One op is one tick.
func BenchmarkMixer(b *testing.B) {
	for _, tc := range []struct {
		parties        int
		mixRate, rate  int
		supervisorMode PartyOptions
	}{
		{3, 8000, 8000, Barge()},
		{3, 8000, 8000, Listen()},
		{10, 8000, 8000, Barge()},
		{3, 16000, 16000, Barge()},
		{3, 16000, 8000, Barge()}, // narrowband parties in a wideband mixer: resampled out
		{10, 16000, 16000, Barge()},
	} {
		name := fmt.Sprintf("parties=%d/mixer=%d/legs=%d", tc.parties, tc.mixRate, tc.rate)
		if tc.supervisorMode.Heard.nobody {
			name += "/listen"
		}
		b.Run(name, func(b *testing.B) {
			m := NewMixer(tc.mixRate)
			frame := make(PCM16, SamplesPerFrame(tc.rate))
			for i := range frame {
				frame[i] = int16(i * 331 % 20000)
			}
			var ins []*partyIn
			for i := range tc.parties {
				leg := benchLeg{id: fmt.Sprint("p", i), rate: tc.rate}
				p := &Party{m: m, leg: leg, done: make(chan struct{})}
				p.in = newPartyIn(leg.id, tc.rate, newMixerInbox(m.rate))
				opts := Barge()
				if i == tc.parties-1 {
					opts = tc.supervisorMode
				}
				m.members = append(m.members, &member{party: p, opts: opts, out: newPartyOut(leg.AudioOut(), m.rate),
					cur: make(PCM16, m.frame), mix: make(PCM16, m.frame)})
				ins = append(ins, p.in)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				for _, in := range ins {
					_ = in.WriteFrame(frame)
				}
				m.mu.Lock()
				m.tickLocked()
				m.mu.Unlock()
			}
		})
	}
}

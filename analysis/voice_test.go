package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
)

const testRate = 8000

type span struct{ from, to float64 } // seconds

// channel synthesises a channel of secs seconds: faint line noise, with a
// voice-band tone (amplitude 0.3) over each span.
func channel(seed uint64, secs float64, freq float64, spans ...span) media.PCM16 {
	n := int(secs * testRate)
	r := rand.New(rand.NewPCG(seed, 7))
	pcm := make(media.PCM16, n)
	for i := range pcm {
		pcm[i] = int16(r.NormFloat64() * 15) // about -67 dBFS
	}
	for _, s := range spans {
		for i := int(s.from * testRate); i < int(s.to*testRate) && i < n; i++ {
			v := 0.3 * 32767 * math.Sin(2*math.Pi*freq*float64(i)/testRate)
			pcm[i] = int16(v + float64(pcm[i]))
		}
	}
	return pcm
}

// scriptedCall is a 31 s call with known talk, silence and overtalk:
//
//	caller  1–4 (two 150 ms syllable gaps), 9–12, 15.5–18, a 80 ms click at 19, 20–23, 26–27
//	other   4.5–8.5, 11–14, 16.5–16.8 (a backchannel), 21–28
func scriptedCall() (left, right media.PCM16) {
	left = channel(1, 31, 220,
		span{1, 2}, span{2.15, 3}, span{3.15, 4}, span{9, 12}, span{15.5, 18}, span{19, 19.08}, span{20, 23}, span{26, 27})
	right = channel(2, 31, 330, span{4.5, 8.5}, span{11, 14}, span{16.5, 16.8}, span{21, 28})
	return left, right
}

func near(t *testing.T, name string, got, want int64) {
	t.Helper()
	if d := got - want; d > 100 || d < -100 {
		t.Errorf("%s = %d ms, want %d ± 100", name, got, want)
	}
}

func TestSegments(t *testing.T) {
	left, _ := scriptedCall()
	got := Segments(left, testRate)
	want := []span{{1, 4}, {9, 12}, {15.5, 18}, {20, 23}, {26, 27}}
	if len(got) != len(want) {
		t.Fatalf("segments = %v, want %v", got, want)
	}
	for i, w := range want {
		near(t, "start", got[i].Start.Milliseconds(), int64(w.from*1000))
		near(t, "end", got[i].End.Milliseconds(), int64(w.to*1000))
	}
	if s := Segments(channel(3, 5, 220), testRate); len(s) != 0 {
		t.Errorf("line noise alone gave segments %v", s)
	}
	if s := Segments(nil, testRate); s != nil {
		t.Errorf("no audio gave %v", s)
	}
}

func TestVoice(t *testing.T) {
	left, right := scriptedCall()
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	sec := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	vc := VoiceContext{
		RecordingStart: t0,
		Agent:          []record.Interval{{Start: sec(10), End: sec(40)}},
		TimeToAnswer:   12 * time.Second,
	}
	st := Voice(left, right, testRate, vc)
	near(t, "duration", st.DurationMs, 31000)
	near(t, "caller talk", st.CallerTalkMs, 12500)
	near(t, "other talk", st.OtherTalkMs, 14300)
	near(t, "agent talk", st.AgentTalkMs, 10300)
	near(t, "overtalk", st.OvertalkMs, 4300)
	near(t, "silence", st.SilenceMs, 8500)
	near(t, "longest silence", st.LongestSilenceMs, 3000)
	if st.CallerInterruptions != 1 || st.OtherInterruptions != 2 {
		t.Errorf("interruptions caller=%d other=%d, want 1 and 2", st.CallerInterruptions, st.OtherInterruptions)
	}
	if want := 10.3 / 18.8; math.Abs(st.AgentTalkRatio-want) > 0.01 {
		t.Errorf("agent talk ratio = %.3f, want %.3f", st.AgentTalkRatio, want)
	}
	if math.Abs(st.SilenceShare-8.5/31) > 0.005 {
		t.Errorf("silence share = %.3f", st.SilenceShare)
	}
	if st.TimeToAnswerMs != 12000 || st.HoldMs != 0 {
		t.Errorf("time to answer %d, hold %d", st.TimeToAnswerMs, st.HoldMs)
	}

	// The other side's 4.5–8.5 is hold music inside a 4–9 hold: not talk,
	// and the hold is one long silence.
	vc.Hold = []record.Interval{{Start: sec(4), End: sec(9)}}
	st = Voice(left, right, testRate, vc)
	near(t, "hold", st.HoldMs, 5000)
	near(t, "other talk with hold", st.OtherTalkMs, 10300)
	near(t, "silence with hold", st.SilenceMs, 12500)
	near(t, "longest silence with hold", st.LongestSilenceMs, 5000)

	// A paused span (card number) is out of every figure.
	vc.Hold = nil
	vc.Paused = []record.Interval{{Start: sec(20), End: sec(28)}}
	st = Voice(left, right, testRate, vc)
	near(t, "duration with pause", st.DurationMs, 23000)
	near(t, "caller talk with pause", st.CallerTalkMs, 8500)
	near(t, "overtalk with pause", st.OvertalkMs, 1300)
	if st.CallerInterruptions != 0 || st.OtherInterruptions != 1 {
		t.Errorf("with pause: interruptions caller=%d other=%d, want 0 and 1", st.CallerInterruptions, st.OtherInterruptions)
	}
}

func TestVoiceLoudLine(t *testing.T) {
	// A channel that is speech almost throughout must not learn its
	// speech as the noise floor.
	left := channel(4, 10, 220, span{0.2, 9.8})
	right := channel(5, 10, 330)
	st := Voice(left, right, testRate, VoiceContext{})
	near(t, "caller talk", st.CallerTalkMs, 9600)
	near(t, "other talk", st.OtherTalkMs, 0)
}

func TestFromCall(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	c := &record.Call{
		Times: record.Times{Start: t0, Answer: t0.Add(time.Second), AgentAnswer: t0.Add(40 * time.Second),
			End: t0.Add(300 * time.Second), WaitMs: 25000},
		Transfers: []record.Transfer{{Start: t0.Add(200 * time.Second), Answer: t0.Add(210 * time.Second), End: t0.Add(300 * time.Second)}},
	}
	vc := FromCall(c, record.Recording{})
	if !vc.RecordingStart.Equal(c.Answer) {
		t.Errorf("recording start = %v, want the answer", vc.RecordingStart)
	}
	if vc.TimeToAnswer != 40*time.Second {
		t.Errorf("time to answer = %v", vc.TimeToAnswer)
	}
	if len(vc.Agent) != 1 || !vc.Agent[0].Start.Equal(c.AgentAnswer) || !vc.Agent[0].End.Equal(t0.Add(210*time.Second)) {
		t.Errorf("agent = %+v, want agent answer to the transfer's answer", vc.Agent)
	}
	if len(vc.Hold) != 1 || !vc.Hold[0].Start.Equal(t0.Add(15*time.Second)) || !vc.Hold[0].End.Equal(c.AgentAnswer) {
		t.Errorf("hold = %+v, want the queue wait before the agent", vc.Hold)
	}
}

func FuzzVoice(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4}, []byte{200, 100}, 8000, int64(0), int64(1e9))
	f.Add(make([]byte, 4000), []byte{}, 16000, int64(-5e9), int64(3e9))
	f.Fuzz(func(t *testing.T, l, r []byte, rate int, holdFrom, holdTo int64) {
		if rate < 1 || rate > 48000 {
			return
		}
		pcm := func(b []byte) media.PCM16 {
			p := make(media.PCM16, len(b)/2)
			for i := range p {
				p[i] = int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8)
			}
			return p
		}
		left, right := pcm(l), pcm(r)
		vc := VoiceContext{RecordingStart: t0, Hold: []record.Interval{{Start: t0.Add(time.Duration(holdFrom)), End: t0.Add(time.Duration(holdTo))}},
			Agent: []record.Interval{{Start: t0.Add(time.Duration(holdTo)), End: t0.Add(time.Duration(holdFrom))}}}
		st := Voice(left, right, rate, vc)
		if st.SilenceMs+st.CallerTalkMs+st.OtherTalkMs-st.OvertalkMs != st.DurationMs {
			t.Fatalf("silence + talk - overtalk != duration: %+v", st)
		}
		if st.SilenceShare < 0 || st.SilenceShare > 1 || st.AgentTalkRatio < 0 || st.AgentTalkRatio > 1 {
			t.Fatalf("shares out of range: %+v", st)
		}
	})
}

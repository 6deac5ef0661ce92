package media_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/media/legtest"
)

// The tones the parties of the mixer tests speak: the caller, the agent and
// the supervisor (or a third party of a conference).
const (
	callerTone     = 400.0
	agentTone      = 1000.0
	supervisorTone = 1700.0
	toneAmplitude  = 0.2
)

var allTones = []float64{callerTone, agentTone, supervisorTone}

// speaker is a test leg whose party says one tone for the whole test.
type speaker struct {
	*legtest.Leg
	tone float64
	rate int
}

func newSpeaker(t *testing.T, id string, tone float64, rate int) *speaker {
	t.Helper()
	l := legtest.New(id, legtest.Options{Rate: rate, Silent: true})
	t.Cleanup(l.Close)
	if tone > 0 {
		l.Say(audiotest.Tone(tone, rate, 10_000, toneAmplitude))
	}
	return &speaker{Leg: l, tone: tone, rate: rate}
}

// listen returns what each leg was sent over the next d.
func listen(d time.Duration, legs ...*speaker) []media.PCM16 {
	start := make([]int, len(legs))
	for i, l := range legs {
		start[i] = len(l.OutAudio())
	}
	time.Sleep(d)
	out := make([]media.PCM16, len(legs))
	for i, l := range legs {
		out[i] = l.OutAudio()[start[i]:]
	}
	return out
}

// hearing names the tones present in audio: a tone is heard at no less
// than half its amplitude and absent 30 dB or more below it; anything in
// between is reported as "?" and fails every expectation.
func hearing(audio media.PCM16, rate int, tones []float64) string {
	full := toneAmplitude * toneAmplitude
	var heard []string
	for _, f := range tones {
		switch p := audiotest.Goertzel(audio, f, rate); {
		case p >= full/4:
			heard = append(heard, fmt.Sprint(f))
		case p > full/1000:
			heard = append(heard, fmt.Sprintf("?%v(%.1fdB)", f, 10*math.Log10(p/full)))
		}
	}
	if len(heard) == 0 {
		return "-"
	}
	return strings.Join(heard, "+")
}

// tonesOf is the expected hearing for the given speakers.
func tonesOf(s ...*speaker) string {
	var fs []float64
	for _, x := range s {
		fs = append(fs, x.tone)
	}
	sort.Float64s(fs)
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprint(f))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "+")
}

// expectHearing checks, over one window, that each leg hears exactly the
// tones of the speakers given for it.
func expectHearing(t *testing.T, phase string, legs []*speaker, want map[*speaker][]*speaker) {
	t.Helper()
	heard := listen(600*time.Millisecond, legs...)
	for i, l := range legs {
		got := hearing(heard[i], l.rate, allTones)
		if w := tonesOf(want[l]...); got != w {
			t.Errorf("%s: %s hears %s, want %s (%d samples)", phase, l.ID(), got, w, len(heard[i]))
		}
	}
}

func join(t *testing.T, m *media.Mixer, l media.Leg, opts media.PartyOptions) *media.Party {
	t.Helper()
	p, err := m.Join(l, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// settle waits for the mixer's audio to reach every leg after a change.
func settle() { time.Sleep(150 * time.Millisecond) }

// Three parties in a conference: each hears the other two and not itself.
func TestMixerMixMinusSelf(t *testing.T) {
	a, b, c := newSpeaker(t, "a", callerTone, 8000), newSpeaker(t, "b", agentTone, 8000),
		newSpeaker(t, "c", supervisorTone, 8000)
	m := media.NewMixer(8000)
	defer m.Close()
	for _, l := range []*speaker{a, b, c} {
		join(t, m, l, media.PartyOptions{})
	}
	settle()
	expectHearing(t, "conference", []*speaker{a, b, c}, map[*speaker][]*speaker{a: {b, c}, b: {a, c}, c: {a, b}})
}

// A supervisor joining a call between a caller and an agent: listening, they
// hear both and nobody hears them; whispering, the agent hears them and the
// caller does not; barging, all three hear each other.
func TestMixerSupervisorModes(t *testing.T) {
	for _, tc := range []struct {
		mode        string
		opts        func(agent *media.Party) media.PartyOptions
		agentHears  func(caller, sup *speaker) []*speaker
		callerHears func(agent, sup *speaker) []*speaker
	}{
		{"listen", func(*media.Party) media.PartyOptions { return media.Listen() },
			func(c, _ *speaker) []*speaker { return []*speaker{c} },
			func(a, _ *speaker) []*speaker { return []*speaker{a} }},
		{"whisper", func(agent *media.Party) media.PartyOptions { return media.Whisper(agent) },
			func(c, s *speaker) []*speaker { return []*speaker{c, s} },
			func(a, _ *speaker) []*speaker { return []*speaker{a} }},
		{"barge", func(*media.Party) media.PartyOptions { return media.Barge() },
			func(c, s *speaker) []*speaker { return []*speaker{c, s} },
			func(a, s *speaker) []*speaker { return []*speaker{a, s} }},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			caller, agent := newSpeaker(t, "caller", callerTone, 8000), newSpeaker(t, "agent", agentTone, 8000)
			sup := newSpeaker(t, "supervisor", supervisorTone, 8000)
			m := media.NewMixer(8000)
			defer m.Close()
			join(t, m, caller, media.PartyOptions{})
			ap := join(t, m, agent, media.PartyOptions{})
			join(t, m, sup, tc.opts(ap))
			settle()
			expectHearing(t, tc.mode, []*speaker{caller, agent, sup}, map[*speaker][]*speaker{
				sup:    {caller, agent},
				agent:  tc.agentHears(caller, sup),
				caller: tc.callerHears(agent, sup),
			})
		})
	}
}

// The supervisor goes from listen to whisper to barge and back to listen on
// the same party, without re-joining.
func TestMixerSetModeLive(t *testing.T) {
	caller, agent := newSpeaker(t, "caller", callerTone, 8000), newSpeaker(t, "agent", agentTone, 8000)
	sup := newSpeaker(t, "supervisor", supervisorTone, 8000)
	m := media.NewMixer(8000)
	defer m.Close()
	join(t, m, caller, media.PartyOptions{})
	ap := join(t, m, agent, media.PartyOptions{})
	sp := join(t, m, sup, media.Listen())
	legs := []*speaker{caller, agent, sup}
	listening := map[*speaker][]*speaker{sup: {caller, agent}, agent: {caller}, caller: {agent}}
	settle()
	expectHearing(t, "listen", legs, listening)

	if err := sp.SetMode(media.Whisper(ap)); err != nil {
		t.Fatal(err)
	}
	if got := sp.Mode().String(); got != "hears everyone, heard by only(agent)" {
		t.Errorf("whisper mode reads %q", got)
	}
	settle()
	expectHearing(t, "whisper", legs, map[*speaker][]*speaker{sup: {caller, agent}, agent: {caller, sup}, caller: {agent}})

	if err := sp.SetMode(media.Barge()); err != nil {
		t.Fatal(err)
	}
	settle()
	expectHearing(t, "barge", legs, map[*speaker][]*speaker{sup: {caller, agent}, agent: {caller, sup}, caller: {agent, sup}})

	if err := sp.SetMode(media.Listen()); err != nil {
		t.Fatal(err)
	}
	settle()
	expectHearing(t, "listen again", legs, listening)

	sp.Leave()
	if err := sp.SetMode(media.Barge()); !errors.Is(err, media.ErrClosed) {
		t.Errorf("SetMode after Leave: %v, want ErrClosed", err)
	}
}

// Hears limits whom a party hears: a party that hears only the caller does
// not hear the agent, who still hears it.
func TestMixerHearsOnly(t *testing.T) {
	caller, agent := newSpeaker(t, "caller", callerTone, 8000), newSpeaker(t, "agent", agentTone, 8000)
	coach := newSpeaker(t, "coach", supervisorTone, 8000)
	m := media.NewMixer(8000)
	defer m.Close()
	cp := join(t, m, caller, media.PartyOptions{})
	join(t, m, agent, media.PartyOptions{})
	join(t, m, coach, media.PartyOptions{Hears: media.Only(cp)})
	settle()
	expectHearing(t, "hears only the caller", []*speaker{caller, agent, coach},
		map[*speaker][]*speaker{coach: {caller}, agent: {caller, coach}, caller: {agent, coach}})
}

// A party that leaves is heard no more, is sent nothing more and gets its
// leg's audio routing back; a party whose leg hangs up leaves by itself.
func TestMixerPartyLeaves(t *testing.T) {
	a, b, c := newSpeaker(t, "a", callerTone, 8000), newSpeaker(t, "b", agentTone, 8000),
		newSpeaker(t, "c", supervisorTone, 8000)
	m := media.NewMixer(8000)
	defer m.Close()
	join(t, m, a, media.PartyOptions{})
	bp := join(t, m, b, media.PartyOptions{})
	cp := join(t, m, c, media.PartyOptions{})
	settle()

	bp.Leave()
	select {
	case <-bp.Done():
	default:
		t.Fatal("Done not closed after Leave")
	}
	if sw := b.Swaps(); len(sw) != 2 || !strings.HasPrefix(sw[0], "mixer-in(b)") || sw[1] != "<nil>" {
		t.Errorf("b's audio in was given %q, want the mixer's then back to <nil>", sw)
	}
	sentB := len(b.OutAudio())
	settle()
	expectHearing(t, "b left", []*speaker{a, c}, map[*speaker][]*speaker{a: {c}, c: {a}})
	if n := len(b.OutAudio()); n != sentB {
		t.Errorf("b was sent %d samples after it left", n-sentB)
	}
	if got := len(m.Parties()); got != 2 {
		t.Errorf("%d parties after one left, want 2", got)
	}

	c.HangUp()
	select {
	case <-cp.Done():
	case <-time.After(time.Second):
		t.Fatal("the party whose leg hung up did not leave")
	}
	settle()
	expectHearing(t, "c hung up", []*speaker{a}, map[*speaker][]*speaker{a: {}})
}

// Two loud parties saturate what the third hears: the sum is clipped to
// full scale, not wrapped around.
func TestMixerSaturation(t *testing.T) {
	loud := func(v int16) media.PCM16 {
		s := make(media.PCM16, 8000*5)
		for i := range s {
			s[i] = v
		}
		return s
	}
	for _, tc := range []struct {
		name string
		v    int16
		want int16
	}{{"positive", 30000, 32767}, {"negative", -30000, -32768}} {
		t.Run(tc.name, func(t *testing.T) {
			a, b, c := newSpeaker(t, "a", 0, 8000), newSpeaker(t, "b", 0, 8000), newSpeaker(t, "c", 0, 8000)
			a.Say(loud(tc.v))
			b.Say(loud(tc.v))
			m := media.NewMixer(8000)
			defer m.Close()
			for _, l := range []*speaker{a, b, c} {
				join(t, m, l, media.PartyOptions{})
			}
			settle()
			heard := listen(500*time.Millisecond, a, c)
			clipped, wrong := 0, 0
			for _, v := range heard[1] {
				switch v {
				case tc.want:
					clipped++
				case 0, tc.v: // a tick with one or no loud frame
				default:
					wrong++
				}
			}
			if n := len(heard[1]); wrong > 0 || clipped < n/2 {
				t.Errorf("c heard %d of %d samples at %d, %d neither silence, one party nor full scale", clipped, n, tc.want, wrong)
			}
			for _, v := range heard[0] {
				if v != tc.v && v != 0 {
					t.Fatalf("a heard %d, want %d (b alone)", v, tc.v)
				}
			}
		})
	}
}

// An 8 kHz party and a 16 kHz party in a 16 kHz mixer hear each other at
// their own rates; the wideband party's 5 kHz tone, above what 8 kHz
// carries, does not fold down to 3 kHz for the narrowband one.
func TestMixerRates(t *testing.T) {
	narrow := newSpeaker(t, "narrow", callerTone, 8000)
	wide := newSpeaker(t, "wide", 0, 16000)
	wide.Say(audiotest.Mix(audiotest.Tone(agentTone, 16000, 10_000, toneAmplitude),
		audiotest.Tone(5000, 16000, 10_000, toneAmplitude)))
	m := media.NewMixer(16000)
	defer m.Close()
	join(t, m, narrow, media.PartyOptions{})
	join(t, m, wide, media.PartyOptions{})
	settle()
	heard := listen(600*time.Millisecond, narrow, wide)
	if got := hearing(heard[0], 8000, []float64{callerTone, agentTone, 3000}); got != "1000" {
		t.Errorf("the 8 kHz party hears %s, want 1000", got)
	}
	if got := hearing(heard[1], 16000, []float64{callerTone, agentTone, 5000}); got != "400" {
		t.Errorf("the 16 kHz party hears %s, want 400", got)
	}
	// Each is sent audio at its own rate: 0.6 s is 4800 and 9600 samples.
	for i, want := range []int{4800, 9600} {
		if n := len(heard[i]); n < want*8/10 || n > want*12/10 {
			t.Errorf("party %d was sent %d samples in 0.6 s, want about %d", i, n, want)
		}
	}
}

// goroutinesBack waits for the number of goroutines to fall to n.
func goroutinesBack(t *testing.T, n int, what string) {
	t.Helper()
	for deadline := time.Now().Add(time.Second); runtime.NumGoroutine() > n; {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d goroutines, want %d", what, runtime.NumGoroutine(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The mixer's goroutines end when the last party leaves, start again with
// the next, and end for good with Close, after which Join fails.
func TestMixerStops(t *testing.T) {
	a, b := newSpeaker(t, "a", callerTone, 8000), newSpeaker(t, "b", agentTone, 8000)
	c := newSpeaker(t, "c", supervisorTone, 16000)
	base := runtime.NumGoroutine()
	m := media.NewMixer(8000)
	ap, bp := join(t, m, a, media.PartyOptions{}), join(t, m, b, media.PartyOptions{})
	if runtime.NumGoroutine() <= base {
		t.Fatal("the mixer started no goroutine")
	}
	ap.Leave()
	bp.Leave()
	goroutinesBack(t, base, "after the last party left")

	join(t, m, a, media.PartyOptions{})
	join(t, m, c, media.PartyOptions{})
	settle()
	if got := hearing(listen(400*time.Millisecond, c)[0], 16000, allTones); got != "400" {
		t.Errorf("after a restart the 16 kHz party hears %s, want 400", got)
	}
	m.Close()
	for _, p := range m.Parties() {
		t.Errorf("%s still in the mixer after Close", p.Leg().ID())
	}
	goroutinesBack(t, base, "after Close")
	if _, err := m.Join(b, media.PartyOptions{}); !errors.Is(err, media.ErrClosed) {
		t.Errorf("Join after Close: %v, want ErrClosed", err)
	}
	if _, err := media.NewMixer(8000).Join(a, media.PartyOptions{}); err != nil {
		t.Errorf("a leg left by a closed mixer cannot join another: %v", err)
	}
}

// A leg joins once; a leg that has ended cannot join.
func TestMixerJoinErrors(t *testing.T) {
	a, b := newSpeaker(t, "a", callerTone, 8000), newSpeaker(t, "b", agentTone, 8000)
	m := media.NewMixer(8000)
	defer m.Close()
	join(t, m, a, media.PartyOptions{})
	if _, err := m.Join(a, media.PartyOptions{}); !errors.Is(err, media.ErrJoined) {
		t.Errorf("second Join of one leg: %v, want ErrJoined", err)
	}
	b.HangUp()
	if _, err := m.Join(b, media.PartyOptions{}); !errors.Is(err, media.ErrClosed) {
		t.Errorf("Join of an ended leg: %v, want ErrClosed", err)
	}
}

// Conference: a three-way until all but one have hung up, or until ctx ends.
func TestMixerConference(t *testing.T) {
	caller, agent := newSpeaker(t, "caller", callerTone, 8000), newSpeaker(t, "agent", agentTone, 8000)
	second := newSpeaker(t, "second", supervisorTone, 16000)
	done := make(chan error, 1)
	go func() { done <- media.Conference(context.Background(), caller, agent, second) }()
	time.Sleep(200 * time.Millisecond)
	expectHearing(t, "three-way", []*speaker{caller, agent, second},
		map[*speaker][]*speaker{caller: {agent, second}, agent: {caller, second}, second: {caller, agent}})

	agent.HangUp() // the first agent drops: the caller and the second agent go on
	settle()
	expectHearing(t, "after the transfer", []*speaker{caller, second},
		map[*speaker][]*speaker{caller: {second}, second: {caller}})
	select {
	case err := <-done:
		t.Fatalf("conference ended with two parties left: %v", err)
	default:
	}
	second.HangUp()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("conference: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("conference went on with one party")
	}
	if sw := caller.Swaps(); sw[len(sw)-1] != "<nil>" {
		t.Errorf("the caller's audio in was left at %q", sw[len(sw)-1])
	}

	x, y := newSpeaker(t, "x", callerTone, 8000), newSpeaker(t, "y", agentTone, 8000)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := media.Conference(ctx, x, y); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("conference ended by ctx: %v", err)
	}
}

// slowLeg is a leg whose AudioOut takes 300 ms per frame: a stuck writer.
type slowLeg struct{ *speaker }

func (l slowLeg) AudioOut() media.FrameWriter {
	return media.FrameWriterFunc{Rate: l.rate, Name: "slow", Fn: func(media.PCM16) error {
		time.Sleep(300 * time.Millisecond)
		return nil
	}}
}

// A party whose leg takes its audio slowly holds up nobody: the others hear
// each other and it, in full, and it can still leave.
func TestMixerSlowWriter(t *testing.T) {
	a, b := newSpeaker(t, "a", callerTone, 8000), newSpeaker(t, "b", agentTone, 8000)
	slow := slowLeg{newSpeaker(t, "slow", supervisorTone, 8000)}
	m := media.NewMixer(8000)
	defer m.Close()
	join(t, m, a, media.PartyOptions{})
	join(t, m, b, media.PartyOptions{})
	sp := join(t, m, slow, media.PartyOptions{})
	settle()
	heard := listen(600*time.Millisecond, a, b)
	for i, want := range []string{"1000+1700", "400+1700"} {
		if got := hearing(heard[i], 8000, allTones); got != want {
			t.Errorf("%s hears %s, want %s", []string{"a", "b"}[i], got, want)
		}
		if n := len(heard[i]); n < 4800*8/10 {
			t.Errorf("%s was sent %d samples in 0.6 s, want about 4800", []string{"a", "b"}[i], n)
		}
	}
	left := make(chan struct{})
	go func() { sp.Leave(); close(left) }()
	select {
	case <-left:
	case <-time.After(time.Second):
		t.Fatal("Leave of the slow party did not return")
	}
}

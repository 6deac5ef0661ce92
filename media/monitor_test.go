package media_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/media/legtest"
)

// A call between two RTP phones, relayed by the bridge, is monitored: the
// supervisor listens, whispers to the agent, barges in and leaves, and the
// call is bridged again; a supervisor who hangs up leaves by themself.
func TestMonitor(t *testing.T) {
	caller, callerPhone := newPhoneLeg(t, "caller", 40100, callerTone)
	agent, agentPhone := newPhoneLeg(t, "agent", 40110, agentTone)
	sup := legtest.New("supervisor", legtest.Options{Rate: 16000, Silent: true})
	defer sup.Close()
	sup.Say(audiotest.Tone(supervisorTone, 16000, 10_000, toneAmplitude))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mon := media.NewMonitor(caller, agent)
	ran := make(chan error, 1)
	go func() { ran <- mon.Run(ctx) }()

	// hears checks what each of the three hears over the next 600 ms.
	hears := func(phase, atCaller, atAgent, atSup string) {
		t.Helper()
		time.Sleep(150 * time.Millisecond)
		nc, na, ns := callerPhone.len(), agentPhone.len(), len(sup.OutAudio())
		time.Sleep(600 * time.Millisecond)
		for _, tc := range []struct {
			who   string
			heard media.PCM16
			rate  int
			want  string
		}{
			{"caller", callerPhone.since(nc), 8000, atCaller},
			{"agent", agentPhone.since(na), 8000, atAgent},
			{"supervisor", sup.OutAudio()[ns:], 16000, atSup},
		} {
			if tc.want == "" {
				continue
			}
			if got := hearing(tc.heard, tc.rate, allTones); got != tc.want {
				t.Errorf("%s: the %s hears %s, want %s", phase, tc.who, got, tc.want)
			}
		}
	}
	hears("bridged", "1000", "400", "")
	if err := mon.SetMode(media.MonitorBarge); err == nil {
		t.Error("SetMode with no supervisor on the call succeeded")
	}

	if err := mon.Join(sup, media.MonitorListen); err != nil {
		t.Fatal(err)
	}
	hears("listen", "1000", "400", "400+1000")
	if err := mon.SetMode(media.MonitorWhisper); err != nil {
		t.Fatal(err)
	}
	hears("whisper", "1000", "400+1700", "400+1000")
	if err := mon.SetMode(media.MonitorBarge); err != nil {
		t.Fatal(err)
	}
	hears("barge", "1000+1700", "400+1700", "400+1000")

	if err := mon.Leave(); err != nil {
		t.Fatal(err)
	}
	sentSup := len(sup.OutAudio())
	hears("left", "1000", "400", "")
	if n := len(sup.OutAudio()); n != sentSup {
		t.Errorf("the supervisor was sent %d samples after leaving", n-sentSup)
	}
	if sw := sup.Swaps(); sw[len(sw)-1] != "<nil>" {
		t.Errorf("the supervisor's audio in was left at %q", sw[len(sw)-1])
	}

	// A supervisor who hangs up: the call is bridged again by itself.
	sup2 := legtest.New("supervisor2", legtest.Options{Rate: 8000, Silent: true})
	sup2.Say(audiotest.Tone(supervisorTone, 8000, 10_000, toneAmplitude))
	if err := mon.Join(sup2, media.MonitorBarge); err != nil {
		t.Fatal(err)
	}
	hears("barge again", "1000+1700", "400+1700", "")
	sup2.HangUp()
	hears("the supervisor hung up", "1000", "400", "")
	sup2.Close()

	// A supervisor whose leg has already ended cannot join; the call stays bridged.
	gone := legtest.New("gone", legtest.Options{Silent: true})
	gone.HangUp()
	if err := mon.Join(gone, media.MonitorListen); !errors.Is(err, media.ErrClosed) {
		t.Errorf("Join of an ended supervisor leg: %v, want ErrClosed", err)
	}
	gone.Close()
	hears("after a failed join", "1000", "400", "")

	cancel()
	select {
	case err := <-ran:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run ended with %v, want context.Canceled", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Run went on after ctx ended")
	}
	if err := mon.Join(sup, media.MonitorListen); !errors.Is(err, media.ErrClosed) {
		t.Errorf("Join after the call ended: %v, want ErrClosed", err)
	}
}

package rtc

import (
	"context"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/rtc/rtctest"
)

func newEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := NewEngine(Config{Loopback: true, PublicIP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// connect makes a client and a server leg connected to each other.
func connect(t testing.TB, e *Engine) (*rtctest.Client, *Leg) {
	t.Helper()
	c, offer, err := rtctest.New(10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	leg, answer, err := e.Accept(ctx, "test", offer, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(leg.Close)
	if err := c.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	if err := leg.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	return c, leg
}

// TestAudioBothWays: the browser's tone reaches the leg's consumer, and
// audio written to the leg reaches the browser.
func TestAudioBothWays(t *testing.T) {
	e := newEngine(t)
	c, leg := connect(t, e)
	var got media.PCM16
	done := make(chan struct{})
	leg.SwapAudioIn(media.FrameWriterFunc{Rate: 8000, Fn: func(p media.PCM16) error {
		if len(got) < 8000 {
			got = append(got, p...)
			if len(got) >= 8000 {
				close(done)
			}
		}
		return nil
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go c.Send(ctx, audiotest.Tone(1000, 8000, 3000, 0.3))
	go func() { _ = media.Play(ctx, leg.AudioOut(), audiotest.Tone(440, 8000, 2000, 0.3)) }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("leg received %d samples", len(got))
	}
	if ok, r := audiotest.DetectTone(got, 1000, 8000); !ok {
		t.Fatalf("leg did not hear 1000 Hz (ratio %.2f)", r)
	}
	time.Sleep(1500 * time.Millisecond)
	rx := c.Received()
	if ok, r := audiotest.DetectTone(rx, 440, 8000); !ok {
		t.Fatalf("client did not hear 440 Hz (ratio %.2f, %d samples)", r, len(rx))
	}
	if in, out := leg.Stats(); in == 0 || out == 0 {
		t.Fatalf("stats in=%d out=%d", in, out)
	}
}

// TestHoldReplacesAgentAudio: while held, the consumer gets hold music, not the browser.
func TestHoldReplacesAgentAudio(t *testing.T) {
	e := newEngine(t)
	c, leg := connect(t, e)
	leg.SetHold(audiotest.Tone(600, 8000, 1000, 0.3))
	var got media.PCM16
	done := make(chan struct{})
	leg.SwapAudioIn(media.FrameWriterFunc{Rate: 8000, Fn: func(p media.PCM16) error {
		if len(got) < 4000 {
			got = append(got, p...)
			if len(got) >= 4000 {
				close(done)
			}
		}
		return nil
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go c.Send(ctx, audiotest.Tone(1000, 8000, 3000, 0.3))
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("nothing received")
	}
	if ok, _ := audiotest.DetectTone(got, 600, 8000); !ok {
		t.Fatal("held caller did not hear the hold audio")
	}
	if ok, _ := audiotest.DetectTone(got, 1000, 8000); ok {
		t.Fatal("held caller heard the agent")
	}
}

// TestHangupEnds: Hangup ends the context and runs OnEnd once.
func TestHangupEnds(t *testing.T) {
	e := newEngine(t)
	_, leg := connect(t, e)
	ended := make(chan string, 2)
	leg.OnEnd(func(c string) { ended <- c })
	_ = leg.Hangup(context.Background(), "normal")
	_ = leg.Hangup(context.Background(), "again")
	<-leg.Context().Done()
	if c := <-ended; c != "normal" || !leg.HungUpByUs() {
		t.Fatalf("cause %q by us %v", c, leg.HungUpByUs())
	}
	if len(ended) != 0 {
		t.Fatal("OnEnd ran twice")
	}
}

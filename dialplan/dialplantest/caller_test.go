package dialplantest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
)

func TestCallerKeys(t *testing.T) {
	ctx := context.Background()
	c := NewCaller(Press("12"), Silence(), BargeIn("#"))
	prompt := dialplan.Prompt{Text: "Hi", Lang: dialplan.LangEnUS}

	if k, ok, err := c.ReadDigit(ctx, time.Second); k != '1' || !ok || err != nil {
		t.Fatalf("first key = %c %v %v", k, ok, err)
	}
	c.FlushDigits() // discards the queued 2
	if _, ok, _ := c.ReadDigit(ctx, time.Second); ok {
		t.Fatal("Silence must time out")
	}
	c.Play(ctx, prompt, false) // not interruptible: the barge-in waits
	c.Play(ctx, prompt, true)
	if k, ok, _ := c.ReadDigit(ctx, time.Second); k != '#' || !ok {
		t.Fatalf("barge-in key = %c %v", k, ok)
	}
	if _, ok, _ := c.ReadDigit(ctx, time.Second); ok {
		t.Fatal("an empty script must time out")
	}
	want := []string{"key 1", "flush 2", "key timeout", `say en-US "Hi"`, `say en-US "Hi" (barge-in #)`, "key #", "key timeout"}
	if got := c.Events(); !slices.Equal(got, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCallerHangUp(t *testing.T) {
	ctx := context.Background()
	c := NewCaller(HangUp())
	if err := c.Play(ctx, dialplan.Prompt{File: "/x/beep.wav"}, false); !errors.Is(err, dialplan.ErrHangup) {
		t.Errorf("Play after hang-up = %v", err)
	}
	if _, _, err := c.ReadDigit(ctx, time.Second); !errors.Is(err, dialplan.ErrHangup) {
		t.Errorf("ReadDigit after hang-up = %v", err)
	}
	if err := c.Hangup(dialplan.CauseNormal); !errors.Is(err, dialplan.ErrHangup) {
		t.Errorf("Hangup after the caller hung up = %v", err)
	}
	if _, ended := c.HangupCause(); ended {
		t.Error("the flow did not hang up")
	}
}

func TestCallerQueue(t *testing.T) {
	ctx := context.Background()
	q := &dialplan.Queue{Name: "support"}
	c := NewCaller(Press("1"))
	if _, err := c.Queue(ctx, dialplan.QueueRequest{Queue: q}); err == nil || !strings.Contains(err.Error(), "press 1") {
		t.Errorf("queueing against a key press = %v", err)
	}
	c = NewCaller(Answered("alice"))
	res, err := c.Queue(ctx, dialplan.QueueRequest{Queue: q, MaxWait: time.Minute, Priority: 2})
	if err != nil || res.Outcome != dialplan.QueueAnswered || res.Agent != "alice" {
		t.Errorf("Queue = %+v, %v", res, err)
	}
	if got := c.Events(); !slices.Equal(got, []string{"queue support max_wait=1m0s priority=2 → answered alice"}) {
		t.Errorf("events = %q", got)
	}
}

func TestCallerContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := NewCaller(Press("1"))
	if err := c.Play(ctx, dialplan.Prompt{Text: "x"}, true); !errors.Is(err, context.Canceled) {
		t.Errorf("Play = %v", err)
	}
	if _, _, err := c.ReadDigit(ctx, time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadDigit = %v", err)
	}
	if len(c.Unused()) != 1 {
		t.Error("a cancelled call must not use the script")
	}
	if c.Context() == nil || c.Logger() == nil || c.Language() != dialplan.LangEnUS {
		t.Error("defaults")
	}
}

package media

import (
	"io"
	"log/slog"
	"testing"
	"time"
)

// The timeout fires once after the silence, only while it counts, and
// again only after a restart.
func TestRTPTimeoutCheck(t *testing.T) {
	fired := make(chan struct{}, 4)
	to := newRTPTimeout(time.Second, func() { fired <- struct{}{} }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	count := func() int {
		time.Sleep(20 * time.Millisecond) // onTimeout runs on its own goroutine
		return len(fired)
	}
	now := time.Now()
	to.check(now.Add(900*time.Millisecond), true)
	if count() != 0 {
		t.Fatal("fired before the timeout")
	}
	to.check(now.Add(2*time.Second), false)
	if count() != 0 {
		t.Fatal("fired while not counting (on hold)")
	}
	to.check(now.Add(2*time.Second), true)
	to.check(now.Add(3*time.Second), true)
	if n := count(); n != 1 {
		t.Fatalf("fired %d times, want once", n)
	}
	to.heard() // RTP again does not re-arm it
	to.check(time.Now().Add(2*time.Second), true)
	if n := count(); n != 1 {
		t.Fatalf("fired %d times without a restart, want once", n)
	}
	to.restart()
	to.check(time.Now().Add(500*time.Millisecond), true)
	if n := count(); n != 1 {
		t.Fatal("a restarted timeout fired early")
	}
	to.check(time.Now().Add(2*time.Second), true)
	if n := count(); n != 2 {
		t.Fatalf("a restarted timeout: fired %d times in all, want 2", n)
	}
	never := newRTPTimeout(0, func() { fired <- struct{}{} }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	never.check(time.Now().Add(time.Hour), true)
	if n := count(); n != 2 {
		t.Fatal("a zero timeout fired")
	}
}

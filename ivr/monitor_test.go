package ivr

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
)

// TestSuperviseRecordsSessions: a supervisor joins a call with an agent, changes mode and
// leaves; a second supervisor meanwhile, the call's own agent, or a call without an agent are
// refused; the sessions are in the call's record.
func TestSuperviseRecordsSessions(t *testing.T) {
	plan := directQueuePlan(t)
	h := newHarness(map[string]string{"alice": "stay"}, "alice")
	h.engine.Plans, h.engine.Records = onePlan{plan}, keptRecords{}
	if err := h.engine.Supervise(context.Background(), "c1", "bob", newTestLeg("sup"), media.MonitorListen); !errors.Is(err, ErrNotMonitorable) {
		t.Fatalf("no call yet: %v", err)
	}
	leg := newTestLeg("c1")
	defer leg.Close()
	recs := make(chan *record.Call, 1)
	go func() { recs <- h.engine.Run(leg, CallInfo{ID: "c1", From: "100", To: "4000"}) }()
	deadline := time.Now().Add(5 * time.Second)
	for h.engine.monitors.get("c1") == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the call was never bridged: %+v", h.engine.Calls())
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = h.acd.SetState("alice", acd.Available, "")

	ctx, leave := context.WithCancel(context.Background())
	sup := newTestLeg("sup-bob")
	defer sup.Close()
	done := make(chan error, 1)
	go func() { done <- h.engine.Supervise(ctx, "c1", "bob", sup, media.MonitorListen) }()
	for {
		m := h.engine.monitors.get("c1")
		m.mu.Lock()
		busy := m.busy != nil
		m.mu.Unlock()
		if busy {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := h.engine.Supervise(context.Background(), "c1", "carol", newTestLeg("sup2"), media.MonitorBarge); !errors.Is(err, ErrMonitored) {
		t.Fatalf("second supervisor: %v", err)
	}
	if err := h.engine.Supervise(context.Background(), "c1", "alice", newTestLeg("sup3"), media.MonitorListen); !errors.Is(err, ErrNotMonitorable) {
		t.Fatalf("the call's agent as supervisor: %v", err)
	}
	if err := h.engine.SetMonitorMode("c1", "carol", media.MonitorBarge); !errors.Is(err, ErrNotMonitorable) {
		t.Fatalf("mode from someone not on the call: %v", err)
	}
	time.Sleep(50 * time.Millisecond) // the mixer takes the legs
	if err := h.engine.SetMonitorMode("c1", "bob", media.MonitorWhisper); err != nil {
		t.Fatal(err)
	}
	leave()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	leg.HangUp()
	rec := <-recs
	if len(rec.Monitoring) != 1 {
		t.Fatalf("monitoring %+v", rec.Monitoring)
	}
	m := rec.Monitoring[0]
	if m.Supervisor != "bob" || m.End.IsZero() || len(m.Modes) != 2 || m.Modes[0].Mode != "listen" || m.Modes[1].Mode != "whisper" {
		t.Fatalf("session %+v", m)
	}
	if _, ok := ParseMonitorMode("shout"); ok {
		t.Fatal("unknown mode parsed")
	}
}

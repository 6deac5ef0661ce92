package acd

import (
	"errors"
	"sort"
	"testing"
	"time"
)

// fakeClock is a manual clock: Add moves time and fires due AfterFuncs.
type fakeClock struct {
	t      time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

func (t *fakeTimer) Stop() bool { was := !t.stopped; t.stopped = true; return was }

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)} }

func (f *fakeClock) Now() time.Time { return f.t }
func (f *fakeClock) AfterFunc(d time.Duration, fn func()) Timer {
	t := &fakeTimer{at: f.t.Add(d), f: fn}
	f.timers = append(f.timers, t)
	return t
}
func (f *fakeClock) Add(d time.Duration) {
	f.t = f.t.Add(d)
	for _, t := range f.timers {
		if !t.stopped && !t.at.After(f.t) {
			t.stopped = true
			t.f()
		}
	}
}

// floor builds an ACD with agents online one second apart (the first is idle longest).
func floor(t *testing.T, ids ...string) (*ACD, *fakeClock) {
	t.Helper()
	clk := newClock()
	a := New(clk)
	for _, id := range ids {
		a.SetAgent(id, id)
		a.SetOnline(id, true)
		clk.Add(time.Second)
	}
	return a, clk
}

func offer(t *testing.T, a *ACD, call string) []string {
	t.Helper()
	ids, ok := a.Offer(call)
	if !ok {
		t.Fatalf("offer %s: nobody", call)
	}
	sort.Strings(ids)
	return ids
}

func enqueue(t *testing.T, a *ACD, spec QueueSpec, call string, prio int) {
	t.Helper()
	if err := a.Enqueue(spec, call, prio); err != nil {
		t.Fatal(err)
	}
}

func state(a *ACD, id string) string {
	s, _ := a.Agent(id)
	if s.Reason != "" {
		return s.State + "(" + s.Reason + ")"
	}
	return s.State
}

func TestLongestIdle(t *testing.T) {
	a, clk := floor(t, "bob", "alice", "carol")
	spec := QueueSpec{Name: "q", Members: []string{"alice", "bob", "carol"}}
	enqueue(t, a, spec, "c1", 0)
	enqueue(t, a, spec, "c2", 0)
	if got := offer(t, a, "c1"); got[0] != "bob" {
		t.Fatalf("c1 rings %v, want bob (idle longest)", got)
	}
	if got := offer(t, a, "c2"); got[0] != "alice" {
		t.Fatalf("c2 rings %v, want alice", got)
	}
	a.Answered("c1", "bob")
	clk.Add(time.Minute)
	a.CallEnded("bob", 0)
	a.NotAnswered("c2", "alice", "")
	enqueue(t, a, spec, "c3", 0)
	// c2 is still ahead of c3; carol has been idle longer than alice (who was rung but released).
	if _, ok := a.Offer("c3"); ok {
		t.Fatal("c3 was offered before c2")
	}
	if got := offer(t, a, "c2"); got[0] != "alice" {
		t.Fatalf("c2 again rings %v, want alice (her idle time kept)", got)
	}
	if got := offer(t, a, "c3"); got[0] != "carol" {
		t.Fatalf("c3 rings %v, want carol", got)
	}
}

func TestRoundRobin(t *testing.T) {
	a, _ := floor(t, "a1", "a2", "a3")
	spec := QueueSpec{Name: "q", Members: []string{"a1", "a2", "a3"}, Strategy: StrategyRoundRobin}
	var got []string
	for i, call := range []string{"c1", "c2", "c3", "c4"} {
		enqueue(t, a, spec, call, 0)
		id := offer(t, a, call)[0]
		got = append(got, id)
		a.Answered(call, id)
		a.CallEnded(id, 0)
		_ = i
	}
	if want := []string{"a1", "a2", "a3", "a1"}; !equal(got, want) {
		t.Fatalf("round robin rang %v, want %v", got, want)
	}
}

func TestRingAllFirstAnswerWins(t *testing.T) {
	a, _ := floor(t, "a1", "a2", "a3")
	_ = a.SetState("a3", Break, "lunch")
	spec := QueueSpec{Name: "q", Members: []string{"a1", "a2", "a3"}, Strategy: StrategyRingAll}
	enqueue(t, a, spec, "c1", 0)
	if got := offer(t, a, "c1"); !equal(got, []string{"a1", "a2"}) {
		t.Fatalf("ring all rang %v, want the free a1 a2", got)
	}
	a.Answered("c1", "a2")
	a.NotAnswered("c1", "a1", "") // cancelled because a2 won
	if s := state(a, "a1"); s != "available" {
		t.Fatalf("a1 after losing the race = %s, want available", s)
	}
	if s := state(a, "a2"); s != "on_call" {
		t.Fatalf("a2 = %s, want on_call", s)
	}
}

func TestFewestCalls(t *testing.T) {
	a, _ := floor(t, "a1", "a2")
	spec := QueueSpec{Name: "q", Members: []string{"a1", "a2"}, Strategy: StrategyFewestCalls}
	enqueue(t, a, spec, "c1", 0)
	a.Answered("c1", offer(t, a, "c1")[0]) // a1 (tie → idle longest)
	a.CallEnded("a1", 0)
	enqueue(t, a, spec, "c2", 0)
	if got := offer(t, a, "c2")[0]; got != "a2" {
		t.Fatalf("fewest calls rang %s, want a2 (0 calls)", got)
	}
}

func TestSkills(t *testing.T) {
	a, _ := floor(t, "junior", "senior", "sales")
	a.SetSkills("junior", map[string]int{"billing": 2})
	a.SetSkills("senior", map[string]int{"billing": 5, "en": 3})
	a.SetSkills("sales", map[string]int{"sales": 9})
	spec := QueueSpec{Name: "billing", Strategy: StrategySkills, Skills: map[string]int{"billing": 2}}
	enqueue(t, a, spec, "c1", 0)
	if got := offer(t, a, "c1")[0]; got != "senior" {
		t.Fatalf("skills rang %s, want senior (highest level)", got)
	}
	enqueue(t, a, spec, "c2", 0)
	if got := offer(t, a, "c2")[0]; got != "junior" {
		t.Fatalf("skills rang %s, want junior", got)
	}
	enqueue(t, a, spec, "c3", 0)
	if _, ok := a.Offer("c3"); ok {
		t.Fatal("sales (no billing skill) was offered a billing call")
	}
	if !a.Staffed(spec) {
		t.Fatal("skills queue with no member list reports unstaffed")
	}
	if a.Staffed(QueueSpec{Name: "fr", Strategy: StrategySkills, Skills: map[string]int{"french": 1}}) {
		t.Fatal("a queue nobody has the skills for reports staffed")
	}
}

func TestPriorityAndFIFO(t *testing.T) {
	a, _ := floor(t)
	a.SetAgent("x", "x")
	spec := QueueSpec{Name: "q", Members: []string{"x"}}
	enqueue(t, a, spec, "low1", 0)
	enqueue(t, a, spec, "high1", 5)
	enqueue(t, a, spec, "low2", 0)
	enqueue(t, a, spec, "high2", 5)
	want := map[string]int{"high1": 1, "high2": 2, "low1": 3, "low2": 4}
	for call, pos := range want {
		if p, n := a.Position(call); p != pos || n != 4 {
			t.Fatalf("%s position %d/%d, want %d/4", call, p, n, pos)
		}
	}
	a.SetOnline("x", true)
	if _, ok := a.Offer("low1"); ok {
		t.Fatal("a low-priority caller jumped the queue")
	}
	if got := offer(t, a, "high1"); got[0] != "x" {
		t.Fatal(got)
	}
	if a.EstimatedWait("low2") <= 0 {
		t.Fatal("no estimated wait")
	}
}

func TestOverflowMaxLength(t *testing.T) {
	a, _ := floor(t, "x")
	spec := QueueSpec{Name: "q", Members: []string{"x"}, MaxLength: 2}
	enqueue(t, a, spec, "c1", 0)
	enqueue(t, a, spec, "c2", 0)
	if err := a.Enqueue(spec, "c3", 0); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("third caller: %v, want ErrQueueFull", err)
	}
	a.Leave("c1")
	enqueue(t, a, spec, "c3", 0)
	if qs := a.Queues(); len(qs) != 1 || qs[0].Waiting != 2 || qs[0].Lost != 1 {
		t.Fatalf("queue stats %+v", qs)
	}
}

func TestRONAGoesToBreakAndCallerKeepsHead(t *testing.T) {
	a, _ := floor(t, "alice", "bob")
	var log []StateChange
	a.OnStateChange(func(c StateChange) { log = append(log, c) })
	spec := QueueSpec{Name: "q", Members: []string{"alice", "bob"}}
	enqueue(t, a, spec, "c1", 0)
	enqueue(t, a, spec, "c2", 0)
	if got := offer(t, a, "c1")[0]; got != "alice" {
		t.Fatal(got)
	}
	a.NotAnswered("c1", "alice", ReasonNoAnswer)
	if s := state(a, "alice"); s != "break(no_answer)" {
		t.Fatalf("alice after RONA = %s", s)
	}
	if _, ok := a.Offer("c2"); ok {
		t.Fatal("c2 was served before c1, who returned to the head")
	}
	if got := offer(t, a, "c1")[0]; got != "bob" {
		t.Fatalf("c1 rings %s, want bob", got)
	}
	a.NotAnswered("c1", "bob", ReasonRejected)
	if s := state(a, "bob"); s != "break(rejected)" {
		t.Fatalf("bob after reject = %s", s)
	}
	if len(log) != 4 || log[1].To != "break" || log[1].Reason != ReasonNoAnswer || log[1].Call != "c1" {
		t.Fatalf("state log %+v", log)
	}
	if err := a.SetState("alice", Available, ""); err != nil {
		t.Fatal(err)
	}
	if got := offer(t, a, "c1")[0]; got != "alice" {
		t.Fatal(got)
	}
}

func TestWrapUp(t *testing.T) {
	a, clk := floor(t, "alice")
	spec := QueueSpec{Name: "q", Members: []string{"alice"}}
	enqueue(t, a, spec, "c1", 0)
	a.Answered("c1", offer(t, a, "c1")[0])
	clk.Add(time.Minute)
	a.CallEnded("alice", 10*time.Second)
	enqueue(t, a, spec, "c2", 0)
	if s := state(a, "alice"); s != "wrap_up" {
		t.Fatalf("after call = %s", s)
	}
	if _, ok := a.Offer("c2"); ok {
		t.Fatal("offered during wrap-up")
	}
	clk.Add(9 * time.Second)
	if s := state(a, "alice"); s != "wrap_up" {
		t.Fatalf("wrap-up ended early: %s", s)
	}
	clk.Add(time.Second)
	if s := state(a, "alice"); s != "available" {
		t.Fatalf("after wrap-up = %s", s)
	}
	// Manual wrap-up waits for the agent.
	a.SetManualWrapUp("alice", true)
	a.Answered("c2", offer(t, a, "c2")[0])
	a.CallEnded("alice", 10*time.Second)
	clk.Add(time.Hour)
	if s := state(a, "alice"); s != "wrap_up" {
		t.Fatalf("manual wrap-up = %s", s)
	}
	_ = a.SetState("alice", Available, "")
	if s := state(a, "alice"); s != "available" {
		t.Fatal(s)
	}
}

func TestAbandonReleasesRinging(t *testing.T) {
	a, _ := floor(t, "a1", "a2")
	spec := QueueSpec{Name: "q", Members: []string{"a1", "a2"}, Strategy: StrategyRingAll}
	enqueue(t, a, spec, "c1", 0)
	offer(t, a, "c1")
	a.Leave("c1")
	if state(a, "a1") != "available" || state(a, "a2") != "available" {
		t.Fatal("ringing agents not released on abandon")
	}
	if qs := a.Queues(); qs[0].Waiting != 0 || qs[0].Lost != 1 {
		t.Fatalf("%+v", qs[0])
	}
}

func TestDesktopLoginStartsNotReady(t *testing.T) {
	a := New(newClock())
	a.SetAgent("alice", "Alice")
	ch := a.Changed()
	a.SetDevice("alice", DeviceWeb, true)
	select {
	case <-ch:
	default:
		t.Fatal("Changed not closed")
	}
	if s := state(a, "alice"); s != "break(not_ready)" {
		t.Fatal(s)
	}
	a.SetDevice("alice", DeviceSIP, true)
	a.SetDevice("alice", DeviceWeb, false)
	if s := state(a, "alice"); s != "break(not_ready)" {
		t.Fatalf("still on SIP: %s", s)
	}
	a.SetDevice("alice", DeviceSIP, false)
	if s := state(a, "alice"); s != "offline" {
		t.Fatal(s)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReserveForConsult(t *testing.T) {
	a, _ := floor(t, "alice", "bob")
	if err := a.Reserve("bob", "c1"); err != nil {
		t.Fatal(err)
	}
	if err := a.Reserve("bob", "c2"); !errors.Is(err, ErrNotClaimable) {
		t.Fatalf("double reserve: %v", err)
	}
	a.Answered("c1", "bob")
	if s := state(a, "bob"); s != "on_call" {
		t.Fatal(s)
	}
	_ = a.Reserve("alice", "c1")
	a.NotAnswered("c1", "alice", "")
	if s := state(a, "alice"); s != "available" {
		t.Fatal(s)
	}
}

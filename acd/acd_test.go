package acd

import (
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (f *fakeClock) Now() time.Time      { return f.t }
func (f *fakeClock) Add(d time.Duration) { f.t = f.t.Add(d) }

func TestClaimLongestIdle(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	a := New(clk)
	for _, id := range []string{"alice", "bob", "carol"} {
		a.SetAgent(id, id)
	}
	members := []string{"alice", "bob", "carol"}
	if _, ok := a.Claim(members, nil, "c0"); ok {
		t.Fatal("claimed an offline agent")
	}
	a.SetOnline("bob", true)
	clk.Add(time.Second)
	a.SetOnline("alice", true)
	clk.Add(time.Second)
	a.SetOnline("carol", true)

	id, ok := a.Claim(members, nil, "c1")
	if !ok || id != "bob" {
		t.Fatalf("first claim = %q %v, want bob (idle longest)", id, ok)
	}
	id, _ = a.Claim(members, nil, "c2")
	if id != "alice" {
		t.Fatalf("second claim = %q, want alice", id)
	}
	// bob's call ends now: he becomes the most recently idle.
	a.Answered("bob")
	clk.Add(time.Minute)
	a.CallEnded("bob")
	a.Unclaim("alice")
	id, _ = a.Claim(members, nil, "c3")
	if id != "alice" {
		t.Fatalf("after bob's call, claim = %q, want alice", id)
	}
	id, _ = a.Claim(members, map[string]bool{"carol": true}, "c4")
	if id != "bob" {
		t.Fatalf("claim excluding carol = %q, want bob", id)
	}
	if _, ok := a.Claim(members, map[string]bool{"carol": true}, "c5"); ok {
		t.Fatal("claimed a ringing agent")
	}
}

func TestOfflineAndChanged(t *testing.T) {
	a := New(nil)
	a.SetAgent("alice", "Alice")
	ch := a.Changed()
	a.SetOnline("alice", true)
	select {
	case <-ch:
	default:
		t.Fatal("Changed not signalled on login")
	}
	if !a.AnyOnline([]string{"alice"}) {
		t.Fatal("alice should be online")
	}
	id, _ := a.Claim([]string{"alice"}, nil, "c1")
	a.Answered(id)
	a.SetOnline("alice", false) // registration lapses mid-call: the call goes on
	if got := a.Agents()[0].State; got != "on_call" {
		t.Fatalf("state = %s, want on_call", got)
	}
	a.CallEnded("alice")
	a.SetOnline("alice", false)
	if a.AnyOnline([]string{"alice"}) {
		t.Fatal("alice should be offline")
	}
}

package acd

import (
	"slices"
	"testing"
	"time"
)

// desktops logs the agents in on the desktop and makes them available.
func desktops(t *testing.T, ids ...string) (*ACD, *fakeClock) {
	t.Helper()
	clk := newClock()
	a := New(clk)
	for _, id := range ids {
		a.SetAgent(id, id)
		a.SetDevice(id, DeviceWeb, true)
		if err := a.SetState(id, Available, ""); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Second)
	}
	return a, clk
}

func TestChatCapacity(t *testing.T) {
	a, _ := desktops(t, "alice", "bob")
	a.SetChatCapacity("bob", 1)
	spec := QueueSpec{Name: "web", Members: []string{"alice", "bob"}}
	var got []string
	for _, id := range []string{"c1", "c2", "c3", "c4", "c5"} {
		if err := a.EnqueueChat(spec, id, 0); err != nil {
			t.Fatal(err)
		}
		ids, ok := a.Offer(id)
		if !ok {
			got = append(got, "none")
			continue
		}
		a.Answered(id, ids[0])
		got = append(got, ids[0])
	}
	// Least loaded first, then longest idle: alice, bob (now full at 1), alice, alice, then
	// alice is full at the default 3.
	want := []string{"alice", "bob", "alice", "alice", "none"}
	if !slices.Equal(got, want) {
		t.Fatalf("chats went to %v, want %v", got, want)
	}
	st, _ := a.Agent("alice")
	if st.State != "available" || len(st.Chats) != 3 || st.ChatCapacity != 3 {
		t.Fatalf("alice = %+v, want available with 3 chats of 3", st)
	}
	a.ChatEnded("alice", "c1")
	if ids, ok := a.Offer("c5"); !ok || ids[0] != "alice" {
		t.Fatalf("after a chat ended the waiting chat went to %v %v, want alice", ids, ok)
	}
}

func TestChatsAndCallsExclusive(t *testing.T) {
	a, _ := desktops(t, "alice", "bob")
	spec := QueueSpec{Name: "support", Members: []string{"alice", "bob"}}
	if err := a.EnqueueChat(spec, "chat1", 0); err != nil {
		t.Fatal(err)
	}
	ids, ok := a.Offer("chat1")
	if !ok || ids[0] != "alice" {
		t.Fatalf("chat offered to %v", ids)
	}
	// A call enqueued after the chat is not held up by it, and does not ring alice, whose
	// chat slot is taken by an offer.
	if err := a.Enqueue(spec, "call1", 0); err != nil {
		t.Fatal(err)
	}
	if ids, ok := a.Offer("call1"); !ok || ids[0] != "bob" {
		t.Fatalf("call offered to %v %v, want bob", ids, ok)
	}
	a.Answered("call1", "bob")
	// bob is on a call: no chat for him; alice declines hers and goes on break.
	a.NotAnswered("chat1", "alice", ReasonRejected)
	if ids, ok := a.Offer("chat1"); ok {
		t.Fatalf("chat offered to %v while alice is on break and bob on a call", ids)
	}
	if st, _ := a.Agent("alice"); st.State != "break" {
		t.Fatalf("alice after declining = %s", st.State)
	}
	a.SetState("alice", Available, "")
	if ids, ok := a.Offer("chat1"); !ok || ids[0] != "alice" {
		t.Fatalf("chat re-offered to %v %v", ids, ok)
	}
	a.Leave("chat1") // the visitor left while it was offered
	st, _ := a.Agent("alice")
	if len(st.Chats) != 0 {
		t.Fatalf("alice keeps %v", st.Chats)
	}
	if err := a.Enqueue(spec, "call2", 0); err != nil {
		t.Fatal(err)
	}
	if ids, ok := a.Offer("call2"); !ok || ids[0] != "alice" {
		t.Fatalf("call2 offered to %v %v: alice is free again", ids, ok)
	}
}

func TestChatNeedsDesktop(t *testing.T) {
	a, _ := floor(t, "alice") // SIP phone only
	spec := QueueSpec{Name: "web", Members: []string{"alice"}}
	_ = a.EnqueueChat(spec, "c1", 0)
	if ids, ok := a.Offer("c1"); ok {
		t.Fatalf("chat offered to a phone-only agent: %v", ids)
	}
}

package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

func TestAgentsAndStates(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetAgent("alice"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing agent: %v", err)
	}
	if err := s.PutAgent(&record.Agent{ID: "alice", Name: "Alice", PasswordHash: "$2a$x", Skills: map[string]int{"billing": 3}}); err != nil {
		t.Fatal(err)
	}
	_ = s.PutAgent(&record.Agent{ID: "bob", Name: "Bob"})
	a, err := s.GetAgent("alice")
	if err != nil || a.Name != "Alice" || a.Skills["billing"] != 3 {
		t.Fatalf("%+v %v", a, err)
	}
	list, _ := s.ListAgents()
	if len(list) != 2 || list[0].ID != "alice" || list[1].ID != "bob" {
		t.Fatalf("%+v", list)
	}
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for i, to := range []string{"available", "ringing", "on_call", "wrap_up"} {
		if err := s.AppendAgentState(record.AgentState{Agent: "alice", To: to, At: t0.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.AppendAgentState(record.AgentState{Agent: "bob", To: "available", At: t0.Add(1500 * time.Millisecond)})
	st, err := s.AgentStates("alice", t0.Add(time.Second), 0)
	if err != nil || len(st) != 3 || st[0].To != "ringing" || st[2].To != "wrap_up" {
		t.Fatalf("%+v %v", st, err)
	}
	if all, _ := s.AgentStates("", time.Time{}, 0); len(all) != 5 {
		t.Fatalf("all states: %d", len(all))
	}
	batch := []record.AgentState{{Agent: "carol", To: "available", At: t0.Add(5 * time.Second)}, {Agent: "carol", To: "ringing", At: t0.Add(6 * time.Second)}}
	if err := s.AppendAgentStates(batch); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.AgentStates("carol", time.Time{}, 0); len(st) != 2 || st[0].To != "available" || st[1].To != "ringing" {
		t.Fatalf("batched states: %+v", st)
	}
}

func TestWrapUpsPerAgent(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// An agent may wrap up before the call's record is written (the caller is still talking to a
	// colleague after a warm transfer): the wrap-up is kept and shows once the record exists.
	t1 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	if err := s.PutWrapUp("c1", record.WrapUp{Agent: "alice", Disposition: "escalated", Notes: "to billing", At: t1}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCall("c1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("call before its record: %v", err)
	}
	c := &record.Call{ID: "c1"}
	c.Start, c.End, c.Disposition, c.Agent = t1, t1.Add(time.Minute), "answered", "bob"
	if err := s.PutCall(c); err != nil {
		t.Fatal(err)
	}
	if err := s.PutWrapUp("c1", record.WrapUp{Agent: "bob", Disposition: "resolved", Notes: "refund issued", At: t1.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	// alice corrects hers: it replaces her first one, bob's stays.
	if err := s.PutWrapUp("c1", record.WrapUp{Agent: "alice", Disposition: "follow_up", At: t1.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	// A wrap-up of another call whose id starts the same stays apart.
	if err := s.PutWrapUp("c10", record.WrapUp{Agent: "carol", Disposition: "other", At: t1}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetCall("c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.WrapUps) != 2 || got.WrapUps[0].Agent != "alice" || got.WrapUps[0].Disposition != "follow_up" ||
		got.WrapUps[1].Agent != "bob" || got.WrapUps[1].Notes != "refund issued" {
		t.Fatalf("wrap-ups: %+v", got.WrapUps)
	}
	if got.AgentDisposition != "resolved" || got.AgentNotes != "refund issued" || got.Disposition != "answered" {
		t.Fatalf("newest wrap-up in the record: %q %q %q", got.AgentDisposition, got.AgentNotes, got.Disposition)
	}
	list, err := s.ListCalls(record.CallQuery{})
	if err != nil || len(list) != 1 || len(list[0].WrapUps) != 2 {
		t.Fatalf("listed: %+v %v", list, err)
	}
	if err := s.PutWrapUp("", record.WrapUp{Agent: "x"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("wrap-up without a call: %v", err)
	}
}

package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
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
	if err := s.PutAgent(&AgentAccount{ID: "alice", Name: "Alice", PasswordHash: "$2a$x", Skills: map[string]int{"billing": 3}}); err != nil {
		t.Fatal(err)
	}
	_ = s.PutAgent(&AgentAccount{ID: "bob", Name: "Bob"})
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
		if err := s.AppendAgentState(AgentState{Agent: "alice", To: to, At: t0.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.AppendAgentState(AgentState{Agent: "bob", To: "available", At: t0.Add(1500 * time.Millisecond)})
	st, err := s.AgentStates("alice", t0.Add(time.Second), 0)
	if err != nil || len(st) != 3 || st[0].To != "ringing" || st[2].To != "wrap_up" {
		t.Fatalf("%+v %v", st, err)
	}
	if all, _ := s.AgentStates("", time.Time{}, 0); len(all) != 5 {
		t.Fatalf("all states: %d", len(all))
	}
}

func TestSetWrapUp(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetWrapUp("nope", "sale", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("wrap-up of a missing call: %v", err)
	}
	now := time.Now()
	if err := s.PutCall(&CallRecord{ID: "c1", Start: now, End: now, Disposition: "answered"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetWrapUp("c1", "resolved", "refund issued"); err != nil {
		t.Fatal(err)
	}
	c, _ := s.GetCall("c1")
	if c.AgentDisposition != "resolved" || c.AgentNotes != "refund issued" || c.Disposition != "answered" {
		t.Fatalf("%+v", c)
	}
}

package store

import (
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

func TestDeleteCallForgetsEverything(t *testing.T) {
	s, path := openTemp(t)
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, id := range []string{"gone", "kept"} {
		c := &record.Call{ID: id, Parties: record.Parties{From: "+8613800138000"}, Times: record.Times{Start: start, End: start.Add(time.Minute)},
			Outcome: record.Outcome{Disposition: record.DispositionAnswered}, CustomerID: "cu_1"}
		if err := s.PutCall(c); err != nil {
			t.Fatal(err)
		}
		if err := s.PutWrapUp(id, record.WrapUp{Agent: "alice", Disposition: "refund", Notes: "card 4111"}); err != nil {
			t.Fatal(err)
		}
		start = start.Add(time.Hour)
	}
	if err := s.WaitSearch(); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCall("gone"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCall("gone"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	check := func(s *Store) {
		t.Helper()
		if _, err := s.GetCall("gone"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted call still read: %v", err)
		}
		if w, err := s.WrapUps("gone"); err != nil || len(w) != 0 {
			t.Fatalf("wrap-ups of the deleted call: %v %v", w, err)
		}
		calls, err := s.ListCalls(record.CallQuery{CustomerID: "cu_1"})
		if err != nil || len(calls) != 1 || calls[0].ID != "kept" {
			t.Fatalf("listed %v, %v", calls, err)
		}
		page, total, err := s.SearchCalls(record.CallFilter{Number: "13800138000"})
		if err != nil || total != 1 || page[0].ID != "kept" {
			t.Fatalf("search found %v (%d), %v", page, total, err)
		}
		if w, _ := s.WrapUps("kept"); len(w) != 1 {
			t.Fatalf("the other call's wrap-up went too: %v", w)
		}
	}
	check(s)
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.WaitSearch(); err != nil {
		t.Fatal(err)
	}
	check(s2)
}

func TestDeleteTasks(t *testing.T) {
	s, _ := openTemp(t)
	for _, task := range []*record.Task{{ID: "t1", Phone: "13800138000"}, {ID: "t2", Email: "x@y.cn"}, {ID: "t3", Chat: "ch1"}} {
		if err := s.PutTask(task); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.DeleteTasks(func(t *record.Task) bool { return t.ID != "t2" })
	if err != nil || n != 2 {
		t.Fatalf("deleted %d, %v", n, err)
	}
	left, err := s.Tasks(false, 0)
	if err != nil || len(left) != 1 || left[0].ID != "t2" {
		t.Fatalf("left %v, %v", left, err)
	}
}

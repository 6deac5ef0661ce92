package store

import (
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

func TestCustomerCRUDAndIndex(t *testing.T) {
	s, _ := openTemp(t)
	c := &record.Customer{ID: "cu1", Name: "Li", Phones: []string{"+8613800138000"}, Emails: []string{"li@example.com"}, ChatUsers: []string{"shop:42"}}
	if err := s.PutCustomer(c); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"phone:+8613800138000", "email:li@example.com", "chat:shop:42"} {
		got, err := s.CustomerByKey(k)
		if err != nil || got.ID != "cu1" {
			t.Fatalf("by %s: %v %v", k, got, err)
		}
	}
	// Dropping a phone drops its index entry.
	c.Phones = []string{"+8613900139000"}
	if err := s.PutCustomer(c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CustomerByKey("phone:+8613800138000"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old phone still leads somewhere: %v", err)
	}
	if got, err := s.CustomerByKey("phone:+8613900139000"); err != nil || got.Name != "Li" {
		t.Fatalf("new phone: %v %v", got, err)
	}
	if err := s.DeleteCustomer("cu1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCustomer("cu1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted profile: %v", err)
	}
	if _, err := s.CustomerByKey("email:li@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted profile's e-mail: %v", err)
	}
	if err := s.DeleteCustomer("cu1"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if err := s.PutCustomer(&record.Customer{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("no id: %v", err)
	}
}

func TestMergeRecord(t *testing.T) {
	s, _ := openTemp(t)
	m := &record.Merge{ID: "m1", Into: "a", From: "b", Matched: "email x@y.z", Before: record.Customer{ID: "b"}, At: time.Now().UTC(), By: "auto"}
	if err := s.PutMerge(m); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetMerge("m1")
	if err != nil || got.From != "b" || got.Before.ID != "b" {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := s.GetMerge("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
}

func TestListCallsByCustomer(t *testing.T) {
	s, _ := openTemp(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, cu := range []string{"a", "b", "a"} {
		c := &record.Call{ID: string(rune('x' + i)), CustomerID: cu}
		c.Start, c.End = t0.Add(time.Duration(i)*time.Minute), t0.Add(time.Duration(i)*time.Minute+time.Second)
		c.Disposition = record.DispositionCompleted
		if err := s.PutCall(c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ListCalls(record.CallQuery{CustomerID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "x" || got[1].ID != "z" {
		t.Fatalf("calls of a: %v", got)
	}
}

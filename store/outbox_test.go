package store

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

func TestOutboxLifecycle(t *testing.T) {
	s, path := openTemp(t)
	now := time.Now().UTC()
	ev := record.WebhookEvent{ID: "evt_1", Type: record.EventCallEnded, CallID: "c1", Created: now, Body: json.RawMessage(`{"a":1}`)}
	if added, err := s.Publish(ev, []string{"crm", "bi"}); err != nil || !added {
		t.Fatalf("publish: %v %v", added, err)
	}
	ev.Body = json.RawMessage(`{"a":2}`)
	if added, err := s.Publish(ev, []string{"crm", "other"}); err != nil || added {
		t.Fatalf("second publish of evt_1: added=%v err=%v", added, err)
	}
	due, err := s.Due(now, 0)
	if err != nil || len(due) != 2 {
		t.Fatalf("due %+v %v, want the two first deliveries", due, err)
	}
	if got, _ := s.WebhookEvent("evt_1"); string(got.Body) != `{"a":1}` {
		t.Fatalf("stored body %s, want the first", got.Body)
	}
	if err := s.MarkRetry("evt_1", "crm", 500, "500 Internal Server Error", now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFailed("evt_1", "bi", 0, "connection refused"); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.Due(now, 0); len(due) != 0 {
		t.Fatalf("due before the retry time: %+v", due)
	}
	s.Close()
	s, err = Open(path) // the outbox is on disk
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	due, _ = s.Due(now.Add(time.Second), 0)
	if len(due) != 1 || due[0].Endpoint != "crm" || due[0].Attempts != 1 || due[0].LastStatus != 500 {
		t.Fatalf("due after reopen %+v", due)
	}
	if err := s.MarkDelivered("evt_1", "crm", 204, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	// A late retry mark (a slow duplicate worker) does not undo the delivery.
	if err := s.MarkRetry("evt_1", "crm", 500, "late", now); err != nil {
		t.Fatal(err)
	}
	ds, _ := s.ListDeliveries(0)
	byEP := map[string]record.WebhookDelivery{}
	for _, d := range ds {
		byEP[d.Endpoint] = d
	}
	if d := byEP["crm"]; d.State != record.DeliveryDelivered || d.Attempts != 2 || d.LastStatus != 204 {
		t.Fatalf("crm delivery %+v", d)
	}
	if d := byEP["bi"]; d.State != record.DeliveryFailed || d.LastError != "connection refused" {
		t.Fatalf("bi delivery %+v", d)
	}
	counts, _ := s.DeliveryCounts()
	if counts[record.DeliveryDelivered] != 1 || counts[record.DeliveryFailed] != 1 || counts[record.DeliveryPending] != 0 {
		t.Fatalf("counts %v", counts)
	}
	if err := s.MarkDelivered("evt_none", "crm", 200, now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("mark of an unknown event: %v", err)
	}
	if _, err := s.Publish(record.WebhookEvent{Type: "x"}, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("event without id: %v", err)
	}
}

func TestOutboxListsNewestFirst(t *testing.T) {
	s, _ := openTemp(t)
	base := time.Now().UTC()
	for i, id := range []string{"old", "mid", "new"} {
		ev := record.WebhookEvent{ID: id, Type: record.EventCallEnded, Created: base.Add(time.Duration(i) * time.Second), Body: json.RawMessage(`{}`)}
		if _, err := s.Publish(ev, []string{"crm"}); err != nil {
			t.Fatal(err)
		}
	}
	ds, _ := s.ListDeliveries(2)
	if len(ds) != 2 || ds[0].EventID != "new" || ds[1].EventID != "mid" {
		t.Fatalf("ListDeliveries(2) = %+v", ds)
	}
	due, _ := s.Due(base.Add(time.Hour), 0)
	if len(due) != 3 || due[0].EventID != "old" {
		t.Fatalf("due %+v, want the longest due first", due)
	}
}

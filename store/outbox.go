package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hotline-cc/hotline/record"
	bolt "go.etcd.io/bbolt"
)

// The webhook outbox. An event is stored once under its ID (its idempotency key), with one
// delivery per endpoint it goes to, keyed by the event's time so the newest list first. Pending
// deliveries also have a key in webhook_due, ordered by when they are next tried, and the
// number of deliveries per state is kept in webhook_counts, so neither the dispatcher's poll
// nor a metrics scrape reads the whole outbox. All of an event's writes are one transaction.
var (
	bucketOutboxEvents     = []byte("webhook_events")
	bucketOutboxDeliveries = []byte("webhook_deliveries")
	bucketOutboxDue        = []byte("webhook_due")
	bucketOutboxCounts     = []byte("webhook_counts")
)

// deliveryKey is the event's creation time, its ID, a zero byte and the endpoint's name.
func deliveryKey(created time.Time, eventID, endpoint string) []byte {
	k := timePrefix(clampKeyTime(created))
	k = append(k, eventID...)
	k = append(k, 0)
	return append(k, endpoint...)
}

func outboxCount(tx *bolt.Tx, state string, delta int64) error {
	return addCount(tx.Bucket(bucketOutboxCounts), state, delta)
}

// putDelivery writes d, moving its due key and state count from old (nil for a new one).
func putDelivery(tx *bolt.Tx, created time.Time, old, d *record.WebhookDelivery) error {
	key := deliveryKey(created, d.EventID, d.Endpoint)
	due := tx.Bucket(bucketOutboxDue)
	if old != nil {
		if err := due.Delete(append(timePrefix(clampKeyTime(old.NextAt)), key...)); err != nil {
			return err
		}
		if err := outboxCount(tx, old.State, -1); err != nil {
			return err
		}
	}
	val, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketOutboxDeliveries).Put(key, val); err != nil {
		return err
	}
	if d.State == record.DeliveryPending {
		if err := due.Put(append(timePrefix(clampKeyTime(d.NextAt)), key...), nil); err != nil {
			return err
		}
	}
	return outboxCount(tx, d.State, 1)
}

// Publish stores event ev with a pending delivery to each named endpoint, due now, in one
// transaction. An event whose ID is stored already is left as it is: added is false.
func (s *Store) Publish(ev record.WebhookEvent, endpoints []string) (added bool, err error) {
	if ev.ID == "" || ev.Type == "" {
		return false, fmt.Errorf("%w: webhook event needs an id and a type", ErrInvalid)
	}
	if ev.Created.IsZero() {
		ev.Created = time.Now().UTC()
	}
	val, err := json.Marshal(ev)
	if err != nil {
		return false, fmt.Errorf("store: webhook event %s: %w", ev.ID, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		events := tx.Bucket(bucketOutboxEvents)
		if events.Get([]byte(ev.ID)) != nil {
			return nil
		}
		if err := events.Put([]byte(ev.ID), val); err != nil {
			return err
		}
		for _, ep := range endpoints {
			d := &record.WebhookDelivery{EventID: ev.ID, Endpoint: ep, State: record.DeliveryPending, NextAt: ev.Created, Created: ev.Created}
			if err := putDelivery(tx, ev.Created, nil, d); err != nil {
				return err
			}
		}
		added = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: publish %s event %s: %w", ev.Type, ev.ID, err)
	}
	return added, nil
}

// WebhookEvent returns event id, or an error wrapping ErrNotFound.
func (s *Store) WebhookEvent(id string) (record.WebhookEvent, error) {
	var ev record.WebhookEvent
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketOutboxEvents).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &ev)
	})
	if err != nil {
		return record.WebhookEvent{}, fmt.Errorf("store: webhook event %s: %w", id, err)
	}
	return ev, nil
}

// Due returns up to limit pending deliveries whose time has come (NextAt ≤ now), longest due first.
func (s *Store) Due(now time.Time, limit int) ([]record.WebhookDelivery, error) {
	var out []record.WebhookDelivery
	end := timePrefix(clampKeyTime(now))
	err := s.db.View(func(tx *bolt.Tx) error {
		deliveries := tx.Bucket(bucketOutboxDeliveries)
		cur := tx.Bucket(bucketOutboxDue).Cursor()
		for k, _ := cur.First(); k != nil && len(k) > 8 && bytes.Compare(k[:8], end) <= 0; k, _ = cur.Next() {
			if limit > 0 && len(out) >= limit {
				break
			}
			v := deliveries.Get(k[8:])
			if v == nil {
				continue
			}
			var d record.WebhookDelivery
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("delivery %q: %w", k[8:], err)
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: due webhook deliveries: %w", err)
	}
	return out, nil
}

// changeDelivery applies fn to the delivery of event eventID to endpoint in one transaction.
// A delivery that is no longer pending is left alone: a delivered event is never
// marked for another try.
func (s *Store) changeDelivery(eventID, endpoint string, fn func(*record.WebhookDelivery)) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		ev := tx.Bucket(bucketOutboxEvents).Get([]byte(eventID))
		if ev == nil {
			return ErrNotFound
		}
		var e record.WebhookEvent
		if err := json.Unmarshal(ev, &e); err != nil {
			return err
		}
		v := tx.Bucket(bucketOutboxDeliveries).Get(deliveryKey(e.Created, eventID, endpoint))
		if v == nil {
			return ErrNotFound
		}
		old := new(record.WebhookDelivery)
		if err := json.Unmarshal(v, old); err != nil {
			return err
		}
		if old.State != record.DeliveryPending {
			return nil
		}
		d := *old
		fn(&d)
		return putDelivery(tx, e.Created, old, &d)
	})
	if err != nil {
		return fmt.Errorf("store: delivery of %s to %s: %w", eventID, endpoint, err)
	}
	return nil
}

// MarkDelivered records that endpoint accepted event eventID (HTTP status) at at.
func (s *Store) MarkDelivered(eventID, endpoint string, status int, at time.Time) error {
	return s.changeDelivery(eventID, endpoint, func(d *record.WebhookDelivery) {
		d.State, d.LastStatus, d.LastError, d.DeliveredAt = record.DeliveryDelivered, status, "", at
		d.Attempts++
	})
}

// MarkRetry records a failed attempt (status 0 when no response came) and when to try again.
func (s *Store) MarkRetry(eventID, endpoint string, status int, reason string, next time.Time) error {
	return s.changeDelivery(eventID, endpoint, func(d *record.WebhookDelivery) {
		d.LastStatus, d.LastError, d.NextAt = status, reason, next
		d.Attempts++
	})
}

// MarkFailed records a last failed attempt: the delivery is given up.
func (s *Store) MarkFailed(eventID, endpoint string, status int, reason string) error {
	return s.changeDelivery(eventID, endpoint, func(d *record.WebhookDelivery) {
		d.State, d.LastStatus, d.LastError = record.DeliveryFailed, status, reason
		d.Attempts++
	})
}

// ListDeliveries returns up to limit deliveries (0: all), newest event first.
func (s *Store) ListDeliveries(limit int) ([]record.WebhookDelivery, error) {
	var out []record.WebhookDelivery
	err := s.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucketOutboxDeliveries).Cursor()
		for k, v := cur.Last(); k != nil; k, v = cur.Prev() {
			if limit > 0 && len(out) >= limit {
				break
			}
			var d record.WebhookDelivery
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("delivery %q: %w", k, err)
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list webhook deliveries: %w", err)
	}
	return out, nil
}

// DeliveryCounts returns how many deliveries are in each state (every state is present).
func (s *Store) DeliveryCounts() (map[string]int, error) {
	out := map[string]int{record.DeliveryPending: 0, record.DeliveryDelivered: 0, record.DeliveryFailed: 0}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutboxCounts)
		for st := range out {
			out[st] = int(getCount(b, st))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: webhook delivery counts: %w", err)
	}
	return out, nil
}

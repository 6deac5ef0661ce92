package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/hotline-cc/hotline/record"
	bolt "go.etcd.io/bbolt"
)

// Wrap-ups live in their own bucket, keyed by call id, a zero byte and the agent's id, so each
// agent who handled a call has one, saving one never reads or rewrites the call record, and an
// agent can wrap up before the call's record is written (the caller may still be talking to a
// colleague after a transfer). Reading a call merges its wrap-ups in.
var bucketWrapUps = []byte("wrap_ups")

func wrapUpKey(callID, agent string) []byte {
	k := make([]byte, 0, len(callID)+1+len(agent))
	k = append(k, callID...)
	k = append(k, 0)
	return append(k, agent...)
}

// PutWrapUp saves agent w.Agent's wrap-up of call callID, replacing their earlier one; other
// agents' wrap-ups of the call stay. When it returns nil the wrap-up is on disk.
func (s *Store) PutWrapUp(callID string, w record.WrapUp) error {
	if callID == "" || w.Agent == "" {
		return fmt.Errorf("%w: wrap-up needs a call id and an agent", ErrInvalid)
	}
	if w.At.IsZero() {
		w.At = time.Now().UTC()
	}
	val, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("store: wrap-up of call %s: %w", callID, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketWrapUps).Put(wrapUpKey(callID, w.Agent), val); err != nil {
			return err
		}
		return s.reindexCallIn(tx, callID) // notes and codes are searchable
	})
	if err != nil {
		return fmt.Errorf("store: wrap-up of call %s by %s: %w", callID, w.Agent, err)
	}
	return nil
}

// WrapUps returns the wrap-ups of call callID, oldest first.
func (s *Store) WrapUps(callID string) ([]record.WrapUp, error) {
	var out []record.WrapUp
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = wrapUpsIn(tx, callID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: wrap-ups of call %s: %w", callID, err)
	}
	return out, nil
}

func wrapUpsIn(tx *bolt.Tx, callID string) ([]record.WrapUp, error) {
	var out []record.WrapUp
	prefix := wrapUpKey(callID, "")
	c := tx.Bucket(bucketWrapUps).Cursor()
	for k, v := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
		var w record.WrapUp
		if err := json.Unmarshal(v, &w); err != nil {
			return nil, fmt.Errorf("wrap-up %q: %w", k, err)
		}
		out = append(out, w)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// withWrapUps adds the stored wrap-ups of c to it; the newest also fills the single-agent fields.
func withWrapUps(tx *bolt.Tx, c *record.Call) error {
	ws, err := wrapUpsIn(tx, c.ID)
	if err != nil {
		return err
	}
	if len(ws) == 0 {
		return nil
	}
	c.WrapUps = ws
	last := ws[len(ws)-1]
	c.AgentDisposition, c.AgentNotes = last.Disposition, last.Notes
	return nil
}

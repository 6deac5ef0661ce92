package store

import (
	"encoding/binary"
	"fmt"
	"sort"
	"time"

	"github.com/hotline-cc/hotline/record"
	bolt "go.etcd.io/bbolt"
)

// Calls in progress. A call's record is written when the call is answered, with disposition
// record.DispositionInProgress, and written again at the moments that matter (CheckpointCall);
// the call's end replaces it (EndCall, PutCall). calls_open holds the ids of the records still in
// progress, so a start finds the calls a crash interrupted without reading every record.
// putCallIn keeps it in step: a record in progress is in it, any other is not.
//
// A checkpoint does not touch the search index: each would leave a dead entry in the in-memory
// index (three or four per call), and the compactions they cause would cost more than the
// writes. A call is searchable from its end (EndCall indexes it); the calls going on are the
// supervisor's live view and ListCalls.
var bucketCallsOpen = []byte("calls_open")

// CheckpointCall writes c, a call in progress (Disposition record.DispositionInProgress, End
// the moment of the checkpoint), unless the call's record says it has ended already: a
// checkpoint never undoes an end. When CheckpointCall returns nil the record is on disk.
// Concurrent checkpoints and call ends share one commit (bbolt's Batch); the write is
// idempotent, as Batch requires. The record is not in the search index until the call ends.
func (s *Store) CheckpointCall(c *record.Call) error {
	if err := validCall(c); err != nil {
		return err
	}
	if c.Disposition != record.DispositionInProgress {
		return fmt.Errorf("%w: checkpoint of call %s with disposition %q, want %q", ErrInvalid, c.ID, c.Disposition, record.DispositionInProgress)
	}
	val, err := encodeCall(c)
	if err != nil {
		return err
	}
	err = s.db.Batch(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketCallsByID).Get([]byte(c.ID)) != nil && tx.Bucket(bucketCallsOpen).Get([]byte(c.ID)) == nil {
			return nil // ended: its final record stays
		}
		return writeCallIn(tx, c, val)
	})
	if err != nil {
		return fmt.Errorf("store: checkpoint call %s: %w", c.ID, err)
	}
	return nil
}

// OpenCalls returns the records still in progress, oldest start first: at a start, the calls
// the server was running when it stopped.
func (s *Store) OpenCalls() ([]*record.Call, error) {
	var out []*record.Call
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCallsOpen).ForEach(func(k, _ []byte) error {
			c, _, err := storedCall(tx, string(k))
			if err != nil {
				return fmt.Errorf("call %s: %w", k, err)
			}
			if c == nil {
				return nil // an index entry without its record: nothing to close
			}
			if err := withWrapUps(tx, c); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: open calls: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// markOpenIn keeps calls_open in step with c's disposition; tx writes c.
func markOpenIn(tx *bolt.Tx, c *record.Call) error {
	b := tx.Bucket(bucketCallsOpen)
	if c.Disposition == record.DispositionInProgress {
		return b.Put([]byte(c.ID), nil)
	}
	return b.Delete([]byte(c.ID))
}

// metaAlive is when the server last said it was running (MarkAlive): after a crash, a lower
// bound of when it stopped.
var metaAlive = []byte("alive")

// MarkAlive records that the server is running at t. The server calls it every few seconds, so
// that after a crash the calls it had in progress can be ended at the last moment they were
// known to be going on (LastAlive), not at their last checkpoint only.
func (s *Store) MarkAlive(t time.Time) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(metaAlive, timePrefix(clampKeyTime(t)))
	})
	if err != nil {
		return fmt.Errorf("store: mark alive: %w", err)
	}
	return nil
}

// LastAlive returns the time the last MarkAlive recorded; zero if none did.
func (s *Store) LastAlive() (time.Time, error) {
	var at time.Time
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(metaAlive); len(v) == 8 {
			at = time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC()
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("store: last alive: %w", err)
	}
	return at, nil
}

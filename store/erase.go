package store

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hotline-cc/hotline/record"
	bolt "go.etcd.io/bbolt"
)

// DeleteCall removes call id's record and everything kept beside it: its wrap-ups, what
// redaction kept aside, its search entry (the in-memory index forgets it when the transaction
// commits). The right to erasure uses it; the recording files are the caller's to remove (they
// are named in the record). A call without a record gives an error wrapping ErrNotFound.
func (s *Store) DeleteCall(id string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		c, key, err := storedCall(tx, id)
		if err != nil {
			return err
		}
		if c == nil {
			return ErrNotFound
		}
		if err := tx.Bucket(bucketCalls).Delete(key); err != nil {
			return err
		}
		for _, b := range [][]byte{bucketCallsByID, bucketCallsOpen, bucketCallSearch, bucketCallTerms} {
			if err := tx.Bucket(b).Delete([]byte(id)); err != nil {
				return err
			}
		}
		if b := tx.Bucket(bucketOriginals); b != nil {
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
		}
		prefix := append([]byte(id), 0)
		w := tx.Bucket(bucketWrapUps).Cursor()
		for k, _ := w.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = w.Seek(prefix) {
			if err := w.Delete(); err != nil {
				return err
			}
		}
		if s.search != nil {
			ver, err := tx.Bucket(bucketCallSearch).NextSequence()
			if err != nil {
				return err
			}
			gone := &searchEntry{Ver: ver, Deleted: true}
			gone.ID = id
			tx.OnCommit(func() { s.applySearch(gone) })
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete call %s: %w", id, err)
	}
	return nil
}

// DeleteTasks removes the tasks match selects (an erased customer's offline messages) and
// returns how many went.
func (s *Store) DeleteTasks(match func(*record.Task) bool) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		c := tx.Bucket(bucketTasks).Cursor()
		for k, v := c.First(); k != nil; {
			var t record.Task
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("decode task %s: %w", k, err)
			}
			if !match(&t) {
				k, v = c.Next()
				continue
			}
			if err := c.Delete(); err != nil {
				return err
			}
			n++
			k, v = c.Seek(k)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: delete tasks: %w", err)
	}
	return n, nil
}

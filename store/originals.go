package store

import (
	"encoding/json"
	"fmt"

	"github.com/hotline-cc/hotline/record"
	bolt "go.etcd.io/bbolt"
)

// What redaction replaced, kept only when the configuration says so (analysis.redact.keep_original)
// and shown only to the admin role: call id → the turns as they were before redaction. Retention
// deletes them with the call's media.
var bucketOriginals = []byte("originals")

// PutOriginals keeps call id's turns as they were before redaction (replacing what was kept).
func (s *Store) PutOriginals(id string, turns []record.Turn) error {
	val, err := json.Marshal(turns)
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketOriginals)
		if err != nil {
			return err
		}
		return b.Put([]byte(id), val)
	})
	if err != nil {
		return fmt.Errorf("store: originals of call %s: %w", id, err)
	}
	return nil
}

// Originals returns call id's turns before redaction, or ErrNotFound when none were kept.
func (s *Store) Originals(id string) ([]record.Turn, error) {
	var turns []record.Turn
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOriginals)
		if b == nil {
			return ErrNotFound
		}
		v := b.Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &turns)
	})
	if err != nil {
		return nil, fmt.Errorf("store: originals of call %s: %w", id, err)
	}
	return turns, nil
}

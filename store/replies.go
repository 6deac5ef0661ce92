package store

import (
	"encoding/json"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/record"
)

// Reply scripts: one bucket, id → record.Script (its versions inside). The library is small
// (thousands of scripts at most), so listing reads the bucket and filters in memory. Writes go
// through bbolt's Batch so a bulk approval shares commits.
var bucketReplies = []byte("reply_scripts") // id → record.Script

// PutScript writes a reply script. When it returns nil the script is on disk.
func (s *Store) PutScript(sc *record.Script) error {
	if sc == nil || sc.ID == "" {
		return fmt.Errorf("%w: script without an id", ErrInvalid)
	}
	val, err := json.Marshal(sc)
	if err != nil {
		return fmt.Errorf("store: put script %s: %w", sc.ID, err)
	}
	if err := s.db.Batch(func(tx *bolt.Tx) error { return tx.Bucket(bucketReplies).Put([]byte(sc.ID), val) }); err != nil {
		return fmt.Errorf("store: put script %s: %w", sc.ID, err)
	}
	return nil
}

// GetScript reads one reply script; ErrNotFound when there is none.
func (s *Store) GetScript(id string) (*record.Script, error) {
	var sc *record.Script
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketReplies).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		sc = &record.Script{}
		return json.Unmarshal(v, sc)
	})
	if err != nil {
		return nil, fmt.Errorf("store: script %s: %w", id, err)
	}
	return sc, nil
}

// Scripts returns every reply script, newest change first.
func (s *Store) Scripts() ([]*record.Script, error) {
	var out []*record.Script
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketReplies).ForEach(func(k, v []byte) error {
			var sc record.Script
			if err := json.Unmarshal(v, &sc); err != nil {
				return fmt.Errorf("decode script %s: %w", k, err)
			}
			out = append(out, &sc)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: scripts: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Updated.After(out[j].Updated) })
	return out, nil
}

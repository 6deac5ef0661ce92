package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hotline-cc/hotline/record"
	bolt "go.etcd.io/bbolt"
)

// The audit log: 8-byte big-endian time + who → record.Audit, in the order things happened.
var bucketAudit = []byte("audit")

// AppendAudit stores one audited look at customer data; when it returns nil it is on disk.
func (s *Store) AppendAudit(a record.Audit) error {
	if a.At.IsZero() {
		a.At = time.Now().UTC()
	}
	val, err := json.Marshal(a)
	if err != nil {
		return err
	}
	err = s.db.Batch(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketAudit)
		if err != nil {
			return err
		}
		return b.Put(callKey(a.At, a.Who+"\x00"+a.Call), val)
	})
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// Audits returns the audit entries of call (every entry when call is ""), oldest first, at most
// limit (0: no limit).
func (s *Store) Audits(call string, limit int) ([]record.Audit, error) {
	var out []record.Audit
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			if limit > 0 && len(out) >= limit {
				return nil
			}
			var a record.Audit
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			if call == "" || a.Call == call {
				out = append(out, a)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: audits: %w", err)
	}
	return out, nil
}

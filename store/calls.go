package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hotline-cc/hotline/record"
	bolt "go.etcd.io/bbolt"
)

// callKey sorts calls by start time; the id makes keys unique.
func callKey(start time.Time, id string) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, uint64(start.UnixNano()))
	return append(k, id...)
}

// timePrefix is the 8-byte key prefix of calls started at t.
func timePrefix(t time.Time) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, uint64(t.UnixNano()))
	return k
}

// keyTimeRange bounds what a time key can hold: UnixNano is only defined
// between 1678 and 2262, and keys are unsigned, so starts before 1970 would sort last.
var (
	minKeyTime = time.Unix(0, 0)
	maxKeyTime = time.Unix(0, 1<<63-1)
)

func validCall(c *record.Call) error {
	if c == nil {
		return fmt.Errorf("%w: nil call record", ErrInvalid)
	}
	if c.ID == "" {
		return fmt.Errorf("%w: call record has no id", ErrInvalid)
	}
	if c.Start.Before(minKeyTime) || c.Start.After(maxKeyTime) {
		return fmt.Errorf("%w: call %s start time %v outside 1970..2262", ErrInvalid, c.ID, c.Start)
	}
	return nil
}

// PutCall writes c, replacing any record with the same ID (also when its
// Start changed). When PutCall returns nil the record is on disk. Concurrent
// calls share one commit (bbolt's Batch), so call endings at a high rate do
// not queue behind one fsync each; the write function is idempotent, as
// Batch requires.
func (s *Store) PutCall(c *record.Call) error {
	if err := validCall(c); err != nil {
		return err
	}
	return s.putCall(c, nil)
}

// putCall writes c and its search entry, then runs also (if set) in the same transaction.
func (s *Store) putCall(c *record.Call, also func(tx *bolt.Tx) error) error {
	val, err := encodeCall(c)
	if err != nil {
		return err
	}
	err = s.db.Batch(func(tx *bolt.Tx) error {
		if err := s.putCallIn(tx, c, val); err != nil {
			return err
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put call %s: %w", c.ID, err)
	}
	return nil
}

// putCallIn writes c (encoded as val) under its time key, drops the key it had if its Start
// changed, and keeps its search entry in step.
func (s *Store) putCallIn(tx *bolt.Tx, c *record.Call, val []byte) error {
	if err := writeCallIn(tx, c, val); err != nil {
		return err
	}
	return s.indexCallIn(tx, c)
}

// writeCallIn writes c (encoded as val) under its time key, drops the key it had if its Start
// changed, and keeps calls_open in step; not the search entry.
func writeCallIn(tx *bolt.Tx, c *record.Call, val []byte) error {
	key := callKey(c.Start, c.ID)
	calls, byID := tx.Bucket(bucketCalls), tx.Bucket(bucketCallsByID)
	if old := byID.Get([]byte(c.ID)); old != nil && !bytes.Equal(old, key) {
		if err := calls.Delete(old); err != nil {
			return err
		}
	}
	if err := calls.Put(key, val); err != nil {
		return err
	}
	if err := byID.Put([]byte(c.ID), key); err != nil {
		return err
	}
	return markOpenIn(tx, c)
}

// GetCall returns the record of call id, or an error wrapping ErrNotFound.
func (s *Store) GetCall(id string) (*record.Call, error) {
	var c *record.Call
	err := s.db.View(func(tx *bolt.Tx) error {
		key := tx.Bucket(bucketCallsByID).Get([]byte(id))
		if key == nil {
			return ErrNotFound
		}
		v := tx.Bucket(bucketCalls).Get(key)
		if v == nil {
			return fmt.Errorf("index points at missing key %x: %w", key, ErrNotFound)
		}
		var err error
		if c, err = decodeCall(v); err != nil {
			return err
		}
		return withWrapUps(tx, c)
	})
	if err != nil {
		return nil, fmt.Errorf("store: call %s: %w", id, err)
	}
	return c, nil
}

// ListCalls returns calls whose Start lies in [Since, Until), in start order.
func (s *Store) ListCalls(opt record.CallQuery) ([]*record.Call, error) {
	var out []*record.Call
	var lo, hi []byte // inclusive low / exclusive high key bounds; nil means open
	if !opt.Since.IsZero() {
		lo = timePrefix(clampKeyTime(opt.Since))
	}
	if !opt.Until.IsZero() {
		hi = timePrefix(clampKeyTime(opt.Until))
	}
	if lo != nil && hi != nil && bytes.Compare(lo, hi) >= 0 {
		return nil, nil
	}
	full := func() bool { return opt.Limit > 0 && len(out) >= opt.Limit }
	err := s.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucketCalls).Cursor()
		add := func(k, v []byte) error {
			c, err := decodeCall(v)
			if err == nil {
				err = withWrapUps(tx, c)
			}
			if err != nil {
				return fmt.Errorf("key %x: %w", k, err)
			}
			if opt.CustomerID != "" && c.CustomerID != opt.CustomerID {
				return nil
			}
			out = append(out, c)
			return nil
		}
		if opt.Newest {
			var k, v []byte
			if hi == nil {
				k, v = cur.Last()
			} else if k, _ = cur.Seek(hi); k == nil {
				k, v = cur.Last()
			} else {
				k, v = cur.Prev()
			}
			for ; k != nil && !full(); k, v = cur.Prev() {
				if lo != nil && bytes.Compare(k, lo) < 0 {
					break
				}
				if err := add(k, v); err != nil {
					return err
				}
			}
			return nil
		}
		var k, v []byte
		if lo == nil {
			k, v = cur.First()
		} else {
			k, v = cur.Seek(lo)
		}
		for ; k != nil && !full(); k, v = cur.Next() {
			if hi != nil && bytes.Compare(k, hi) >= 0 {
				break
			}
			if err := add(k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list calls: %w", err)
	}
	return out, nil
}

func clampKeyTime(t time.Time) time.Time {
	if t.Before(minKeyTime) {
		return minKeyTime
	}
	if t.After(maxKeyTime) {
		return maxKeyTime
	}
	return t
}

func encodeCall(c *record.Call) ([]byte, error) {
	val, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("store: call %s: %w", c.ID, err)
	}
	return val, nil
}

func decodeCall(v []byte) (*record.Call, error) {
	c := new(record.Call)
	if err := json.Unmarshal(v, c); err != nil {
		return nil, fmt.Errorf("decode call record: %w", err)
	}
	return c, nil
}

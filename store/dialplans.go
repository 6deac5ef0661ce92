package store

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/hotline-cc/hotline/record"
	bolt "go.etcd.io/bbolt"
)

// storedDialplan is the JSON form of DialplanVersion: YAML is kept as a
// readable string when it is valid UTF-8 (it always is for yaml.v3 input),
// and as base64 otherwise so no byte is lost.
type storedDialplan struct {
	Number    int       `json:"number"`
	Hash      string    `json:"hash"`
	At        time.Time `json:"at"`
	Who       string    `json:"who"`
	File      string    `json:"file"`
	Source    string    `json:"source,omitempty"`
	SourceB64 string    `json:"source_b64,omitempty"`
}

func encodeDialplan(v *record.DialplanVersion) ([]byte, error) {
	s := storedDialplan{Number: v.Number, Hash: v.Hash, At: v.At, Who: v.Who, File: v.File}
	if utf8.Valid(v.Source) {
		s.Source = string(v.Source)
	} else {
		s.SourceB64 = base64.StdEncoding.EncodeToString(v.Source)
	}
	return json.Marshal(s)
}

func decodeDialplan(b []byte) (*record.DialplanVersion, error) {
	var s storedDialplan
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decode dialplan version: %w", err)
	}
	v := &record.DialplanVersion{Number: s.Number, Hash: s.Hash, At: s.At, Who: s.Who, File: s.File}
	if s.SourceB64 != "" {
		src, err := base64.StdEncoding.DecodeString(s.SourceB64)
		if err != nil {
			return nil, fmt.Errorf("decode dialplan version %d source: %w", s.Number, err)
		}
		v.Source = src
	} else if s.Source != "" {
		v.Source = []byte(s.Source)
	}
	return v, nil
}

func versionKey(n uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, n)
	return k
}

// PutDialplanVersion stores v under the next version number and returns it.
// If the newest stored version has the same hash, nothing is written and that
// version's number is returned, so reloading an unchanged file adds no version.
// v.Number (and v.Hash and v.At if they were empty) are filled in.
func (s *Store) PutDialplanVersion(v *record.DialplanVersion) (int, error) {
	if v == nil {
		return 0, fmt.Errorf("%w: nil dialplan version", ErrInvalid)
	}
	if v.Hash == "" {
		sum := sha256.Sum256(v.Source)
		v.Hash = hex.EncodeToString(sum[:])
	}
	if v.At.IsZero() {
		v.At = time.Now()
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDialplans)
		if _, last := b.Cursor().Last(); last != nil {
			prev, err := decodeDialplan(last)
			if err != nil {
				return err
			}
			if prev.Hash == v.Hash {
				v.Number = prev.Number
				return nil
			}
		}
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		v.Number = int(n)
		val, err := encodeDialplan(v)
		if err != nil {
			return err
		}
		return b.Put(versionKey(n), val)
	})
	if err != nil {
		return 0, fmt.Errorf("store: put dialplan version: %w", err)
	}
	return v.Number, nil
}

// GetDialplanVersion returns version n, or an error wrapping ErrNotFound.
func (s *Store) GetDialplanVersion(n int) (*record.DialplanVersion, error) {
	if n < 1 {
		return nil, fmt.Errorf("store: dialplan version %d: %w", n, ErrNotFound)
	}
	var v *record.DialplanVersion
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDialplans).Get(versionKey(uint64(n)))
		if b == nil {
			return ErrNotFound
		}
		var err error
		v, err = decodeDialplan(b)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: dialplan version %d: %w", n, err)
	}
	return v, nil
}

// LatestDialplanVersion returns the newest version, or an error wrapping
// ErrNotFound if none was stored yet.
func (s *Store) LatestDialplanVersion() (*record.DialplanVersion, error) {
	var v *record.DialplanVersion
	err := s.db.View(func(tx *bolt.Tx) error {
		_, b := tx.Bucket(bucketDialplans).Cursor().Last()
		if b == nil {
			return ErrNotFound
		}
		var err error
		v, err = decodeDialplan(b)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: latest dialplan version: %w", err)
	}
	return v, nil
}

// ListDialplanVersions returns every stored version, oldest first.
func (s *Store) ListDialplanVersions() ([]*record.DialplanVersion, error) {
	var out []*record.DialplanVersion
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDialplans).ForEach(func(k, b []byte) error {
			v, err := decodeDialplan(b)
			if err != nil {
				return fmt.Errorf("key %x: %w", k, err)
			}
			out = append(out, v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: list dialplan versions: %w", err)
	}
	return out, nil
}

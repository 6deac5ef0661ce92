package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// schemaVersion is written to the meta bucket; a file written by a newer
// hotline is refused rather than misread.
const schemaVersion = 1

// lockTimeout is how long Open waits for another process to release the file.
const lockTimeout = time.Second

var (
	bucketCalls     = []byte("calls")
	bucketCallsByID = []byte("calls_by_id")
	bucketDialplans = []byte("dialplan_versions")
	bucketAgents    = []byte("agents")
	bucketMeta      = []byte("meta")

	metaSchema = []byte("schema")
)

// Store is hotline's record store. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	path string

	search    *searchIndex          // calls in memory for SearchCalls (search.go)
	searchErr atomic.Pointer[error] // a failed background rebuild of the search index
}

// Open opens (or creates) the store file at path, creating its directory.
// If another process has the file open, Open fails after one second with an
// error wrapping ErrLocked.
func Open(path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("store %s: %w", path, err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("store %s is locked by another hotline process: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	if err := s.recoverJobs(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: recover jobs: %w", path, err)
	}
	if err := s.loadSearch(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) init() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketCalls, bucketCallsByID, bucketDialplans, bucketAgents, bucketAgentStates, bucketWrapUps, bucketMeta,
			bucketJobs, bucketJobsDue, bucketJobsState, bucketJobsCounts, bucketOutboxEvents, bucketOutboxDeliveries, bucketOutboxDue, bucketOutboxCounts, bucketCallSearch, bucketCallTerms, bucketCallsOpen,
			bucketCustomers, bucketCustomerIDs, bucketCustomerMerges, bucketChats, bucketChatsOpen, bucketChatMessages, bucketChatFiles, bucketTasks, bucketReplies} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		v := meta.Get(metaSchema)
		if v == nil {
			return meta.Put(metaSchema, []byte(strconv.Itoa(schemaVersion)))
		}
		n, err := strconv.Atoi(string(v))
		if err != nil {
			return fmt.Errorf("meta schema %q: %w", v, err)
		}
		if n > schemaVersion {
			return fmt.Errorf("schema version %d is newer than this hotline understands (%d)", n, schemaVersion)
		}
		return nil
	})
}

// Path returns the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Close releases the file. Records already written stay on disk.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store %s: close: %w", s.path, err)
	}
	return nil
}

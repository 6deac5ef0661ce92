package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/record"
	bolt "go.etcd.io/bbolt"
)

// Jobs are a durable work queue. A job's record lives in jobs under its ID; two index buckets
// hold keys only: jobs_due orders queued jobs by the time they may run (so ClaimJob is one seek),
// and jobs_state groups jobs by state, newest change first (so listings never decode the records
// of the other states). jobs_counts keeps the number per state, so a metrics scrape reads four
// keys. Every change moves a job's index keys and counts in the same transaction as its record,
// so they never disagree.
var (
	bucketJobs       = []byte("jobs")
	bucketJobsDue    = []byte("jobs_due")
	bucketJobsState  = []byte("jobs_state")
	bucketJobsCounts = []byte("jobs_counts")
)

// ErrJobRunning is returned by RequeueJob for a job a worker is running.
var ErrJobRunning = errors.New("store: job is running")

func jobDueKey(at time.Time, id string) []byte {
	return append(timePrefix(clampKeyTime(at)), id...)
}

func jobStateKey(state string, updated time.Time, id string) []byte {
	k := make([]byte, 0, len(state)+9+len(id))
	k = append(k, state...)
	k = append(k, 0)
	k = append(k, timePrefix(clampKeyTime(updated))...)
	return append(k, id...)
}

func getJob(tx *bolt.Tx, id string) (*record.Job, error) {
	v := tx.Bucket(bucketJobs).Get([]byte(id))
	if v == nil {
		return nil, fmt.Errorf("job %s: %w", id, ErrNotFound)
	}
	j := new(record.Job)
	if err := json.Unmarshal(v, j); err != nil {
		return nil, fmt.Errorf("decode job %s: %w", id, err)
	}
	return j, nil
}

// putJob writes j, moving its index keys from where old (nil for a new job) had them.
func putJob(tx *bolt.Tx, old, j *record.Job) error {
	due, states := tx.Bucket(bucketJobsDue), tx.Bucket(bucketJobsState)
	if old != nil {
		if err := due.Delete(jobDueKey(old.NextAt, old.ID)); err != nil {
			return err
		}
		if err := states.Delete(jobStateKey(old.State, old.Updated, old.ID)); err != nil {
			return err
		}
		if err := addCount(tx.Bucket(bucketJobsCounts), old.State, -1); err != nil {
			return err
		}
	}
	if err := addCount(tx.Bucket(bucketJobsCounts), j.State, 1); err != nil {
		return err
	}
	val, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("job %s: %w", j.ID, err)
	}
	if err := tx.Bucket(bucketJobs).Put([]byte(j.ID), val); err != nil {
		return err
	}
	if j.State == record.JobQueued {
		if err := due.Put(jobDueKey(j.NextAt, j.ID), nil); err != nil {
			return err
		}
	}
	return states.Put(jobStateKey(j.State, j.Updated, j.ID), nil)
}

func validJob(j *record.Job) error {
	if j.Kind == "" || j.CallID == "" {
		return fmt.Errorf("%w: job needs a kind and a call id", ErrInvalid)
	}
	return nil
}

// enqueueIn adds job j unless a job of its kind for its call exists; it reports whether it added.
func enqueueIn(tx *bolt.Tx, j record.Job, now time.Time) (bool, error) {
	if err := validJob(&j); err != nil {
		return false, err
	}
	j.ID = record.JobID(j.Kind, j.CallID)
	if tx.Bucket(bucketJobs).Get([]byte(j.ID)) != nil {
		return false, nil
	}
	j.State, j.Attempts, j.Error = record.JobQueued, 0, ""
	if j.NextAt.IsZero() {
		j.NextAt = now
	}
	j.Created, j.Updated = now, now
	return true, putJob(tx, nil, &j)
}

// EnqueueJob queues j (Kind and CallID set; NextAt zero means now). It is idempotent: when a
// job of the same kind for the same call exists, in any state, nothing changes and it returns
// false. Running a finished job again is RequeueJob's.
func (s *Store) EnqueueJob(j record.Job) (added bool, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		added, err = enqueueIn(tx, j, time.Now().UTC())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: enqueue %s job of call %s: %w", j.Kind, j.CallID, err)
	}
	return added, nil
}

// RequeueJob queues the kind job of call callID to run again now with fresh attempts, whether it
// is done, failed or still queued, creating it if there is none. A running job is left to
// finish: the error wraps ErrJobRunning.
func (s *Store) RequeueJob(kind, callID string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		now := time.Now().UTC()
		j := record.Job{Kind: kind, CallID: callID}
		if err := validJob(&j); err != nil {
			return err
		}
		old, err := getJob(tx, record.JobID(kind, callID))
		if errors.Is(err, ErrNotFound) {
			_, err = enqueueIn(tx, j, now)
			return err
		}
		if err != nil {
			return err
		}
		if old.State == record.JobRunning {
			return ErrJobRunning
		}
		j = *old
		j.State, j.Attempts, j.Error, j.NextAt, j.Updated = record.JobQueued, 0, "", now, now
		return putJob(tx, old, &j)
	})
	if err != nil {
		return fmt.Errorf("store: requeue %s job of call %s: %w", kind, callID, err)
	}
	return nil
}

// ClaimJob marks the queued job that has been due longest (NextAt ≤ now) running, counts the
// attempt and returns it; ok is false when no job is due. Claiming is one transaction, so two
// workers never get the same job.
func (s *Store) ClaimJob(now time.Time) (j record.Job, ok bool, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketJobsDue).Cursor().First()
		if k == nil || len(k) < 8 || bytes.Compare(k[:8], timePrefix(clampKeyTime(now))) > 0 {
			return nil
		}
		old, err := getJob(tx, string(k[8:]))
		if err != nil {
			return err
		}
		j = *old
		j.State, j.Updated = record.JobRunning, time.Now().UTC()
		j.Attempts++
		ok = true
		return putJob(tx, old, &j)
	})
	if err != nil {
		return record.Job{}, false, fmt.Errorf("store: claim job: %w", err)
	}
	return j, ok, nil
}

// NextJobAt returns when the earliest queued job is due; ok is false when none is queued.
func (s *Store) NextJobAt() (at time.Time, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketJobsDue).Cursor().First()
		if len(k) >= 8 {
			at, ok = time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).UTC(), true
		}
		return nil
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: next job: %w", err)
	}
	return at, ok, nil
}

// FinishJob marks job id done.
func (s *Store) FinishJob(id string) error {
	return s.changeJob(id, func(j *record.Job) {
		j.State, j.Error = record.JobDone, ""
	})
}

// FailJob records that job id failed with reason. With a non-zero retryAt the job is queued again
// for then; with a zero one it has failed for good.
func (s *Store) FailJob(id, reason string, retryAt time.Time) error {
	return s.changeJob(id, func(j *record.Job) {
		j.Error = reason
		if retryAt.IsZero() {
			j.State = record.JobFailed
			return
		}
		j.State, j.NextAt = record.JobQueued, retryAt
	})
}

func (s *Store) changeJob(id string, fn func(*record.Job)) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		old, err := getJob(tx, id)
		if err != nil {
			return err
		}
		j := *old
		fn(&j)
		j.Updated = time.Now().UTC()
		return putJob(tx, old, &j)
	})
	if err != nil {
		return fmt.Errorf("store: job %s: %w", id, err)
	}
	return nil
}

// GetJob returns job id, or an error wrapping ErrNotFound.
func (s *Store) GetJob(id string) (record.Job, error) {
	var j record.Job
	err := s.db.View(func(tx *bolt.Tx) error {
		got, err := getJob(tx, id)
		if err == nil {
			j = *got
		}
		return err
	})
	if err != nil {
		return record.Job{}, fmt.Errorf("store: %w", err)
	}
	return j, nil
}

// ListJobs returns up to limit jobs in state (all states when empty; limit 0: no limit),
// most recently changed first within a state.
func (s *Store) ListJobs(state string, limit int) ([]record.Job, error) {
	states := record.JobStates
	if state != "" {
		states = []string{state}
	}
	var out []record.Job
	err := s.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucketJobsState).Cursor()
		for _, st := range states {
			prefix := append([]byte(st), 0)
			// Seek past the prefix, then walk back: newest first.
			end := append(bytes.Clone(prefix[:len(prefix)-1]), 1)
			k, _ := cur.Seek(end)
			if k == nil {
				k, _ = cur.Last()
			} else {
				k, _ = cur.Prev()
			}
			for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Prev() {
				if limit > 0 && len(out) >= limit {
					return nil
				}
				if len(k) < len(prefix)+8 {
					continue
				}
				j, err := getJob(tx, string(k[len(prefix)+8:]))
				if err != nil {
					return err
				}
				out = append(out, *j)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list jobs: %w", err)
	}
	return out, nil
}

// JobCounts returns how many jobs are in each state (every state is present).
func (s *Store) JobCounts() (map[string]int, error) {
	out := make(map[string]int, len(record.JobStates))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJobsCounts)
		for _, st := range record.JobStates {
			out[st] = int(getCount(b, st))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: job counts: %w", err)
	}
	return out, nil
}

// getCount and addCount keep a counter as an 8-byte big-endian value under key.
func getCount(b *bolt.Bucket, key string) int64 {
	if v := b.Get([]byte(key)); len(v) == 8 {
		return int64(binary.BigEndian.Uint64(v))
	}
	return 0
}

func addCount(b *bolt.Bucket, key string, delta int64) error {
	v := make([]byte, 8)
	binary.BigEndian.PutUint64(v, uint64(max(getCount(b, key)+delta, 0)))
	return b.Put([]byte(key), v)
}

// recoverJobs puts jobs a crash left running back in the queue, due now: their worker is gone.
// The attempt it made stays counted, so a job that crashes the process cannot loop for ever.
func (s *Store) recoverJobs() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		prefix := append([]byte(record.JobRunning), 0)
		var ids []string
		cur := tx.Bucket(bucketJobsState).Cursor()
		for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
			if len(k) >= len(prefix)+8 {
				ids = append(ids, string(k[len(prefix)+8:]))
			}
		}
		now := time.Now().UTC()
		for _, id := range ids {
			old, err := getJob(tx, id)
			if err != nil {
				return err
			}
			j := *old
			j.State, j.NextAt, j.Updated = record.JobQueued, now, now
			j.Error = "interrupted: the server stopped while it ran"
			if err := putJob(tx, old, &j); err != nil {
				return err
			}
		}
		return nil
	})
}

// EndCall writes the record of an ended call and queues its jobs in one transaction, so a call
// whose record is stored never lacks its analysis job. Jobs that exist already are kept as they
// are (a record rewritten after the job ran does not run it again).
func (s *Store) EndCall(c *record.Call, jobs ...record.Job) error {
	if err := validCall(c); err != nil {
		return err
	}
	jobs = slices.Clone(jobs) // the caller's slice is not written to
	for i := range jobs {
		jobs[i].CallID = c.ID
		if err := validJob(&jobs[i]); err != nil {
			return err
		}
	}
	return s.putCall(c, func(tx *bolt.Tx) error {
		now := time.Now().UTC()
		for _, j := range jobs {
			if _, err := enqueueIn(tx, j, now); err != nil {
				return err
			}
		}
		return nil
	})
}

package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hotline-cc/hotline/record"
	bolt "go.etcd.io/bbolt"
)

// MediaRemoved is the Analysis.Error of a call whose recordings retention
// deleted: the analysis cannot run again, and its text is gone.
const MediaRemoved = "media removed by retention"

// HangupCauseRestart is the hangup cause of a call a restart closed as interrupted.
const HangupCauseRestart = record.HangupCauseRestart

// AddRecording attaches rec to call callID's record, replacing a recording
// of the same file. A recording found after a crash (recording.Recover) thus
// meets the record the call had in progress. When the call has no record
// (the server died before its first checkpoint), a minimal one is made, in
// progress, starting at rec.Start and ending at rec.End, so that closing the
// calls in progress (OpenCalls) closes it as interrupted with the others.
func (s *Store) AddRecording(callID string, rec record.Recording) error {
	if callID == "" || rec.File == "" {
		return fmt.Errorf("%w: recording needs a call id and a file", ErrInvalid)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		c, key, err := storedCall(tx, callID)
		if err != nil {
			return err
		}
		if c == nil {
			c = minimalCall(callID, rec)
			if err := validCall(c); err != nil {
				return err
			}
			key = callKey(c.Start, c.ID)
		}
		replaced := false
		for i := range c.Recordings {
			if c.Recordings[i].File == rec.File {
				c.Recordings[i], replaced = rec, true
			}
		}
		if !replaced {
			c.Recordings = append(c.Recordings, rec)
		}
		if err := putStoredCall(tx, key, c); err != nil {
			return err
		}
		if err := markOpenIn(tx, c); err != nil {
			return err
		}
		return s.indexCallIn(tx, c)
	})
	if err != nil {
		return fmt.Errorf("store: add recording to call %s: %w", callID, err)
	}
	return nil
}

func minimalCall(callID string, rec record.Recording) *record.Call {
	start := rec.Start
	if start.IsZero() {
		start = time.Now().UTC()
	}
	end := rec.End
	if end.IsZero() {
		end = start
	}
	c := &record.Call{ID: callID}
	c.Times = record.Times{Start: start, End: end}
	c.Outcome = record.Outcome{Disposition: record.DispositionInProgress}
	return c
}

// ForgetMedia drops what a call's audio gave, once retention has deleted
// the audio: its recordings, the transcript (and Transcribed), the bot's
// transcript in the handoff, and the text of the analysis (summary, intent,
// topics, action items, the words that made a category match, per-turn
// sentiment goes with the turns). The call record itself stays, with its
// times, path, outcome, wrap-ups, and the analysis' numbers (voice
// statistics, sentiment scores, category names, redaction counts), and
// Analysis.Error says MediaRemoved. A call without a record gives an error
// wrapping ErrNotFound.
func (s *Store) ForgetMedia(callID string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		c, key, err := storedCall(tx, callID)
		if err != nil {
			return err
		}
		if c == nil {
			return ErrNotFound
		}
		c.Recordings = nil
		c.Transcript = nil
		c.Transcribed = false
		if c.Handoff != nil {
			c.Handoff.Transcript = nil
		}
		if c.Analysis == nil {
			c.Analysis = &record.Analysis{Status: record.AnalysisFailed}
		}
		a := c.Analysis
		a.Summary, a.Intent, a.Topics, a.Actions = "", "", nil, nil
		for i := range a.Categories {
			a.Categories[i].Evidence = ""
		}
		a.Error = MediaRemoved
		// What redaction kept aside goes too, and the search index forgets the words.
		if b := tx.Bucket(bucketOriginals); b != nil {
			if err := b.Delete([]byte(callID)); err != nil {
				return err
			}
		}
		if err := putStoredCall(tx, key, c); err != nil {
			return err
		}
		return s.indexCallIn(tx, c)
	})
	if err != nil {
		return fmt.Errorf("store: forget media of call %s: %w", callID, err)
	}
	return nil
}

// storedCall reads call id's record as stored (without its wrap-ups merged
// in) and its key; nil when there is none.
func storedCall(tx *bolt.Tx, id string) (*record.Call, []byte, error) {
	key := tx.Bucket(bucketCallsByID).Get([]byte(id))
	if key == nil {
		return nil, nil, nil
	}
	key = append([]byte(nil), key...)
	v := tx.Bucket(bucketCalls).Get(key)
	if v == nil {
		return nil, nil, fmt.Errorf("index points at missing key %x: %w", key, ErrNotFound)
	}
	c, err := decodeCall(v)
	return c, key, err
}

func putStoredCall(tx *bolt.Tx, key []byte, c *record.Call) error {
	val, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketCalls).Put(key, val); err != nil {
		return err
	}
	return tx.Bucket(bucketCallsByID).Put([]byte(c.ID), key)
}

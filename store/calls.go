package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Dispositions of a call, as recorded in CallRecord.Disposition.
const (
	DispositionAnswered  = "answered"
	DispositionAbandoned = "abandoned"
	DispositionNoAgent   = "no_agent"
	DispositionTimeout   = "timeout"
	DispositionRejected  = "rejected"
	DispositionFailed    = "failed"
	DispositionCompleted = "completed"
	// DispositionTransferred: an external number the caller was transferred to answered.
	DispositionTransferred = "transferred"
)

// Parties that can end a call, as recorded in CallRecord.HangupBy.
const (
	HangupByCaller = "caller"
	HangupByAgent  = "agent"
	HangupByServer = "server"
	// HangupByNumber: an external number the caller was transferred to (ExternalTransfer.HangupBy).
	HangupByNumber = "number"
)

// CallRecord is the call detail record (CDR) of one inbound call.
type CallRecord struct {
	ID         string `json:"id"`          // our call id, also the SIP Call-ID of the inbound leg
	From       string `json:"from"`        // caller number
	To         string `json:"to"`          // called number
	FromURI    string `json:"from_uri"`    // full From URI of the inbound INVITE
	ToURI      string `json:"to_uri"`      // full To URI of the inbound INVITE
	SourceAddr string `json:"source_addr"` // signalling source ip:port

	Route string `json:"route"` // dialplan route that matched
	Flow  string `json:"flow"`  // flow the route started

	DialplanVersion int    `json:"dialplan_version"`
	DialplanHash    string `json:"dialplan_hash"`

	Path []PathStep `json:"path"` // nodes the call went through, in order

	Queue string `json:"queue,omitempty"`
	Agent string `json:"agent,omitempty"`

	Start       time.Time `json:"start"`                 // INVITE received; orders the calls listing
	Answer      time.Time `json:"answer,omitzero"`       // answered by the server; zero if never
	End         time.Time `json:"end"`                   // call torn down
	AgentAnswer time.Time `json:"agent_answer,omitzero"` // agent leg answered; zero if never
	WaitMs      int64     `json:"wait_ms"`               // time spent in queue

	Disposition string            `json:"disposition"`    // one of the Disposition constants
	HangupCause string            `json:"hangup_cause"`   // SIP reason or internal cause
	HangupBy    string            `json:"hangup_by"`      // one of the HangupBy constants
	Codec       string            `json:"codec"`          // negotiated codec of the inbound leg
	Vars        map[string]string `json:"vars,omitempty"` // flow variables at the end of the call

	Transcript       []Turn   `json:"transcript,omitempty"`        // what was said with the bot (and agent, where recorded)
	Handoff          *Handoff `json:"handoff,omitempty"`           // the bot's handoff packet, when it escalated
	Recording        string   `json:"recording,omitempty"`         // path of a recording or voicemail WAV
	AgentDisposition string   `json:"agent_disposition,omitempty"` // wrap-up code the agent chose
	AgentNotes       string   `json:"agent_notes,omitempty"`

	Transfers []ExternalTransfer `json:"transfers,omitempty"` // attempts to reach external numbers, in order
}

// Outcomes of an external transfer, as recorded in ExternalTransfer.Outcome.
const (
	TransferAnswered     = "answered"
	TransferBusy         = "busy"
	TransferNoAnswer     = "no_answer"
	TransferDeclined     = "declined"
	TransferCallerHangup = "caller_hangup" // the caller hung up while the number rang
	TransferNotAllowed   = "not_allowed"   // the trunk does not allow the number: never dialled
	TransferError        = "error"         // the trunk could not be used (unreachable, credentials refused…)
)

// ExternalTransfer is one attempt to hand the caller to an external number through a SIP trunk.
type ExternalTransfer struct {
	Number   string    `json:"number"`              // the number dialled
	Trunk    string    `json:"trunk"`               // the dialplan trunk it went through
	CallerID string    `json:"caller_id,omitempty"` // the number presented; empty for anonymous
	Outcome  string    `json:"outcome"`             // one of the Transfer* constants
	Cause    string    `json:"cause,omitempty"`     // why it was not answered, e.g. "busy (486 Busy Here)"
	Start    time.Time `json:"start"`               // dialling started
	Ringing  time.Time `json:"ringing,omitzero"`    // the far end reported ringing (180/183); zero if never
	Answer   time.Time `json:"answer,omitzero"`     // the far end answered; zero if never
	End      time.Time `json:"end"`                 // the attempt, or the call with the number, ended
	HangupBy string    `json:"hangup_by,omitempty"` // after an answer: caller, number or server
	Codec    string    `json:"codec,omitempty"`     // the far end's codec
}

// PathStep is one dialplan node a call went through.
type PathStep struct {
	Node string    `json:"node"`           // node id
	Type string    `json:"type"`           // node type
	Edge string    `json:"edge,omitempty"` // outcome that left the node; empty for the last node
	At   time.Time `json:"at"`             // when the node started
}

// ListOptions selects calls for ListCalls by start time.
type ListOptions struct {
	Since  time.Time // inclusive; zero means from the first call
	Until  time.Time // exclusive; zero means up to the last call
	Limit  int       // at most this many records; 0 means no limit
	Newest bool      // newest first instead of oldest first
}

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

func validCall(c *CallRecord) error {
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
func (s *Store) PutCall(c *CallRecord) error {
	if err := validCall(c); err != nil {
		return err
	}
	val, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("store: call %s: %w", c.ID, err)
	}
	key := callKey(c.Start, c.ID)
	err = s.db.Batch(func(tx *bolt.Tx) error {
		calls, byID := tx.Bucket(bucketCalls), tx.Bucket(bucketCallsByID)
		if old := byID.Get([]byte(c.ID)); old != nil && !bytes.Equal(old, key) {
			if err := calls.Delete(old); err != nil {
				return err
			}
		}
		if err := calls.Put(key, val); err != nil {
			return err
		}
		return byID.Put([]byte(c.ID), key)
	})
	if err != nil {
		return fmt.Errorf("store: put call %s: %w", c.ID, err)
	}
	return nil
}

// GetCall returns the record of call id, or an error wrapping ErrNotFound.
func (s *Store) GetCall(id string) (*CallRecord, error) {
	var c *CallRecord
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
		c, err = decodeCall(v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: call %s: %w", id, err)
	}
	return c, nil
}

// ListCalls returns calls whose Start lies in [Since, Until), in start order.
func (s *Store) ListCalls(opt ListOptions) ([]*CallRecord, error) {
	var out []*CallRecord
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
			if err != nil {
				return fmt.Errorf("key %x: %w", k, err)
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

func decodeCall(v []byte) (*CallRecord, error) {
	c := new(CallRecord)
	if err := json.Unmarshal(v, c); err != nil {
		return nil, fmt.Errorf("decode call record: %w", err)
	}
	return c, nil
}

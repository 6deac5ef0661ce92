package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

var bucketAgentStates = []byte("agent_states")

// Agent roles.
const (
	RoleAgent      = "agent"
	RoleSupervisor = "supervisor" // also sees the supervisor page
)

// AgentAccount is an agent's login account. Secrets are kept only as
// hashes: a bcrypt hash for the desktop login, the SIP digest HA1 for phones.
type AgentAccount struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	PasswordHash string         `json:"password_hash,omitempty"` // bcrypt
	HA1          string         `json:"ha1,omitempty"`           // MD5(id:realm:password) for SIP digest
	Role         string         `json:"role,omitempty"`          // agent (default) or supervisor
	Skills       map[string]int `json:"skills,omitempty"`        // skill → level 1-10
	Ring         string         `json:"ring,omitempty"`          // which device rings: web, sip (default: web when logged in there)
	Updated      time.Time      `json:"updated"`
}

// AgentState is one stored agent state change (for occupancy and AHT).
type AgentState struct {
	Agent  string    `json:"agent"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason,omitempty"`
	Call   string    `json:"call,omitempty"`
	At     time.Time `json:"at"`
}

func (s *Store) ensureAgentBuckets(tx *bolt.Tx) error {
	for _, b := range [][]byte{bucketAgents, bucketAgentStates} {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	return nil
}

// PutAgent creates or replaces an agent account.
func (s *Store) PutAgent(a *AgentAccount) error {
	if a.ID == "" {
		return errors.New("store: agent without id")
	}
	a.Updated = time.Now().UTC()
	val, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("store: agent %s: %w", a.ID, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := s.ensureAgentBuckets(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketAgents).Put([]byte(a.ID), val)
	})
	if err != nil {
		return fmt.Errorf("store: put agent %s: %w", a.ID, err)
	}
	return nil
}

// GetAgent returns one agent account, or ErrNotFound.
func (s *Store) GetAgent(id string) (*AgentAccount, error) {
	var a *AgentAccount
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAgents)
		if b == nil {
			return ErrNotFound
		}
		v := b.Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		a = &AgentAccount{}
		return json.Unmarshal(v, a)
	})
	if err != nil {
		return nil, fmt.Errorf("store: agent %s: %w", id, err)
	}
	return a, nil
}

// ListAgents returns every agent account, by id.
func (s *Store) ListAgents() ([]*AgentAccount, error) {
	var out []*AgentAccount
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAgents)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			a := &AgentAccount{}
			if err := json.Unmarshal(v, a); err != nil {
				return fmt.Errorf("agent %s: %w", k, err)
			}
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: list agents: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// AppendAgentState stores one state change, keyed by time so reports read a range.
func (s *Store) AppendAgentState(st AgentState) error {
	val, err := json.Marshal(st)
	if err != nil {
		return err
	}
	key := callKey(st.At, st.Agent) // time-ordered, unique per agent and instant
	err = s.db.Batch(func(tx *bolt.Tx) error {
		if err := s.ensureAgentBuckets(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketAgentStates).Put(key, val)
	})
	if err != nil {
		return fmt.Errorf("store: agent %s state: %w", st.Agent, err)
	}
	return nil
}

// AgentStates returns the state changes of agent (all agents when empty)
// from since on, oldest first, at most limit (0: no limit).
func (s *Store) AgentStates(agent string, since time.Time, limit int) ([]AgentState, error) {
	var out []AgentState
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAgentStates)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		k, v := c.First()
		if !since.IsZero() {
			k, v = c.Seek(callKey(since, ""))
		}
		for ; k != nil && (limit == 0 || len(out) < limit); k, v = c.Next() {
			var st AgentState
			if err := json.Unmarshal(v, &st); err != nil {
				return err
			}
			if agent == "" || st.Agent == agent {
				out = append(out, st)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: agent states: %w", err)
	}
	return out, nil
}

// SetWrapUp saves an agent's wrap-up (disposition code and notes) into a
// stored call record. ErrNotFound when the call has not been stored yet.
func (s *Store) SetWrapUp(callID, disposition, notes string) error {
	c, err := s.GetCall(callID)
	if err != nil {
		return err
	}
	c.AgentDisposition, c.AgentNotes = disposition, notes
	return s.PutCall(c)
}

package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/hotline-cc/hotline/record"
	bolt "go.etcd.io/bbolt"
)

var bucketAgentStates = []byte("agent_states")

// PutAgent creates or replaces an agent account.
func (s *Store) PutAgent(a *record.Agent) error {
	if a.ID == "" {
		return errors.New("store: agent without id")
	}
	a.Updated = time.Now().UTC()
	val, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("store: agent %s: %w", a.ID, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAgents).Put([]byte(a.ID), val)
	})
	if err != nil {
		return fmt.Errorf("store: put agent %s: %w", a.ID, err)
	}
	return nil
}

// GetAgent returns one agent account, or ErrNotFound.
func (s *Store) GetAgent(id string) (*record.Agent, error) {
	var a *record.Agent
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketAgents).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		a = &record.Agent{}
		return json.Unmarshal(v, a)
	})
	if err != nil {
		return nil, fmt.Errorf("store: agent %s: %w", id, err)
	}
	return a, nil
}

// ListAgents returns every agent account, by id.
func (s *Store) ListAgents() ([]*record.Agent, error) {
	var out []*record.Agent
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAgents).ForEach(func(k, v []byte) error {
			a := &record.Agent{}
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
func (s *Store) AppendAgentState(st record.AgentState) error {
	val, err := json.Marshal(st)
	if err != nil {
		return err
	}
	key := callKey(st.At, st.Agent) // time-ordered, unique per agent and instant
	err = s.db.Batch(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAgentStates).Put(key, val)
	})
	if err != nil {
		return fmt.Errorf("store: agent %s state: %w", st.Agent, err)
	}
	return nil
}

// AppendAgentStates keeps several state changes in one transaction: one commit (and one fsync)
// for a backlog, where AppendAgentState's batch waits its delay for each single writer.
func (s *Store) AppendAgentStates(sts []record.AgentState) error {
	vals := make([][]byte, len(sts))
	for i, st := range sts {
		v, err := json.Marshal(st)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAgentStates)
		for i, st := range sts {
			if err := b.Put(callKey(st.At, st.Agent), vals[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: %d agent state changes: %w", len(sts), err)
	}
	return nil
}

// AgentStates returns the state changes of agent (all agents when empty)
// from since on, oldest first, at most limit (0: no limit).
func (s *Store) AgentStates(agent string, since time.Time, limit int) ([]record.AgentState, error) {
	var out []record.AgentState
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAgentStates).Cursor()
		k, v := c.First()
		if !since.IsZero() {
			k, v = c.Seek(callKey(since, ""))
		}
		for ; k != nil && (limit == 0 || len(out) < limit); k, v = c.Next() {
			var st record.AgentState
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

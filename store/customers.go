package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/record"
)

var (
	bucketCustomers      = []byte("customers")       // id → record.Customer
	bucketCustomerIDs    = []byte("customer_ids")    // "phone:+86…", "email:…", "chat:site:user" → id
	bucketCustomerMerges = []byte("customer_merges") // id → record.Merge
)

// PutCustomer writes a profile and makes its identifiers lead to it. Identifiers it no longer
// has stop leading to it; an identifier another profile holds is taken over (the caller, the
// customer package, merges first when that is not what it wants).
func (s *Store) PutCustomer(c *record.Customer) error {
	if c == nil || c.ID == "" {
		return fmt.Errorf("store: put customer: no id: %w", ErrInvalid)
	}
	val, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("store: put customer %s: %w", c.ID, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := unindexCustomerIn(tx, c.ID); err != nil {
			return err
		}
		ids := tx.Bucket(bucketCustomerIDs)
		for _, k := range c.Keys() {
			if err := ids.Put([]byte(k), []byte(c.ID)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketCustomers).Put([]byte(c.ID), val)
	})
	if err != nil {
		return fmt.Errorf("store: put customer %s: %w", c.ID, err)
	}
	return nil
}

// unindexCustomerIn removes the index entries that lead to the stored profile id.
func unindexCustomerIn(tx *bolt.Tx, id string) error {
	v := tx.Bucket(bucketCustomers).Get([]byte(id))
	if v == nil {
		return nil
	}
	var old record.Customer
	if err := json.Unmarshal(v, &old); err != nil {
		return fmt.Errorf("decode %s: %w", id, err)
	}
	ids := tx.Bucket(bucketCustomerIDs)
	for _, k := range old.Keys() {
		if string(ids.Get([]byte(k))) == id {
			if err := ids.Delete([]byte(k)); err != nil {
				return err
			}
		}
	}
	return nil
}

// GetCustomer returns the profile id, or an error wrapping ErrNotFound.
func (s *Store) GetCustomer(id string) (*record.Customer, error) {
	var c *record.Customer
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCustomers).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		c = new(record.Customer)
		return json.Unmarshal(v, c)
	})
	if err != nil {
		return nil, fmt.Errorf("store: get customer %s: %w", id, err)
	}
	return c, nil
}

// CustomerByKey returns the profile an index key ("phone:+8613800138000") leads to, or an error
// wrapping ErrNotFound.
func (s *Store) CustomerByKey(key string) (*record.Customer, error) {
	var id string
	err := s.db.View(func(tx *bolt.Tx) error {
		id = string(tx.Bucket(bucketCustomerIDs).Get([]byte(key)))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: customer by %s: %w", key, err)
	}
	if id == "" {
		return nil, fmt.Errorf("store: customer by %s: %w", key, ErrNotFound)
	}
	return s.GetCustomer(id)
}

// DeleteCustomer removes the profile and its index entries. Deleting a missing profile is not
// an error, so an erase can be retried.
func (s *Store) DeleteCustomer(id string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := unindexCustomerIn(tx, id); err != nil {
			return err
		}
		return tx.Bucket(bucketCustomers).Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("store: delete customer %s: %w", id, err)
	}
	return nil
}

// PutMerge writes a merge record.
func (s *Store) PutMerge(m *record.Merge) error {
	if m == nil || m.ID == "" {
		return fmt.Errorf("store: put merge: no id: %w", ErrInvalid)
	}
	val, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("store: put merge %s: %w", m.ID, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCustomerMerges).Put([]byte(m.ID), val)
	})
	if err != nil {
		return fmt.Errorf("store: put merge %s: %w", m.ID, err)
	}
	return nil
}

// GetMerge returns the merge id, or an error wrapping ErrNotFound.
func (s *Store) GetMerge(id string) (*record.Merge, error) {
	var m *record.Merge
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCustomerMerges).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		m = new(record.Merge)
		return json.Unmarshal(v, m)
	})
	if err != nil {
		return nil, fmt.Errorf("store: get merge %s: %w", id, err)
	}
	return m, nil
}

// ListMerges returns the merges into profile into, in id order.
func (s *Store) ListMerges(into string) ([]*record.Merge, error) {
	var out []*record.Merge
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCustomerMerges).ForEach(func(k, v []byte) error {
			m := new(record.Merge)
			if err := json.Unmarshal(v, m); err != nil {
				return fmt.Errorf("merge %s: %w", k, err)
			}
			if into == "" || m.Into == into {
				out = append(out, m)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: list merges: %w", err)
	}
	return out, nil
}

// DeleteMerge removes a merge record (an erase removes the snapshots it holds).
func (s *Store) DeleteMerge(id string) error {
	err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketCustomerMerges).Delete([]byte(id)) })
	if err != nil {
		return fmt.Errorf("store: delete merge %s: %w", id, err)
	}
	return nil
}

package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/record"
)

// Chats while they live. A chat's messages are written one by one as they are accepted, keyed
// by chat id, a zero byte and the sequence number (big-endian), so the thread reads back in
// order with one cursor and a message never rewrites the others. Writes go through bbolt's
// Batch: a thousand chats typing at once share commits. chats_open lists the chats not ended,
// so a start restores them without reading every chat.
var (
	bucketChats        = []byte("chats")         // id → record.Chat
	bucketChatsOpen    = []byte("chats_open")    // id → nothing
	bucketChatMessages = []byte("chat_messages") // id 0 seq → record.ChatMessage
	bucketChatFiles    = []byte("chat_files")    // id 0 seq → image bytes
	bucketTasks        = []byte("tasks")         // id → record.Task
)

func chatMsgKey(id string, seq int64) []byte {
	k := make([]byte, 0, len(id)+9)
	k = append(k, id...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, uint64(seq))
}

// PutChat writes a chat's state. When it returns nil the state is on disk.
func (s *Store) PutChat(c *record.Chat) error {
	if c == nil || c.ID == "" {
		return fmt.Errorf("%w: chat without an id", ErrInvalid)
	}
	val, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("store: put chat %s: %w", c.ID, err)
	}
	err = s.db.Batch(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketChats).Put([]byte(c.ID), val); err != nil {
			return err
		}
		if c.State == record.ChatEnded {
			return tx.Bucket(bucketChatsOpen).Delete([]byte(c.ID))
		}
		return tx.Bucket(bucketChatsOpen).Put([]byte(c.ID), nil)
	})
	if err != nil {
		return fmt.Errorf("store: put chat %s: %w", c.ID, err)
	}
	return nil
}

// GetChat reads a chat's state; ErrNotFound when there is none.
func (s *Store) GetChat(id string) (*record.Chat, error) {
	var c *record.Chat
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketChats).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		c = &record.Chat{}
		return json.Unmarshal(v, c)
	})
	if err != nil {
		return nil, fmt.Errorf("store: chat %s: %w", id, err)
	}
	return c, nil
}

// OpenChats returns the chats not ended, oldest first: at a start, the chats to go on with.
func (s *Store) OpenChats() ([]*record.Chat, error) {
	var out []*record.Chat
	err := s.db.View(func(tx *bolt.Tx) error {
		chats := tx.Bucket(bucketChats)
		return tx.Bucket(bucketChatsOpen).ForEach(func(k, _ []byte) error {
			v := chats.Get(k)
			if v == nil {
				return nil
			}
			var c record.Chat
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode chat %s: %w", k, err)
			}
			out = append(out, &c)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: open chats: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out, nil
}

// AppendChatMessage writes one message of chat id, with the image it carries (nil: none).
// Writing the same message again (same seq) replaces it, as bbolt's Batch may need.
func (s *Store) AppendChatMessage(id string, m record.ChatMessage, image []byte) error {
	if id == "" || m.Seq <= 0 {
		return fmt.Errorf("%w: chat message needs a chat id and a sequence number", ErrInvalid)
	}
	val, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("store: chat %s message %d: %w", id, m.Seq, err)
	}
	k := chatMsgKey(id, m.Seq)
	err = s.db.Batch(func(tx *bolt.Tx) error {
		if image != nil {
			if err := tx.Bucket(bucketChatFiles).Put(k, image); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketChatMessages).Put(k, val)
	})
	if err != nil {
		return fmt.Errorf("store: chat %s message %d: %w", id, m.Seq, err)
	}
	return nil
}

// ChatMessages returns chat id's messages after sequence number after, in order.
func (s *Store) ChatMessages(id string, after int64) ([]record.ChatMessage, error) {
	var out []record.ChatMessage
	prefix := append([]byte(id), 0)
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketChatMessages).Cursor()
		for k, v := c.Seek(chatMsgKey(id, after+1)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var m record.ChatMessage
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode message %x: %w", k, err)
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: chat %s messages: %w", id, err)
	}
	return out, nil
}

// ChatImage returns the image of chat id's message seq; ErrNotFound when it has none.
func (s *Store) ChatImage(id string, seq int64) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketChatFiles).Get(chatMsgKey(id, seq))
		if v == nil {
			return ErrNotFound
		}
		out = bytes.Clone(v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: chat %s image %d: %w", id, seq, err)
	}
	return out, nil
}

// DeleteChat removes a chat, its messages and images (the right to erasure).
func (s *Store) DeleteChat(id string) error {
	prefix := append([]byte(id), 0)
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketChatMessages, bucketChatFiles} {
			c := tx.Bucket(b).Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		if err := tx.Bucket(bucketChatsOpen).Delete([]byte(id)); err != nil {
			return err
		}
		return tx.Bucket(bucketChats).Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("store: delete chat %s: %w", id, err)
	}
	return nil
}

// PutTask writes a task.
func (s *Store) PutTask(t *record.Task) error {
	if t == nil || t.ID == "" {
		return fmt.Errorf("%w: task without an id", ErrInvalid)
	}
	val, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("store: put task %s: %w", t.ID, err)
	}
	if err := s.db.Batch(func(tx *bolt.Tx) error { return tx.Bucket(bucketTasks).Put([]byte(t.ID), val) }); err != nil {
		return fmt.Errorf("store: put task %s: %w", t.ID, err)
	}
	return nil
}

// GetTask reads one task; ErrNotFound when there is none.
func (s *Store) GetTask(id string) (*record.Task, error) {
	var t *record.Task
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketTasks).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		t = &record.Task{}
		return json.Unmarshal(v, t)
	})
	if err != nil {
		return nil, fmt.Errorf("store: task %s: %w", id, err)
	}
	return t, nil
}

// Tasks lists the tasks, newest first; open: only those not done.
func (s *Store) Tasks(open bool, limit int) ([]*record.Task, error) {
	var out []*record.Task
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTasks).ForEach(func(_, v []byte) error {
			var t record.Task
			if err := json.Unmarshal(v, &t); err != nil {
				return err
			}
			if !open || t.Done.IsZero() {
				out = append(out, &t)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: tasks: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

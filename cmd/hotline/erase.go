package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hotline-cc/hotline/customer"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/recording"
	"github.com/hotline-cc/hotline/store"
)

// eraser is what a customer's erasure deletes besides the profile (customer.Eraser): each
// interaction's record, transcript, chat messages and images, and its recording files; and the
// offline messages the customer left.
type eraser struct {
	st         *store.Store
	recordings string // whole-call recordings directory
	country    string
	log        *slog.Logger
}

var _ customer.Eraser = eraser{}

func (e eraser) EraseInteraction(c *record.Call) error {
	if c.Channel == record.ChannelChat {
		if err := e.st.DeleteChat(c.ID); err != nil {
			return err
		}
	}
	var files []string
	for _, r := range c.Recordings {
		p, err := recording.Resolve(e.recordings, r.File)
		if err != nil {
			e.log.Warn("erase: recording outside the recordings directory left alone", "call_id", c.ID, "file", r.File)
			continue
		}
		files = append(files, p)
	}
	// A voicemail is saved as <call id>-<time>.wav wherever the dialplan said; only a file so
	// named is the call's to delete.
	if c.Recording != "" && strings.HasPrefix(filepath.Base(c.Recording), c.ID+"-") {
		files = append(files, c.Recording)
	}
	for _, f := range files {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove recording: %w", err)
		}
	}
	if err := e.st.DeleteCall(c.ID); err != nil {
		return err
	}
	e.log.Info("erase: interaction deleted", "call_id", c.ID, "channel", c.Channel, "files", len(files))
	return nil
}

func (e eraser) EraseTasks(c *record.Customer, chats []string) (int, error) {
	return e.st.DeleteTasks(func(t *record.Task) bool {
		if t.Chat != "" && slices.Contains(chats, t.Chat) {
			return true
		}
		if em, err := customer.NormalizeEmail(t.Email); err == nil && slices.Contains(c.Emails, em) {
			return true
		}
		ph, err := customer.Normalize(t.Phone, e.country)
		return err == nil && slices.Contains(c.Phones, ph)
	})
}

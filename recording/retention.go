package recording

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// Forgetter drops what was derived from a call's audio (its transcript and
// analysis text) when retention deletes the audio; store.Store is one.
type Forgetter interface {
	ForgetMedia(callID string) error
}

// Swept is what one retention sweep did.
type Swept struct {
	Deleted    int   // files deleted
	Freed      int64 // their bytes
	TotalBytes int64 // what the recordings take after the sweep (unfinished ones included)
}

// RunRetention sweeps the directory now and every interval until ctx is
// done. It does nothing when the retention keeps everything.
func (m *Manager) RunRetention(ctx context.Context, interval time.Duration, forget Forgetter) {
	r := m.opts.Retention
	if r.Days <= 0 && r.MaxBytes <= 0 {
		return
	}
	if interval <= 0 {
		interval = time.Hour
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if s, err := m.Sweep(forget); err != nil {
			m.log.Error("recording retention", "err", err, "deleted", s.Deleted)
		} else if s.Deleted > 0 {
			m.log.Info("recording retention", "deleted", s.Deleted, "freed_bytes", s.Freed, "total_bytes", s.TotalBytes)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// stored is one finished recording on disk.
type stored struct {
	path   string
	callID string
	mod    time.Time
	size   int64
}

// Sweep applies the retention once: it deletes the recordings older than
// Days (by the time the file was last written), then the oldest while all
// together take more than MaxBytes, and for each deleted file calls
// forget.ForgetMedia with its call id (forget may be nil). Recordings in
// progress (.part files) count toward the total but are never deleted.
func (m *Manager) Sweep(forget Forgetter) (Swept, error) {
	var files []stored
	var total int64
	var errs []error
	err := filepath.WalkDir(m.opts.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // gone meanwhile
		}
		total += info.Size()
		if strings.HasSuffix(p, ".wav") {
			files = append(files, stored{path: p, mod: info.ModTime(), size: info.Size()})
		}
		return nil
	})
	if err != nil {
		return Swept{}, fmt.Errorf("recording: retention: %w", err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod.Before(files[j].mod) })
	r := m.opts.Retention
	cutoff := time.Time{}
	if r.Days > 0 {
		cutoff = m.now().Add(-time.Duration(r.Days) * 24 * time.Hour)
	}
	var s Swept
	for _, f := range files {
		old := !cutoff.IsZero() && f.mod.Before(cutoff)
		over := r.MaxBytes > 0 && total > r.MaxBytes
		if !old && !over {
			break // sorted oldest first: the rest are newer and fit
		}
		f.callID = callIDOf(f.path)
		if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		total -= f.size
		s.Deleted++
		s.Freed += f.size
		removeEmptyDirs(m.opts.Dir, filepath.Dir(f.path))
		if forget != nil {
			// A file with no call record (a crash before it was added) has nothing to forget.
			if err := forget.ForgetMedia(f.callID); err != nil && !errors.Is(err, record.ErrNotFound) {
				errs = append(errs, fmt.Errorf("forget call %s: %w", f.callID, err))
			}
		}
	}
	s.TotalBytes = total
	if err := errors.Join(errs...); err != nil {
		return s, fmt.Errorf("recording: retention: %w", err)
	}
	return s, nil
}

// callIDOf reads the call id a recording names, else takes its file name.
func callIDOf(path string) string {
	if f, err := os.Open(path); err == nil {
		h, _, err := readHeaderFile(f)
		f.Close()
		if err == nil && h.callID != "" {
			return h.callID
		}
	}
	return strings.TrimSuffix(filepath.Base(path), ".wav")
}

// removeEmptyDirs removes dir and its parents up to root while they are empty.
func removeEmptyDirs(root, dir string) {
	root = filepath.Clean(root)
	for dir = filepath.Clean(dir); dir != root && strings.HasPrefix(dir, root); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil { // not empty
			return
		}
	}
}

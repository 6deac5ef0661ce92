package rules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce is how long the file must stay quiet after a change before it is read: editors save
// in several writes, or write a new file and rename it over the old one.
const debounce = 200 * time.Millisecond

// Live is the rules file as it is now: reloaded when it changes, keeping the last set that
// parsed when an edit does not. Its methods are safe for concurrent use.
type Live struct {
	path string
	log  *slog.Logger
	cur  atomic.Pointer[Set]

	mu      sync.Mutex    // serialises reloads; guards changed
	changed chan struct{} // closed at the next change
}

// Watch loads the rules file at path and reloads it whenever it changes, until ctx is done. It
// fails when the first load does. The directory is watched, not the file, so a save by rename
// is seen; where file watching is unavailable it says so and Reload still works.
func Watch(ctx context.Context, path string, log *slog.Logger) (*Live, error) {
	if log == nil {
		log = slog.Default()
	}
	l := &Live{path: path, log: log, changed: make(chan struct{})}
	if err := l.Reload(); err != nil {
		return nil, err
	}
	w, err := fsnotify.NewWatcher()
	if err == nil {
		if err = w.Add(filepath.Dir(path)); err != nil {
			w.Close()
		}
	}
	if err != nil {
		log.Warn("rules file watching unavailable; changes need a reload", "file", path, "error", err)
		return l, nil
	}
	go l.watch(ctx, w)
	return l, nil
}

// Current is the set in force.
func (l *Live) Current() *Set { return l.cur.Load() }

// Changed returns a channel that is closed when the next new set goes live. Call it again
// after that for the change after.
func (l *Live) Changed() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.changed
}

// Reload re-reads the file. A file with errors is refused: the errors are logged with their
// file:line and returned, and the current set stays. An unchanged file changes nothing.
func (l *Live) Reload() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, err := Load(l.path)
	if err != nil {
		if l.cur.Load() != nil {
			l.log.Error("rules file refused; the running rules stay", "file", l.path, "errors", err.Error())
		}
		return err
	}
	if cur := l.cur.Load(); cur != nil && cur.Hash() == s.Hash() {
		return nil
	}
	l.cur.Store(s)
	close(l.changed)
	l.changed = make(chan struct{})
	l.log.Info("rules live", "file", l.path, "rules", len(s.rules), "hash", s.Hash()[:12])
	return nil
}

func (l *Live) watch(ctx context.Context, w *fsnotify.Watcher) {
	defer w.Close()
	target := filepath.Clean(l.path)
	var quiet <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if filepath.Clean(ev.Name) == target && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) != 0 {
				quiet = time.After(debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			l.log.Warn("rules watch", "error", err)
		case <-quiet:
			quiet = nil
			if _, err := os.Stat(l.path); errors.Is(err, os.ErrNotExist) {
				continue // mid-save; the create event follows
			}
			_ = l.Reload()
		}
	}
}

// String names the file, for logs.
func (l *Live) String() string { return fmt.Sprintf("rules(%s)", l.path) }

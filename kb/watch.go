package kb

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long Watch waits after the last change before
// reindexing, so an editor's save (write, rename, chmod) costs one rebuild.
const DefaultDebounce = 300 * time.Millisecond

// Watch reindexes whenever the folder changes, until ctx is done. It
// returns once the watcher is set up; reindex errors are logged and the
// previous index stays in service.
func (ix *Index) Watch(ctx context.Context, debounce time.Duration) error {
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("kb: watch %s: %w", ix.opts.Dir, err)
	}
	add := func() error {
		return filepath.WalkDir(ix.opts.Dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			return w.Add(p)
		})
	}
	if err := add(); err != nil {
		w.Close()
		return fmt.Errorf("kb: watch %s: %w", ix.opts.Dir, err)
	}
	go func() {
		defer w.Close()
		timer := time.NewTimer(time.Hour)
		timer.Stop()
		defer timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if ev.Op&fsnotify.Create != 0 {
					_ = add() // a new subfolder
				}
				timer.Reset(debounce)
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				ix.log.Warn("knowledge base watcher error", "err", err)
			case <-timer.C:
				if err := ix.Reindex(ctx); err != nil {
					ix.log.Error("knowledge base reindex failed; keeping the previous index", "err", err)
				}
			}
		}
	}()
	return nil
}

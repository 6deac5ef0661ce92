package live

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce is how long the file must stay quiet after a change before it is reloaded: editors
// save in several writes, or by writing a new file and renaming it over the old one.
const debounce = 200 * time.Millisecond

// Watch reloads the dialplan when its file changes and whenever hup delivers (SIGHUP), until ctx
// is done. The directory is watched, not the file, so a save by rename is seen. Without file
// watching (fsnotify unavailable) it says so and still serves hup.
func (m *Manager) Watch(ctx context.Context, hup <-chan os.Signal) {
	var events <-chan fsnotify.Event
	var errs <-chan error
	w, err := fsnotify.NewWatcher()
	if err == nil {
		if err = w.Add(filepath.Dir(m.cfg.File)); err == nil {
			events, errs = w.Events, w.Errors
			defer w.Close()
		} else {
			w.Close()
		}
	}
	if err != nil {
		m.cfg.Log.Warn("dialplan file watching unavailable; reload with SIGHUP or the API", "error", err)
	}
	var quiet <-chan time.Time
	target := filepath.Clean(m.cfg.File)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			m.cfg.Log.Info("SIGHUP: reloading dialplan")
			_, _ = m.ReloadFile("SIGHUP")
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if filepath.Clean(ev.Name) == target && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) != 0 {
				quiet = time.After(debounce)
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			m.cfg.Log.Warn("dialplan watch", "error", err)
		case <-quiet:
			quiet = nil
			if _, err := os.Stat(m.cfg.File); errors.Is(err, os.ErrNotExist) {
				continue // mid-save; the create event follows
			}
			_, _ = m.ReloadFile("file change")
		}
	}
}

package rules

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log sink the watcher goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const ruleA = "rules:\n  - {id: a, name: A, queue: [support]}\n"
const ruleB = "rules:\n  - {id: b, name: B, queue: [support]}\n"
const broken = "rules:\n  - id: c\n    name: C\n    queu: [support]\n"

// waitFor fails the test if ch is not closed in a long while: the watcher is asynchronous.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("no change after %s", what)
	}
}

func ids(s *Set) string {
	var out []string
	for _, r := range s.Rules() {
		out = append(out, r.ID)
	}
	return strings.Join(out, ",")
}

func TestWatch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, []byte(ruleA), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l, err := Watch(ctx, path, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(l.Current()); got != "a" {
		t.Fatalf("first set %q", got)
	}

	// An edit goes live.
	changed := l.Changed()
	if err := os.WriteFile(path, []byte(ruleB), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, changed, "an edit")
	if got := ids(l.Current()); got != "b" {
		t.Fatalf("after edit %q", got)
	}

	// A broken edit is refused with its line, and the rules stay.
	hashB := l.Current().Hash()
	changed = l.Changed()
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	want := path + `:4: rule "c": unknown key "queu" (did you mean "queue"?)`
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "rules file refused") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "rules file refused") || !strings.Contains(logs.String(), `queu`) {
		t.Fatalf("refusal not logged:\n%s", logs.String())
	}
	err = l.Reload()
	if err == nil || err.Error() != want {
		t.Errorf("Reload: %v, want %s", err, want)
	}
	if l.Current().Hash() != hashB {
		t.Error("a broken file replaced the rules")
	}
	select {
	case <-changed:
		t.Error("a broken file signalled a change")
	default:
	}

	// A save by rename (as editors do) is seen, and fixes it.
	tmp := filepath.Join(dir, ".rules.yaml.tmp")
	if err := os.WriteFile(tmp, []byte(ruleA), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	waitFor(t, changed, "a rename")
	if got := ids(l.Current()); got != "a" {
		t.Fatalf("after rename %q", got)
	}

	// Reloading an unchanged file changes nothing.
	changed = l.Changed()
	if err := l.Reload(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
		t.Error("an unchanged file signalled a change")
	default:
	}
}

func TestWatchRefusesBrokenStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Watch(context.Background(), path, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), path+":4:") {
		t.Fatalf("Watch on a broken file: %v", err)
	}
	if _, err := Watch(context.Background(), filepath.Join(t.TempDir(), "missing.yaml"), nil); err == nil {
		t.Fatal("Watch on a missing file succeeded")
	}
}

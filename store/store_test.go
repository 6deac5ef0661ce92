package store

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "hotline.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestOpenCreatesDirectory(t *testing.T) {
	s, path := openTemp(t)
	if s.Path() != path {
		t.Fatalf("Path() = %q, want %q", s.Path(), path)
	}
}

func TestOpenLocked(t *testing.T) {
	_, path := openTemp(t)
	start := time.Now()
	s2, err := Open(path)
	if err == nil {
		s2.Close()
		t.Fatal("second Open of the same file succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	want := "store " + path + " is locked by another hotline process"
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %q, want it to contain %q", err, want)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("locked Open took %v", d)
	}
}

func TestReopenKeepsData(t *testing.T) {
	s, path := openTemp(t)
	c := sampleCall("call-1", time.Now())
	if err := s.PutCall(c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutDialplanVersion(&record.DialplanVersion{Source: []byte("a: 1\n"), Who: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.GetCall("call-1")
	if err != nil {
		t.Fatal(err)
	}
	assertCallEqual(t, got, c)
	v, err := s2.LatestDialplanVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.Number != 1 || string(v.Source) != "a: 1\n" {
		t.Fatalf("latest dialplan = %+v", v)
	}
}

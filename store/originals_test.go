package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

func TestOriginalsKeptAndForgottenWithTheMedia(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := &record.Call{ID: "c1", Times: record.Times{Start: start, End: start.Add(time.Minute)},
		Transcript: []record.Turn{{Speaker: record.SpeakerCaller, Text: "my number is [PHONE] parcel"}},
		Recordings: []record.Recording{{File: "a.wav", Start: start}}}
	if err := s.PutCall(c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Originals("c1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("before any: %v", err)
	}
	orig := []record.Turn{{Speaker: record.SpeakerCaller, Text: "my number is 13800138000 parcel"}}
	if err := s.PutOriginals("c1", orig); err != nil {
		t.Fatal(err)
	}
	got, err := s.Originals("c1")
	if err != nil || len(got) != 1 || got[0].Text != orig[0].Text {
		t.Fatalf("originals %+v %v", got, err)
	}
	if err := s.WaitSearch(); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := s.SearchCalls(record.CallFilter{Text: "parcel"}); n != 1 {
		t.Fatalf("search before forgetting: %d", n)
	}
	if err := s.ForgetMedia("c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Originals("c1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("originals after retention: %v", err)
	}
	if _, n, _ := s.SearchCalls(record.CallFilter{Text: "parcel"}); n != 0 {
		t.Errorf("search still finds the forgotten words (%d calls)", n)
	}
}

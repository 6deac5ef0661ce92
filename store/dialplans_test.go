package store

import (
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

func TestDialplanVersions(t *testing.T) {
	s, _ := openTemp(t)
	if _, err := s.LatestDialplanVersion(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("latest on empty store: err = %v, want ErrNotFound", err)
	}
	put := func(src, who string) int {
		t.Helper()
		n, err := s.PutDialplanVersion(&record.DialplanVersion{Source: []byte(src), Who: who, File: "dialplan.yaml"})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := put("routes: []\n", "startup"); n != 1 {
		t.Fatalf("first version = %d, want 1", n)
	}
	if n := put("routes: []\n", "reload"); n != 1 {
		t.Fatalf("unchanged reload got version %d, want 1", n)
	}
	if n := put("routes: [a]\n", "reload"); n != 2 {
		t.Fatalf("changed reload got version %d, want 2", n)
	}
	// Going back to an older content is a new version: only the newest is compared.
	if n := put("routes: []\n", "rollback"); n != 3 {
		t.Fatalf("rollback got version %d, want 3", n)
	}

	latest, err := s.LatestDialplanVersion()
	if err != nil {
		t.Fatal(err)
	}
	if latest.Number != 3 || latest.Who != "rollback" || string(latest.Source) != "routes: []\n" ||
		latest.File != "dialplan.yaml" || latest.Hash == "" || latest.At.IsZero() {
		t.Fatalf("latest = %+v", latest)
	}
	v1, err := s.GetDialplanVersion(1)
	if err != nil {
		t.Fatal(err)
	}
	if v1.Who != "startup" || v1.Hash != latest.Hash {
		t.Fatalf("v1 = %+v", v1)
	}
	if _, err := s.GetDialplanVersion(4); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing version: err = %v", err)
	}
	if _, err := s.GetDialplanVersion(0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("version 0: err = %v", err)
	}
	all, err := s.ListDialplanVersions()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].Number != 1 || all[2].Number != 3 {
		t.Fatalf("list = %+v", all)
	}
}

func TestDialplanVersionKeepsGivenFields(t *testing.T) {
	s, _ := openTemp(t)
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	src := []byte{0xff, 0xfe, 'a'} // not UTF-8: must survive byte for byte
	v := &record.DialplanVersion{Hash: "h1", At: at, Who: "ops", Source: src}
	n, err := s.PutDialplanVersion(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetDialplanVersion(n)
	if err != nil {
		t.Fatal(err)
	}
	if got.Hash != "h1" || !got.At.Equal(at) || string(got.Source) != string(src) || v.Number != n {
		t.Fatalf("got %+v", got)
	}
}

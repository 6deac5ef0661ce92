package store

import (
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

func TestScriptsSurviveReopen(t *testing.T) {
	s, path := openTemp(t)
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	old := &record.Script{ID: "rs-1", Intent: "refund", Lang: record.LangEnglish, Text: "v2", Status: record.ScriptApproved, Version: 2,
		History: []record.ScriptVersion{{Version: 1, Text: "v1"}, {Version: 2, Text: "v2"}}, Passages: []string{"returns.md: We refund"}, Updated: now}
	newer := &record.Script{ID: "rs-2", Intent: "delivery", Lang: record.LangChinese, Text: "您好", Status: record.ScriptDraft, Version: 1, Updated: now.Add(time.Minute)}
	for _, sc := range []*record.Script{old, newer} {
		if err := s.PutScript(sc); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutScript(&record.Script{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a script without an id: %v", err)
	}
	s.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.GetScript("rs-1")
	if err != nil || got.Version != 2 || len(got.History) != 2 || got.History[0].Text != "v1" || got.Passages[0] != "returns.md: We refund" {
		t.Fatalf("GetScript = %+v, %v", got, err)
	}
	if _, err := s.GetScript("rs-9"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown script: %v", err)
	}
	all, err := s.Scripts()
	if err != nil || len(all) != 2 || all[0].ID != "rs-2" {
		t.Fatalf("Scripts = %d, %v (newest change first)", len(all), err)
	}
}

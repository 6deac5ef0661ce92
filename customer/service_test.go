package customer

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/chat"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/store"
)

var _ chat.Customers = (*Service)(nil)

func newService(t *testing.T) (*Service, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st, "86", nil), st
}

func putCall(t *testing.T, st *store.Store, id string, at time.Time) {
	t.Helper()
	c := &record.Call{ID: id}
	c.Start, c.End, c.Disposition = at, at.Add(time.Minute), record.DispositionAnswered
	c.Analysis = &record.Analysis{Status: record.AnalysisDone, Summary: "wants money back",
		Sentiment: record.Sentiment{Label: "negative"}, Categories: []record.Category{{Name: "refund"}}}
	if err := st.PutCall(c); err != nil {
		t.Fatal(err)
	}
}

func TestIdentifyNewThenByPhone(t *testing.T) {
	s, st := newService(t)
	ctx := context.Background()
	now := time.Now().UTC()
	putCall(t, st, "c1", now.Add(-time.Hour))
	b, err := s.Identify(ctx, record.Identifiers{Phone: "138 0013 8000", Name: "Li Lei"}, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if b.ID == "" || b.Matched != "" || b.Name != "Li Lei" {
		t.Fatalf("new profile brief %+v", b)
	}
	putCall(t, st, "c2", now.Add(-30*time.Minute))
	b2, err := s.Identify(ctx, record.Identifiers{Phone: "sip:+8613800138000@10.1.1.1"}, "c2")
	if err != nil {
		t.Fatal(err)
	}
	if b2.ID != b.ID || b2.Matched != "phone +8613800138000" {
		t.Fatalf("second call %+v, want profile %s by phone", b2, b.ID)
	}
	if b2.Contacts != 2 || b2.Text != "2 contacts in 7 days, last: refund, negative" {
		t.Fatalf("brief %+v", b2)
	}
	tl, err := s.Timeline(b.ID)
	if err != nil || len(tl) != 2 || tl[0].ID != "c2" || tl[0].Channel != "voice" || tl[0].Summary != "wants money back" {
		t.Fatalf("timeline %+v %v", tl, err)
	}
	if _, err := s.Identify(ctx, record.Identifiers{Phone: "garbage"}, "c3"); !errors.Is(err, ErrNoIdentifier) {
		t.Fatalf("garbage phone: %v", err)
	}
}

func TestIdentifyMergesAndUnmergeRestores(t *testing.T) {
	s, st := newService(t)
	ctx := context.Background()
	now := time.Now().UTC()
	putCall(t, st, "call", now.Add(-2*time.Hour))
	putCall(t, st, "chat", now.Add(-time.Hour))
	byPhone, err := s.Identify(ctx, record.Identifiers{Phone: "13800138000"}, "call")
	if err != nil {
		t.Fatal(err)
	}
	byMail, err := s.Identify(ctx, record.Identifiers{Email: "Li@Example.com", Name: "Li"}, "chat")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(byMail.ID, Patch{Tags: &[]string{"vip"}}); err != nil {
		t.Fatal(err)
	}
	if byPhone.ID == byMail.ID {
		t.Fatal("two identifiers made one profile before anything linked them")
	}
	// A chat where the visitor gives both: the two profiles are one person.
	b, err := s.Identify(ctx, record.Identifiers{Phone: "+86 138 0013 8000", Email: "li@example.com"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != byPhone.ID || b.Contacts != 2 {
		t.Fatalf("merged brief %+v, want %s with 2 contacts", b, byPhone.ID)
	}
	merged, err := s.Get(byPhone.ID)
	if err != nil || len(merged.Emails) != 1 || len(merged.Tags) != 1 || merged.Name != "Li" {
		t.Fatalf("merged profile %+v %v", merged, err)
	}
	if _, err := s.Get(byMail.ID); !errors.Is(err, record.ErrNotFound) {
		t.Fatalf("absorbed profile still there: %v", err)
	}
	c, err := s.Lookup("", "li@example.com")
	if err != nil || c.ID != byPhone.ID {
		t.Fatalf("e-mail after merge: %v %v", c, err)
	}
	// Find the merge through the absorbed call: it is the one that moved it.
	ch, _ := st.GetCall("chat")
	if ch.CustomerID != byPhone.ID {
		t.Fatalf("chat's customer %q after merge", ch.CustomerID)
	}
	m := findMerge(t, s, byPhone.ID, byMail.ID)
	if !strings.Contains(m.Matched, "email li@example.com") || m.By != "auto" {
		t.Fatalf("merge explanation %+v", m)
	}

	back, err := s.Unmerge(m.ID, "sup1")
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != byMail.ID || back.Emails[0] != "li@example.com" {
		t.Fatalf("restored %+v", back)
	}
	c, err = s.Lookup("", "li@example.com")
	if err != nil || c.ID != byMail.ID {
		t.Fatalf("e-mail after unmerge leads to %v %v", c, err)
	}
	kept, _ := s.Get(byPhone.ID)
	if len(kept.Emails) != 0 || len(kept.Tags) != 0 || kept.Phones[0] != "+8613800138000" {
		t.Fatalf("surviving profile after unmerge %+v", kept)
	}
	ch, _ = st.GetCall("chat")
	if ch.CustomerID != byMail.ID {
		t.Fatalf("chat's customer %q after unmerge", ch.CustomerID)
	}
	if _, err := s.Unmerge(m.ID, "sup1"); !errors.Is(err, ErrUndone) {
		t.Fatalf("second undo: %v", err)
	}
}

// findMerge returns the merge of from into into, from the store's merges of into.
func findMerge(t *testing.T, s *Service, into, from string) *record.Merge {
	t.Helper()
	st := s.st.(*store.Store)
	ms, err := st.ListMerges(into)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.From == from {
			return m
		}
	}
	t.Fatalf("no merge of %s into %s in %+v", from, into, ms)
	return nil
}

func TestManualMergeExportErase(t *testing.T) {
	s, st := newService(t)
	a, err := s.Create(Patch{Name: ptr("A"), Phones: &[]string{"010-6552 9988"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(Patch{Phones: &[]string{"+861065529988"}}); !errors.Is(err, ErrConflict) {
		t.Fatalf("second profile with the same phone: %v", err)
	}
	if _, err := s.Create(Patch{Emails: &[]string{"not-an-address"}}); err == nil {
		t.Fatal("bad e-mail accepted")
	}
	b, err := s.Create(Patch{Emails: &[]string{"b@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	putCall(t, st, "cb", time.Now().UTC())
	if _, err := s.Identify(context.Background(), record.Identifiers{Email: "b@example.com"}, "cb"); err != nil {
		t.Fatal(err)
	}
	m, err := s.Merge(a.ID, b.ID, "sup1")
	if err != nil || m.By != "sup1" || len(m.Interactions) != 1 {
		t.Fatalf("merge %+v %v", m, err)
	}
	out, err := s.Export(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Customer record.Customer `json:"customer"`
		Timeline []Entry         `json:"timeline"`
	}
	if err := json.Unmarshal(out, &ex); err != nil || ex.Customer.ID != a.ID || len(ex.Timeline) != 1 {
		t.Fatalf("export %s %v", out, err)
	}
	if err := s.Erase(a.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup("+861065529988", ""); !errors.Is(err, record.ErrNotFound) {
		t.Fatalf("phone after erase: %v", err)
	}
	if ms, _ := st.ListMerges(""); len(ms) != 0 {
		t.Fatalf("merge snapshots kept after erase: %+v", ms)
	}
	if c, _ := st.GetCall("cb"); c.CustomerID != "" {
		t.Fatalf("call still linked to the erased profile: %q", c.CustomerID)
	}
}

func ptr[T any](v T) *T { return &v }

package replies_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/replies"
	"github.com/hotline-cc/hotline/store"
)

func newService(t *testing.T, cfg replies.Config) *replies.Service {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg.Store = st
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	cfg.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	s, err := replies.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func demoKB(t *testing.T) *kb.Index {
	t.Helper()
	ix, err := kb.Open(context.Background(), kb.Options{Dir: "../configs/kb", IndexFile: filepath.Join(t.TempDir(), "kb.json")})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestVersionsAndReview(t *testing.T) {
	s := newService(t, replies.Config{})
	sc, err := s.Create(replies.Draft{Intent: "Refund request", Lang: "en", Text: "Hello ${customer.name}, your refund is on its way."}, "sue")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Intent != "refund_request" || sc.Lang != record.LangEnglish || sc.Status != record.ScriptDraft || sc.Version != 1 || sc.Title == "" {
		t.Fatalf("created %+v", sc)
	}
	text := "Hi ${customer.name}, we refund within 14 days."
	sc, err = s.Edit(sc.ID, replies.Edit{Text: &text}, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Version != 2 || sc.Text != text || sc.Author != "bob" || len(sc.History) != 2 || sc.History[0].Text != "Hello ${customer.name}, your refund is on its way." {
		t.Fatalf("edited %+v", sc)
	}
	if !strings.HasPrefix(sc.Title, "Hi ") {
		t.Fatalf("the title taken from the text does not follow it: %q", sc.Title)
	}
	// Stored: a fresh read has both versions.
	got, err := s.Get(sc.ID)
	if err != nil || got.Version != 2 || len(got.History) != 2 {
		t.Fatalf("stored %+v %v", got, err)
	}

	b, _ := s.Create(replies.Draft{Intent: "refund_request", Lang: "zh-CN", Text: "您好，退款将在14天内到账。"}, "sue")
	c, _ := s.Create(replies.Draft{Intent: "delivery_delay", Lang: "en-US", Text: "Sorry for the delay."}, "sue")
	changed, err := s.Review([]string{sc.ID, b.ID}, replies.ActionApprove, "", "bob")
	if err != nil || len(changed) != 2 {
		t.Fatalf("approve: %v %v", changed, err)
	}
	if _, err := s.Review([]string{c.ID}, replies.ActionReject, "not our policy", "bob"); err != nil {
		t.Fatal(err)
	}
	c, _ = s.Get(c.ID)
	if c.Status != record.ScriptRetired || c.History[len(c.History)-1].Note != "rejected: not our policy" {
		t.Fatalf("rejected %+v", c)
	}
	// One unknown id fails the review before anything changes.
	if _, err := s.Review([]string{c.ID, "nope"}, replies.ActionApprove, "", "bob"); !replies.IsNotFound(err) {
		t.Fatalf("unknown id: %v", err)
	}
	if c2, _ := s.Get(c.ID); c2.Status != record.ScriptRetired || len(c2.History) != len(c.History) {
		t.Fatalf("a failed review changed %+v", c2)
	}
	if _, err := s.Review([]string{b.ID}, "publish", "", "bob"); err == nil {
		t.Fatal("an unknown action was accepted")
	}
	for f, want := range map[replies.Filter]int{
		{Status: record.ScriptApproved}: 2, {Status: record.ScriptRetired}: 1, {Intent: "refund request"}: 2,
		{Lang: "zh"}: 1, {Intent: "refund_request", Lang: "en-US", Status: record.ScriptApproved}: 1, {}: 3,
	} {
		list, err := s.List(f)
		if err != nil || len(list) != want {
			t.Errorf("List(%+v) = %d scripts, %v; want %d", f, len(list), err, want)
		}
	}
	if _, err := s.Create(replies.Draft{Intent: "x", Lang: "fr", Text: "Bonjour"}, "sue"); err == nil {
		t.Fatal("a French script was accepted")
	}
	if _, err := s.Create(replies.Draft{Intent: "x", Lang: "en", Text: "Hi", Tone: "angry"}, "sue"); err == nil {
		t.Fatal("an unknown tone was accepted")
	}
}

func TestQuickMatching(t *testing.T) {
	s := newService(t, replies.Config{})
	mk := func(intent, lang, text string, approve bool) *record.Script {
		sc, err := s.Create(replies.Draft{Intent: intent, Lang: lang, Text: text}, "sue")
		if err != nil {
			t.Fatal(err)
		}
		if approve {
			if _, err := s.Review([]string{sc.ID}, replies.ActionApprove, "", "bob"); err != nil {
				t.Fatal(err)
			}
		}
		return sc
	}
	en1 := mk("refund", "en", "English one", true)
	en2 := mk("refund", "en", "English two", true)
	zh := mk("refund", "zh", "中文", true)
	mk("refund", "en", "a draft", false)
	mk("delivery", "en", "other intent", true)
	for range 3 {
		if _, err := s.Use(en2.ID); err != nil {
			t.Fatal(err)
		}
	}
	q, err := s.Quick("Refund", "zh-CN", 0)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, sc := range q {
		ids = append(ids, sc.ID)
	}
	want := []string{zh.ID, en2.ID, en1.ID} // the caller's language first, then the most used
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("quick replies %v, want %v", ids, want)
	}
	if q, _ := s.Quick("refund", "en", 1); len(q) != 1 || q[0].ID != en2.ID || q[0].Uses != 3 {
		t.Fatalf("quick en limit 1: %+v", q)
	}
	if q, _ := s.Quick("unknown", "en", 0); len(q) != 0 {
		t.Fatalf("an unknown intent matched %d", len(q))
	}
}

func TestFill(t *testing.T) {
	got := replies.Fill("Dear ${customer.name}, order ${order} ships ${eta}; ${agent.name}", map[string]string{
		"customer.name": "Ann", "order": "NW-1001", "agent.name": " "})
	if want := "Dear Ann, order NW-1001 ships ${eta}; ${agent.name}"; got != want {
		t.Fatalf("Fill = %q, want %q", got, want)
	}
	if v := replies.Variables("${a} ${b.c} ${a} $x {y}"); strings.Join(v, ",") != "a,b.c" {
		t.Fatalf("Variables = %v", v)
	}
}

package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
	bolt "go.etcd.io/bbolt"
)

var s0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func searchCall(id string, minute int, dur time.Duration, mod func(*record.Call)) *record.Call {
	start := s0.Add(time.Duration(minute) * time.Minute)
	c := &record.Call{
		ID:      id,
		Parties: record.Parties{From: "+8613800138000", To: "4001"},
		Routing: record.Routing{Queue: "sales", Agent: "alice"},
		Times:   record.Times{Start: start, End: start.Add(dur), WaitMs: 1500},
		Outcome: record.Outcome{Disposition: record.DispositionAnswered},
	}
	if mod != nil {
		mod(c)
	}
	return c
}

func summaryIDs(page []record.CallSummary) []string {
	var out []string
	for _, s := range page {
		out = append(out, s.ID)
	}
	return out
}

func search(t *testing.T, s *Store, f record.CallFilter) ([]string, int) {
	t.Helper()
	page, total, err := s.SearchCalls(f)
	if err != nil {
		t.Fatal(err)
	}
	return summaryIDs(page), total
}

func fill(t *testing.T, s *Store) {
	t.Helper()
	calls := []*record.Call{
		searchCall("en-refund", 0, 3*time.Minute, func(c *record.Call) {
			c.Transcript = []record.Turn{{Speaker: record.SpeakerCaller, Text: "I want a refund for my broken headphones"},
				{Speaker: record.SpeakerAgent, Text: "Sure, I will process the refund today"}}
			c.Analysis = &record.Analysis{Status: record.AnalysisDone, Summary: "Caller asked for a refund.",
				Sentiment: record.Sentiment{Label: "negative"}, Categories: []record.Category{{Name: "complaint"}}}
			c.Recordings = []record.Recording{{File: "r/en-refund.wav"}}
		}),
		searchCall("zh-invoice", 10, 40*time.Second, func(c *record.Call) {
			c.From, c.Queue, c.Agent = "02161234567", "support", "bob"
			c.Transcript = []record.Turn{{Speaker: record.SpeakerCaller, Text: "我想开一张发票，订单号是八八六"}}
			c.Analysis = &record.Analysis{Status: record.AnalysisDone, Sentiment: record.Sentiment{Label: "neutral"}}
		}),
		searchCall("abandoned", 20, 10*time.Second, func(c *record.Call) {
			c.From, c.Agent, c.Queue = "anonymous", "", "support"
			c.Disposition = record.DispositionAbandoned
		}),
		searchCall("en-delivery", 30, 10*time.Minute, func(c *record.Call) {
			c.To = "4002"
			c.Transcript = []record.Turn{{Speaker: record.SpeakerCaller, Text: "Where is my delivery? The parcel is late."}}
		}),
	}
	for _, c := range calls {
		if err := s.PutCall(c); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSearchFilters(t *testing.T) {
	s, _ := openTemp(t)
	fill(t, s)
	cases := []struct {
		name string
		f    record.CallFilter
		want []string
	}{
		{"all newest first", record.CallFilter{}, []string{"en-delivery", "abandoned", "zh-invoice", "en-refund"}},
		{"since", record.CallFilter{Since: s0.Add(10 * time.Minute)}, []string{"en-delivery", "abandoned", "zh-invoice"}},
		{"until exclusive", record.CallFilter{Until: s0.Add(10 * time.Minute)}, []string{"en-refund"}},
		{"number digits of from", record.CallFilter{Number: "138-0013"}, []string{"en-delivery", "en-refund"}},
		{"number of to", record.CallFilter{Number: "4002"}, []string{"en-delivery"}},
		{"number without digits", record.CallFilter{Number: "Anonymous"}, []string{"abandoned"}},
		{"queue", record.CallFilter{Queue: "support"}, []string{"abandoned", "zh-invoice"}},
		{"agent", record.CallFilter{Agent: "bob"}, []string{"zh-invoice"}},
		{"disposition", record.CallFilter{Disposition: record.DispositionAbandoned}, []string{"abandoned"}},
		{"category", record.CallFilter{Category: "complaint"}, []string{"en-refund"}},
		{"sentiment", record.CallFilter{Sentiment: "neutral"}, []string{"zh-invoice"}},
		{"min duration", record.CallFilter{MinDuration: time.Minute}, []string{"en-delivery", "en-refund"}},
		{"max duration", record.CallFilter{MaxDuration: time.Minute}, []string{"abandoned", "zh-invoice"}},
		{"text en stemmed", record.CallFilter{Text: "refunds"}, []string{"en-refund"}},
		{"text summary", record.CallFilter{Text: "asked"}, []string{"en-refund"}},
		{"text all terms", record.CallFilter{Text: "refund parcel"}, nil},
		{"text zh", record.CallFilter{Text: "发票"}, []string{"zh-invoice"}},
		{"text zh not adjacent", record.CallFilter{Text: "票开"}, nil},
		{"text and filter", record.CallFilter{Text: "late delivery", Queue: "sales"}, []string{"en-delivery"}},
		{"text and filter excluding", record.CallFilter{Text: "refund", Queue: "support"}, nil},
		{"unknown term", record.CallFilter{Text: "xylophone"}, nil},
		{"stopwords only", record.CallFilter{Text: "the"}, []string{"en-delivery", "abandoned", "zh-invoice", "en-refund"}},
	}
	for _, tc := range cases {
		got, total := search(t, s, tc.f)
		if !slices.Equal(got, tc.want) || total != len(tc.want) {
			t.Errorf("%s: got %v (total %d), want %v", tc.name, got, total, tc.want)
		}
	}
	page, _, _ := s.SearchCalls(record.CallFilter{Text: "refund"})
	want := record.CallSummary{ID: "en-refund", Start: s0, End: s0.Add(3 * time.Minute), From: "+8613800138000", To: "4001",
		Queue: "sales", Agent: "alice", Disposition: "answered", DurationMs: 180000, WaitMs: 1500,
		Categories: []string{"complaint"}, Sentiment: "negative", Summary: "Caller asked for a refund.",
		AnalysisStatus: record.AnalysisDone, HasRecording: true}
	if fmt.Sprint(page[0]) != fmt.Sprint(want) {
		t.Errorf("summary\n got %+v\nwant %+v", page[0], want)
	}
}

func TestSearchPagination(t *testing.T) {
	s, _ := openTemp(t)
	var calls []*record.Call
	for i := range 25 {
		calls = append(calls, searchCall(fmt.Sprintf("c%02d", i), i, time.Minute, func(c *record.Call) {
			c.Transcript = []record.Turn{{Text: "billing question"}}
		}))
	}
	if err := s.PutCalls(calls); err != nil {
		t.Fatal(err)
	}
	var all []string
	for off := 0; ; off += 10 {
		got, total := search(t, s, record.CallFilter{Text: "billing", Limit: 10, Offset: off})
		if total != 25 {
			t.Fatalf("total %d, want 25", total)
		}
		if len(got) == 0 {
			break
		}
		all = append(all, got...)
	}
	if len(all) != 25 || all[0] != "c24" || all[24] != "c00" {
		t.Fatalf("pages gave %v", all)
	}
	if got, total := search(t, s, record.CallFilter{}); len(got) != DefaultSearchLimit && len(got) != 25 || total != 25 {
		t.Fatalf("default page: %d of %d", len(got), total)
	}
}

func TestSearchIndexFollowsUpdates(t *testing.T) {
	s, path := openTemp(t)
	fill(t, s)
	// Analysis results stored with UpdateCall.
	err := s.UpdateCall("en-delivery", func(c *record.Call) error {
		c.Analysis = &record.Analysis{Status: record.AnalysisDone, Summary: "Parcel tracking",
			Sentiment: record.Sentiment{Label: "positive"}, Categories: []record.Category{{Name: "delivery"}}}
		c.Transcript[0].Text = "Where is my order?"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := search(t, s, record.CallFilter{Category: "delivery", Sentiment: "positive"}); !slices.Equal(got, []string{"en-delivery"}) {
		t.Fatalf("after update, category search: %v", got)
	}
	if got, _ := search(t, s, record.CallFilter{Text: "late"}); got != nil {
		t.Fatalf("a word the update removed still finds %v", got)
	}
	if got, _ := search(t, s, record.CallFilter{Text: "order tracking"}); !slices.Equal(got, []string{"en-delivery"}) {
		t.Fatalf("new words: %v", got)
	}
	// A wrap-up's notes, code and agent become searchable.
	if err := s.PutWrapUp("abandoned", record.WrapUp{Agent: "carol", Disposition: "callback", Notes: "call back about warranty 保修"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []record.CallFilter{{Text: "warranty"}, {Text: "保修"}, {Agent: "carol"}, {Disposition: "callback"}} {
		if got, _ := search(t, s, f); !slices.Equal(got, []string{"abandoned"}) {
			t.Fatalf("after wrap-up, %+v: %v", f, got)
		}
	}
	// A wrap-up saved before its call's record is indexed when the record comes.
	if err := s.PutWrapUp("late", record.WrapUp{Agent: "dave", Disposition: "sale", Notes: "upsell"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCall(searchCall("late", 40, time.Minute, nil)); err != nil {
		t.Fatal(err)
	}
	if got, _ := search(t, s, record.CallFilter{Text: "upsell", Agent: "dave"}); !slices.Equal(got, []string{"late"}) {
		t.Fatalf("wrap-up before record: %v", got)
	}
	// A rewrite with another start moves the call in the order; the old entry is gone.
	moved := searchCall("en-refund", 50, time.Minute, nil)
	if err := s.PutCall(moved); err != nil {
		t.Fatal(err)
	}
	if got, total := search(t, s, record.CallFilter{Limit: 1}); got[0] != "en-refund" || total != 5 {
		t.Fatalf("after rewrite: %v of %d", got, total)
	}
	if got, _ := search(t, s, record.CallFilter{Text: "headphones"}); got != nil {
		t.Fatalf("rewritten call found by its old transcript: %v", got)
	}
	// The index reloads the same from disk.
	before, _ := search(t, s, record.CallFilter{Text: "warranty"})
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	after, total := search(t, s2, record.CallFilter{Text: "warranty"})
	if !slices.Equal(before, after) {
		t.Fatalf("after reopen %v, before %v", after, before)
	}
	if _, total = search(t, s2, record.CallFilter{}); total != 5 {
		t.Fatalf("after reopen %d calls, want 5", total)
	}
	if err := s2.UpdateCall("missing", func(*record.Call) error { return nil }); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("update of a missing call: %v", err)
	}
}

func TestUpdateCallErrorWritesNothing(t *testing.T) {
	s, _ := openTemp(t)
	fill(t, s)
	err := s.UpdateCall("zh-invoice", func(c *record.Call) error {
		c.Queue = "changed"
		return fmt.Errorf("engine failed")
	})
	if err == nil {
		t.Fatal("no error")
	}
	c, _ := s.GetCall("zh-invoice")
	if c.Queue != "support" {
		t.Fatalf("queue %q after a failed update", c.Queue)
	}
	if got, _ := search(t, s, record.CallFilter{Queue: "changed"}); got != nil {
		t.Fatalf("index took a failed update: %v", got)
	}
}

func TestSearchIndexBuiltForOldFile(t *testing.T) {
	s, path := openTemp(t)
	fill(t, s)
	// A file from before the search index: no entries and no meta mark.
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketCallSearch, bucketCallTerms} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Delete(metaSearchBuilt)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got, _ := search(t, s2, record.CallFilter{Text: "发票"}); !slices.Equal(got, []string{"zh-invoice"}) {
		t.Fatalf("old file: %v", got)
	}
}

func TestSearchIndexCompacts(t *testing.T) {
	s, _ := openTemp(t)
	fill(t, s)
	// Rewrite one call often enough that dead docs outnumber live ones past the threshold.
	if err := s.WaitSearch(); err != nil {
		t.Fatal(err)
	}
	for i := range 10050 {
		c := searchCall("zh-invoice", 10, time.Minute, func(c *record.Call) {
			c.Transcript = []record.Turn{{Text: fmt.Sprintf("version v%d", i)}}
		})
		e := summarize(c)
		e.Ver = 1<<40 + uint64(i) // newer than any stored entry
		s.applySearch(e)          // the index side of a write, without 10,000 commits
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.search.mu.RLock()
		n, dead, busy := len(s.search.docs), s.search.dead, s.search.rebuilding
		s.search.mu.RUnlock()
		if !busy && dead < 10000 {
			if n > 10 {
				t.Logf("after compaction %d docs, %d dead", n, dead)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no compaction: %d docs, %d dead", n, dead)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The rebuild read the stored entries and replayed what came meanwhile; with no stored
	// write for the later versions, the newest applied one must still win.
	if got, _ := search(t, s, record.CallFilter{Text: "v10049"}); !slices.Equal(got, []string{"zh-invoice"}) {
		t.Fatalf("newest version after compaction: %v", got)
	}
	if got, total := search(t, s, record.CallFilter{}); total != 4 {
		t.Fatalf("%d calls after compaction, want 4: %v", total, got)
	}
}

func FuzzSearchText(f *testing.F) {
	s, _ := openTemp(f)
	for i, text := range []string{"refund for broken headphones", "我想开一张发票", "delivery is late, 包裹没到", "address status"} {
		err := s.PutCall(searchCall(fmt.Sprintf("f%d", i), i, time.Minute, func(c *record.Call) {
			c.Transcript = []record.Turn{{Text: text}}
		}))
		if err != nil {
			f.Fatal(err)
		}
	}
	for _, q := range []string{"refund", "发票", "包裹 late", "", "the", "ADDRESS", "\xff\xfe", "票"} {
		f.Add(q, "13800", 0)
	}
	f.Fuzz(func(t *testing.T, text, number string, offset int) {
		page, total, err := s.SearchCalls(record.CallFilter{Text: text, Number: number, Offset: offset % 10})
		if err != nil {
			t.Fatal(err)
		}
		if total < len(page) || total > 4 {
			t.Fatalf("page %d, total %d", len(page), total)
		}
		// Every hit contains every term of the query.
		terms := SearchTerms(text)
		for _, sum := range page {
			c, err := s.GetCall(sum.ID)
			if err != nil {
				t.Fatal(err)
			}
			have := SearchTerms(c.Transcript[0].Text)
			for _, term := range terms {
				if !slices.Contains(have, term) {
					t.Fatalf("query %q: call %s lacks term %q", text, sum.ID, term)
				}
			}
		}
	})
}

func TestFirstK(t *testing.T) {
	less := func(a, b uint32) bool { return a%97 < b%97 || a%97 == b%97 && a < b }
	for _, n := range []int{0, 1, 5, 100, 1000} {
		for _, k := range []int{1, 3, 50, 2000} {
			v := make([]uint32, n)
			for i := range v {
				v[i] = uint32(i*7919) % 1009
			}
			want := slices.Clone(v)
			slices.SortFunc(want, func(a, b uint32) int { return cmpBy(less, a, b) })
			want = want[:min(k, n)]
			if got := firstK(v, min(k, n), less); !slices.Equal(got, want) {
				t.Fatalf("n=%d k=%d: got %v, want %v", n, k, got, want)
			}
		}
	}
}

func TestWritesWhileIndexLoads(t *testing.T) {
	s, path := openTemp(t)
	var calls []*record.Call
	for i := range 3000 {
		calls = append(calls, searchCall(fmt.Sprintf("w%04d", i), i, time.Minute, func(c *record.Call) {
			c.Transcript = []record.Turn{{Text: "original words"}}
		}))
	}
	if err := s.PutCalls(calls); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	// Written at once, most likely while the index is still loading in the background.
	for _, id := range []string{"w0000", "w1500", "w2999"} {
		err := s2.UpdateCall(id, func(c *record.Call) error {
			c.Transcript[0].Text = "rewritten " + id
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, total := search(t, s2, record.CallFilter{Text: "rewritten"}); total != 3 || got[0] != "w2999" {
		t.Fatalf("rewritten: %v (%d)", got, total)
	}
	if _, total := search(t, s2, record.CallFilter{Text: "original"}); total != 2997 {
		t.Fatalf("original: %d, want 2997", total)
	}
}

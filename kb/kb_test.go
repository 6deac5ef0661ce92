package kb

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/openaicompat"
)

const demoDir = "../configs/kb"

func openDemo(t testing.TB) *Index {
	t.Helper()
	ix, err := Open(context.Background(), Options{Dir: demoDir})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestTokenize(t *testing.T) {
	got := Tokenize("What are the Returns policies? 退货政策")
	for _, want := range []string{"return", "policy", "退货", "货政", "政策", "退"} {
		if !slices.Contains(got, want) {
			t.Errorf("Tokenize missing %q: %v", want, got)
		}
	}
	for _, stop := range []string{"what", "are", "the"} {
		if slices.Contains(got, stop) {
			t.Errorf("stopword %q kept: %v", stop, got)
		}
	}
	if q := queryTerms("退货"); !slices.Equal(q, []string{"退货"}) {
		t.Errorf("query terms = %v, want bigram only", q)
	}
	if q := queryTerms("退"); !slices.Equal(q, []string{"退"}) {
		t.Errorf("single-character query = %v", q)
	}
}

func TestChunkDoc(t *testing.T) {
	long := strings.Repeat("This sentence fills a paragraph. ", 30)
	doc := "# Returns\nIntro line.\n\n## Refunds\n" + long + "\n\nShort closing paragraph.\n\n### Cards\nCard refunds take days.\n"
	chunks := chunkDoc("r.md", doc)
	if chunks[0].Heading != "Returns" || chunks[0].Text != "Intro line." {
		t.Errorf("first chunk = %+v", chunks[0])
	}
	var refunds, cards int
	for _, c := range chunks {
		if n := len([]rune(c.Text)); n > targetChunk+10 {
			t.Errorf("chunk of %d runes: %q", n, c.Text[:40])
		}
		switch c.Heading {
		case "Returns › Refunds":
			refunds++
		case "Returns › Refunds › Cards":
			cards++
		}
	}
	if refunds < 2 || cards != 1 {
		t.Errorf("refunds chunks %d (want ≥2 for %d runes), cards %d: %+v", refunds, len(long), cards, chunks)
	}
}

func TestSearchBilingual(t *testing.T) {
	ix := openDemo(t)
	cases := []struct {
		q, doc, text string
	}{
		{"when is customer service open on saturday", "en/hours.md", "Saturday from 9 am"},
		{"how much does express shipping cost", "en/shipping.md", "9.95"},
		{"how long do refunds take", "en/returns.md", "14 days"},
		{"I was charged twice", "en/billing.md", "charged twice"},
		{"how long is the warranty on a sofa", "en/warranty.md", ""},
		{"你们周六几点开门", "zh/hours.md", "周六"},
		{"退货要多久才能退款", "zh/returns.md", "退款"},
		{"运费多少钱", "zh/shipping.md", "运费"},
		{"我被重复扣款了怎么办", "zh/billing.md", "扣款"},
		{"怎么转人工", "zh/contact.md", "转人工"},
	}
	for _, c := range cases {
		hits := ix.Search(c.q, 3)
		if len(hits) == 0 {
			t.Errorf("%q: no hits", c.q)
			continue
		}
		h := hits[0]
		if h.Doc != c.doc || !strings.Contains(h.Text, c.text) {
			t.Errorf("%q: top hit %s [%s] %q", c.q, h.Doc, h.Heading, h.Text)
		}
		if h.Confidence < 0.3 {
			t.Errorf("%q: confidence %.2f for a question the KB answers", c.q, h.Confidence)
		}
	}
}

func TestSearchOutsideKBHasLowConfidence(t *testing.T) {
	ix := openDemo(t)
	for _, q := range []string{"what is the capital of mongolia", "can I bring my dog to the cinema", "火星上有没有水"} {
		hits := ix.Search(q, 1)
		if len(hits) > 0 && hits[0].Confidence >= 0.3 {
			t.Errorf("%q: confidence %.2f from %s %q", q, hits[0].Confidence, hits[0].Doc, hits[0].Text)
		}
	}
}

func copyDemo(t *testing.T) string {
	dir := t.TempDir()
	for _, sub := range []string{"en", "zh"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
		files, _ := os.ReadDir(filepath.Join(demoDir, sub))
		for _, f := range files {
			b, _ := os.ReadFile(filepath.Join(demoDir, sub, f.Name()))
			os.WriteFile(filepath.Join(dir, sub, f.Name()), b, 0o644)
		}
	}
	return dir
}

func TestIndexPersistedAndReused(t *testing.T) {
	dir := copyDemo(t)
	idx := filepath.Join(t.TempDir(), "kb-index.json")
	if _, err := Open(context.Background(), Options{Dir: dir, IndexFile: idx}); err != nil {
		t.Fatal(err)
	}
	// Mark the persisted index, so a reload from it is visible.
	b, err := os.ReadFile(idx)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "On Thursdays it stays open", "On Zebradays it stays open", 1))
	os.WriteFile(idx, b, 0o644)

	ix, err := Open(context.Background(), Options{Dir: dir, IndexFile: idx})
	if err != nil {
		t.Fatal(err)
	}
	if h := ix.Search("zebradays", 1); len(h) == 0 {
		t.Fatal("unchanged folder was reindexed instead of loading the index file")
	}
	// A changed folder ignores the stale file.
	os.WriteFile(filepath.Join(dir, "en", "new.md"), []byte("# Gift cards\nGift cards never expire."), 0o644)
	ix, _ = Open(context.Background(), Options{Dir: dir, IndexFile: idx})
	if h := ix.Search("zebradays", 1); len(h) != 0 {
		t.Error("stale index file used after the folder changed")
	}
	if h := ix.Search("gift cards expire", 1); len(h) == 0 || h[0].Doc != "en/new.md" {
		t.Errorf("new document not indexed: %+v", h)
	}
}

func TestWatchReindexes(t *testing.T) {
	dir := copyDemo(t)
	ix, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := ix.Watch(ctx, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "zh", "giftcard.md"), []byte("# 礼品卡\n礼品卡永久有效，可以在网店和展厅使用。"), 0o644)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if h := ix.Search("礼品卡有效期", 1); len(h) > 0 && h[0].Doc == "zh/giftcard.md" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("new document not searchable 5 s after it was written")
}

// fakeEmbedder maps texts to a tiny vector space: does it mention sofas / money.
func embedServer(t *testing.T) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		type item struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
			Object    string    `json:"object"`
		}
		var data []item
		for i, s := range req.Input {
			s = strings.ToLower(s)
			v := []float32{0.1, 0, 0}
			if strings.Contains(s, "couch") || strings.Contains(s, "sofa") {
				v[1] = 1
			}
			if strings.Contains(s, "warranty") {
				v[2] = 1
			}
			data = append(data, item{Index: i, Embedding: v, Object: "embedding"})
		}
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": "fake"})
	}))
}

func TestHybridSearch(t *testing.T) {
	srv := embedServer(t)
	defer srv.Close()
	emb, err := NewOpenAIEmbedder(openaicompat.Endpoint{BaseURL: srv.URL + "/v1", Model: "fake"})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Open(context.Background(), Options{Dir: demoDir, Embedder: emb})
	if err != nil {
		t.Fatal(err)
	}
	hits := ix.Search("couch warranty years", 3)
	if len(hits) == 0 || hits[0].Doc != "en/warranty.md" || !strings.Contains(hits[0].Text, "sofas") {
		t.Fatalf("hybrid top hit = %+v", hits)
	}
}

func BenchmarkSearch(b *testing.B) {
	ix := openDemo(b)
	qs := []string{"what are your opening hours", "how do I return an item", "退货要多久", "express delivery cost"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ix.Search(qs[i%len(qs)], 3)
	}
}

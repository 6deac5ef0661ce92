package kb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure an Index.
type Options struct {
	// Dir is the folder of .md / .markdown / .txt documents (subfolders included).
	Dir string
	// IndexFile is where the chunked index (and any embeddings) is
	// persisted, e.g. "data/kb-index.json"; "" keeps it in memory only.
	IndexFile string
	// Embedder, when set, re-ranks BM25 candidates by meaning.
	Embedder Embedder
	// HybridWeight is the share of cosine similarity in the hybrid score
	// (0..1); default 0.5 when an Embedder is set.
	HybridWeight float64
	Logger       *slog.Logger
}

// Hit is one retrieved passage.
type Hit struct {
	Doc     string
	Heading string
	Text    string
	Lang    string  // LangZh or LangOther
	Score   float64 // BM25 (or hybrid) score; only comparable within one search
	// Confidence in [0,1]: the idf-weighted share of the query's terms that
	// this passage contains (blended with cosine similarity in hybrid mode).
	// Below LowConfidence the passage is unlikely to answer the question.
	Confidence float64
}

// Index is a BM25 index over a folder. Search is safe for concurrent use
// and never blocks on a reindex: a rebuilt index replaces the old one whole.
type Index struct {
	opts Options
	log  *slog.Logger
	cur  atomic.Pointer[snapshot]
	mu   sync.Mutex // serialises rebuilds
}

// snapshot is one immutable build of the index.
type snapshot struct {
	fingerprint string
	chunks      []Chunk
	vectors     [][]float32 // per chunk, when embeddings are on
	postings    map[string][]posting
	lens        []int
	avgLen      float64
}

type posting struct {
	chunk int
	tf    int
}

const (
	bm25K1 = 1.2
	bm25B  = 0.75
	// kindBoost multiplies the score of a passage stating the kind of fact
	// the question asks for.
	kindBoost = 1.5
)

// Open indexes opts.Dir, reusing the persisted index when the folder has
// not changed since it was written.
func Open(ctx context.Context, opts Options) (*Index, error) {
	if opts.Dir == "" {
		return nil, errors.New("kb: no folder configured")
	}
	if opts.Embedder != nil && opts.HybridWeight <= 0 {
		opts.HybridWeight = 0.5
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	ix := &Index{opts: opts, log: log.With("component", "kb", "dir", opts.Dir)}
	if err := ix.Reindex(ctx); err != nil {
		return nil, err
	}
	return ix, nil
}

// Len is the number of chunks indexed.
func (ix *Index) Len() int { return len(ix.cur.Load().chunks) }

// Reindex reads the folder again and swaps the new index in. Unchanged
// folders (same names, sizes, modification times) keep the current index.
func (ix *Index) Reindex(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	files, fp, err := scan(ix.opts.Dir)
	if err != nil {
		return err
	}
	if cur := ix.cur.Load(); cur != nil && cur.fingerprint == fp {
		return nil
	}
	if s, ok := ix.loadPersisted(fp); ok {
		ix.cur.Store(s)
		ix.log.Info("knowledge base loaded from index file", "chunks", len(s.chunks), "file", ix.opts.IndexFile)
		return nil
	}
	start := time.Now()
	var chunks []Chunk
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(ix.opts.Dir, f))
		if err != nil {
			return fmt.Errorf("kb: read %s: %w", f, err)
		}
		chunks = append(chunks, chunkDoc(f, string(b))...)
	}
	s := build(fp, chunks)
	if ix.opts.Embedder != nil {
		texts := make([]string, len(chunks))
		for i, c := range chunks {
			texts[i] = c.Heading + "\n" + c.Text
		}
		if s.vectors, err = ix.opts.Embedder.Embed(ctx, texts); err != nil {
			// Keyword search still works; say so and carry on.
			ix.log.Warn("knowledge base embeddings failed, using BM25 only", "err", err)
			s.vectors = nil
		}
	}
	ix.cur.Store(s)
	ix.persist(s)
	ix.log.Info("knowledge base indexed", "docs", len(files), "chunks", len(chunks), "took", time.Since(start))
	return nil
}

// scan lists the documents and fingerprints the folder.
func scan(dir string) ([]string, string, error) {
	var files []string
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".md", ".markdown", ".txt":
		default:
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files = append(files, filepath.ToSlash(rel))
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", rel, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("kb: scan %s: %w", dir, err)
	}
	return files, hex.EncodeToString(h.Sum(nil)), nil
}

func build(fp string, chunks []Chunk) *snapshot {
	s := &snapshot{fingerprint: fp, chunks: chunks, postings: map[string][]posting{}, lens: make([]int, len(chunks))}
	total := 0
	for i, c := range chunks {
		terms := Tokenize(c.Heading + " " + c.Text)
		s.lens[i] = len(terms)
		total += len(terms)
		tf := map[string]int{}
		for _, t := range terms {
			tf[t]++
		}
		for t, n := range tf {
			s.postings[t] = append(s.postings[t], posting{chunk: i, tf: n})
		}
	}
	if len(chunks) > 0 {
		s.avgLen = float64(total) / float64(len(chunks))
	}
	return s
}

// persisted is the index file's content. Postings are rebuilt on load (a few
// milliseconds); what is expensive to redo is the embeddings.
type persisted struct {
	Version     int         `json:"version"`
	Fingerprint string      `json:"fingerprint"`
	Chunks      []Chunk     `json:"chunks"`
	Vectors     [][]float32 `json:"vectors,omitempty"`
}

const persistVersion = 2 // 2: paragraph-and-language chunks, synonyms

func (ix *Index) loadPersisted(fp string) (*snapshot, bool) {
	if ix.opts.IndexFile == "" {
		return nil, false
	}
	b, err := os.ReadFile(ix.opts.IndexFile)
	if err != nil {
		return nil, false
	}
	var p persisted
	if err := json.Unmarshal(b, &p); err != nil || p.Version != persistVersion || p.Fingerprint != fp {
		return nil, false
	}
	if ix.opts.Embedder != nil && len(p.Vectors) != len(p.Chunks) {
		return nil, false
	}
	s := build(fp, p.Chunks)
	if ix.opts.Embedder != nil {
		s.vectors = p.Vectors
	}
	return s, true
}

func (ix *Index) persist(s *snapshot) {
	if ix.opts.IndexFile == "" {
		return
	}
	b, err := json.Marshal(persisted{Version: persistVersion, Fingerprint: s.fingerprint, Chunks: s.chunks, Vectors: s.vectors})
	if err == nil {
		tmp := ix.opts.IndexFile + ".tmp"
		if err = os.MkdirAll(filepath.Dir(ix.opts.IndexFile), 0o755); err == nil {
			if err = os.WriteFile(tmp, b, 0o644); err == nil {
				err = os.Rename(tmp, ix.opts.IndexFile)
			}
		}
	}
	if err != nil {
		ix.log.Warn("knowledge base index not persisted", "file", ix.opts.IndexFile, "err", err)
	}
}

// Search returns up to k passages for query, best first. Only passages in
// the query's language are returned (a Chinese question gets Chinese
// passages of a bilingual knowledge base), and passages that state the kind
// of fact the question asks for (a price for "how much", a duration for
// "how long") rank ahead of those that do not.
func (ix *Index) Search(query string, k int) []Hit {
	return ix.SearchContext(context.Background(), query, k)
}

// SearchContext is Search with a context for the embeddings request.
func (ix *Index) SearchContext(ctx context.Context, query string, k int) []Hit {
	s := ix.cur.Load()
	if s == nil || k <= 0 || len(s.chunks) == 0 {
		return nil
	}
	terms := dedupe(queryTerms(query))
	if len(terms) == 0 {
		return nil
	}
	n := float64(len(s.chunks))
	scores := map[int]float64{}
	matched := map[int]float64{} // idf mass of query terms present
	var idfTotal float64
	covered := coveredHan(terms, s.postings)
	for _, t := range terms {
		ps := s.postings[t]
		df := float64(len(ps))
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		idfTotal += idf * artifactWeight(t, ps, covered)
		for _, p := range ps {
			tf := float64(p.tf)
			norm := tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*float64(s.lens[p.chunk])/s.avgLen))
			scores[p.chunk] += idf * norm
			matched[p.chunk] += idf
		}
	}
	lang, kind := Lang(query), QuestionKind(query)
	hits := make([]Hit, 0, len(scores))
	for i, sc := range scores {
		c := s.chunks[i]
		if lang != "" && c.Lang != "" && c.Lang != lang {
			continue
		}
		if kind != KindAny && kind.In(c.Text) {
			sc *= kindBoost
		}
		hits = append(hits, Hit{Doc: c.Doc, Heading: c.Heading, Text: c.Text, Lang: c.Lang, Score: sc, Confidence: min(1, matched[i]/idfTotal)})
	}
	byScore := func(a, b Hit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Doc+a.Heading+a.Text, b.Doc+b.Heading+b.Text)
	}
	slices.SortFunc(hits, byScore)
	if s.vectors != nil && ix.opts.Embedder != nil {
		hits = ix.rerank(ctx, s, query, hits)
	}
	if len(hits) > k {
		hits = hits[:k]
	}
	return hits
}

// rerank blends BM25 (scaled to the best candidate) with cosine similarity
// over the top candidates.
func (ix *Index) rerank(ctx context.Context, s *snapshot, query string, hits []Hit) []Hit {
	const candidates = 20
	if len(hits) > candidates {
		hits = hits[:candidates]
	}
	qv, err := ix.opts.Embedder.Embed(ctx, []string{query})
	if err != nil || len(qv) != 1 {
		ix.log.Warn("knowledge base query embedding failed, BM25 only", "err", err)
		return hits
	}
	idx := map[string]int{}
	for i, c := range s.chunks {
		idx[c.Doc+"\x00"+c.Heading+"\x00"+c.Text] = i
	}
	best := hits[0].Score
	w := ix.opts.HybridWeight
	for i := range hits {
		ci := idx[hits[i].Doc+"\x00"+hits[i].Heading+"\x00"+hits[i].Text]
		cos := cosine(qv[0], s.vectors[ci])
		hits[i].Score = (1-w)*hits[i].Score/best + w*cos
		hits[i].Confidence = (1-w)*hits[i].Confidence + w*math.Max(cos, 0)
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].Score > hits[b].Score })
	return hits
}

func cosine(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// coveredHan is the set of Chinese characters of the query that sit in a
// query bigram the index knows.
func coveredHan(terms []string, postings map[string][]posting) map[rune]bool {
	covered := map[rune]bool{}
	for _, t := range terms {
		if r := []rune(t); len(r) == 2 && isHan(r[0]) && len(postings[t]) > 0 {
			covered[r[0]], covered[r[1]] = true, true
		}
	}
	return covered
}

// artifactWeight is how much a query term the index lacks counts against
// confidence. A Chinese bigram that straddles two known words ("上可" of
// "晚上可以") is an artifact of cutting text without word boundaries and
// counts nothing; one half inside a known word counts half; a term with no
// known neighbour ("滑板" of "电动滑板车") is a concept the knowledge base
// lacks and counts in full.
func artifactWeight(t string, ps []posting, covered map[rune]bool) float64 {
	r := []rune(t)
	if len(ps) > 0 || len(r) != 2 || !isHan(r[0]) {
		return 1
	}
	switch {
	case covered[r[0]] && covered[r[1]]:
		return 0
	case covered[r[0]] || covered[r[1]]:
		return 0.5
	}
	return 1
}

func dedupe(terms []string) []string {
	seen := map[string]bool{}
	out := terms[:0]
	for _, t := range terms {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// LowConfidence is the Hit.Confidence below which a passage probably does
// not answer the question; the bot escalates or says it does not know. It
// is calibrated on the dev split of the bilingual evaluation set
// (kb/testdata/eval, see dialog/README.md).
const LowConfidence = 0.35

package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/record"
	bolt "go.etcd.io/bbolt"
)

// Call search. The calls page filters and full-text searches every stored call, so it must not
// decode call records (transcripts make them large). Each call has a compact search entry in
// call_search (its summary fields, JSON) and its index terms in call_terms (space-separated,
// raw: it is derived data, and JSON-decoding it would double the load time), both written in
// the transaction that writes the call (PutCall, EndCall, UpdateCall, PutWrapUp). At Open the
// entries are loaded into memory, in the background so the server starts at once (SearchCalls
// waits until the load is done): the summaries as a slice of docs and an inverted index term →
// doc numbers. A query intersects the posting lists of its terms, checks the filters on the
// candidates and picks the newest page from the matches; a query without text checks the
// filters on every doc, a pass over plain structs, not over bbolt. An inverted index in bbolt
// was the other choice: it would cost hundreds of random key writes per call written and a
// cursor walk per term per query, where the in-memory one costs the load at start (about 5 s
// and 110 MB of heap for 100,000 calls on a slow 2-core machine; see BENCHMARKS.md).
//
// Updates never edit a posting list in place: a rewritten call gets a new doc number and its old
// doc is marked dead (posting lists stay sorted and appends are cheap). When the dead outnumber
// the live, the index is rebuilt from the buckets in the background, with updates made meanwhile
// replayed into the new index before it replaces the old one; the first load is the same
// rebuild.
//
// A file written before these buckets existed gets its entries at its first Open, in one pass
// over the stored calls (decoding every record once), marked done in meta.
//
// An entry's version is call_search's bucket sequence, taken inside the writing transaction:
// bbolt runs one writer at a time, so versions grow in commit order, and survive restarts. The
// in-memory index is updated after commit (tx.OnCommit), where two commits may land out of
// order, and keeps the entry with the higher version.
var (
	bucketCallSearch = []byte("call_search")
	bucketCallTerms  = []byte("call_terms")
	metaSearchBuilt  = []byte("search_index")
)

// DefaultSearchLimit is the page size SearchCalls uses when the filter gives none.
const DefaultSearchLimit = 50

// searchEntry is a call's stored search entry.
type searchEntry struct {
	Ver uint64 `json:"v"`
	record.CallSummary
	Agents       []string `json:"agents,omitempty"`       // the call's agent and its wrap-up agents
	Dispositions []string `json:"dispositions,omitempty"` // the call's disposition and its wrap-up codes
	Terms        string   `json:"-"`                      // index terms, space-separated, each once (in call_terms)
	// Deleted says the call's record is gone (DeleteCall): the index forgets it.
	Deleted bool `json:"-"`
}

// doc is a search entry in memory.
type doc struct {
	sum          record.CallSummary
	start        int64 // unix ns
	ver          uint64
	fromDigits   string
	toDigits     string
	agents       []string
	dispositions []string
	dead         bool
}

type searchIndex struct {
	mu       sync.RWMutex
	docs     []doc
	byID     map[string]uint32
	postings map[string][]uint32
	dead     int
	// log collects the entries applied while a rebuild runs, to replay into the new index.
	rebuilding bool
	log        []*searchEntry
	ready      chan struct{} // closed when the first load is done
}

func newSearchIndex() *searchIndex {
	return &searchIndex{byID: map[string]uint32{}, postings: map[string][]uint32{}, ready: make(chan struct{})}
}

func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// add applies e under ix.mu (held by the caller); it reports whether the index should be rebuilt.
func (ix *searchIndex) add(e *searchEntry) bool {
	if n, ok := ix.byID[e.ID]; ok {
		if ix.docs[n].ver >= e.Ver {
			return false
		}
		ix.docs[n].dead = true
		ix.dead++
	}
	if e.Deleted {
		delete(ix.byID, e.ID)
		if ix.rebuilding {
			ix.log = append(ix.log, e)
		}
		return false
	}
	n := uint32(len(ix.docs))
	ix.docs = append(ix.docs, doc{
		sum: e.CallSummary, start: e.Start.UnixNano(), ver: e.Ver,
		fromDigits: digitsOf(e.From), toDigits: digitsOf(e.To),
		agents: e.Agents, dispositions: e.Dispositions,
	})
	ix.byID[e.ID] = n
	for t := range strings.SplitSeq(e.Terms, " ") {
		if t == "" {
			continue
		}
		p, ok := ix.postings[t]
		if !ok {
			t = strings.Clone(t) // the key must not pin the entry's whole terms string
		}
		ix.postings[t] = append(p, n)
	}
	if ix.rebuilding {
		ix.log = append(ix.log, e)
	}
	live := len(ix.docs) - ix.dead
	return !ix.rebuilding && ix.dead > 10000 && ix.dead > live
}

// applySearch adds e to the index after the transaction that wrote it committed.
func (s *Store) applySearch(e *searchEntry) {
	s.search.mu.Lock()
	rebuild := s.search.add(e)
	if rebuild {
		s.search.rebuilding = true
	}
	s.search.mu.Unlock()
	if rebuild {
		go func() {
			if err := s.rebuildSearch(); err != nil {
				s.searchErr.Store(&err)
			}
		}()
	}
}

// rebuildSearch builds the in-memory index from the stored entries: the first load, and a
// compaction when dead docs pile up. s.search.rebuilding is set by the caller.
func (s *Store) rebuildSearch() error {
	var fresh *searchIndex
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		fresh, err = loadIndex(tx)
		return err
	})
	s.search.mu.Lock()
	defer s.search.mu.Unlock()
	log := s.search.log
	s.search.rebuilding, s.search.log = false, nil
	if err != nil {
		return fmt.Errorf("store: build search index: %w", err)
	}
	for _, e := range log {
		fresh.add(e)
	}
	s.search.docs, s.search.byID, s.search.postings, s.search.dead = fresh.docs, fresh.byID, fresh.postings, fresh.dead
	return nil
}

// loadIndex reads every search entry in tx into a new index. Decoding and indexing are most of
// the time of a start, so workers share them, each building an index of its own entries; the
// parts are then joined.
func loadIndex(tx *bolt.Tx) (*searchIndex, error) {
	type raw struct{ k, v, terms []byte } // valid while tx is open, which outlasts the workers
	workers := min(max(runtime.GOMAXPROCS(0), 1), 8)
	chunks := make(chan []raw, workers)
	parts := make([]*searchIndex, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		parts[w] = newSearchIndex()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range chunks {
				for _, r := range chunk {
					if errs[w] != nil {
						continue // drain, so the reader is never stuck
					}
					e := new(searchEntry)
					if err := json.Unmarshal(r.v, e); err != nil {
						errs[w] = fmt.Errorf("search entry %q: %w", r.k, err)
						continue
					}
					e.Terms = string(r.terms)
					parts[w].add(e)
				}
			}
		}()
	}
	terms := tx.Bucket(bucketCallTerms).Cursor()
	tk, tv := terms.First()
	var chunk []raw
	cur := tx.Bucket(bucketCallSearch).Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		// Both buckets are keyed by call id, so one cursor walks beside the other.
		for tk != nil && bytes.Compare(tk, k) < 0 {
			tk, tv = terms.Next()
		}
		r := raw{k: k, v: v}
		if bytes.Equal(tk, k) {
			r.terms = tv
		}
		if chunk = append(chunk, r); len(chunk) == 512 {
			chunks <- chunk
			chunk = nil
		}
	}
	chunks <- chunk
	close(chunks)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return joinIndexes(parts), nil
}

// joinIndexes joins indexes of distinct calls: the docs of each part are numbered after the
// last part's, so each posting list, copied part after part, stays sorted.
func joinIndexes(parts []*searchIndex) *searchIndex {
	out := parts[0]
	for _, p := range parts[1:] {
		base := uint32(len(out.docs))
		out.docs = append(out.docs, p.docs...)
		out.dead += p.dead
		for id, n := range p.byID {
			out.byID[id] = base + n
		}
		for t, list := range p.postings {
			dst := out.postings[t]
			for _, n := range list {
				dst = append(dst, base+n)
			}
			out.postings[t] = dst
		}
	}
	return out
}

// loadSearch fills the search buckets from the calls of a file written before they existed,
// then starts loading the index.
func (s *Store) loadSearch() error {
	s.search = newSearchIndex()
	err := s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta).Get(metaSearchBuilt) != nil {
			return nil
		}
		err := tx.Bucket(bucketCalls).ForEach(func(k, v []byte) error {
			c, err := decodeCall(v)
			if err != nil {
				return fmt.Errorf("key %x: %w", k, err)
			}
			return s.indexCallIn(tx, c)
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(metaSearchBuilt, []byte("1"))
	})
	if err != nil {
		return fmt.Errorf("index stored calls: %w", err)
	}
	s.search.rebuilding = true // writes made while it loads are replayed into it
	go func() {
		defer close(s.search.ready)
		if err := s.rebuildSearch(); err != nil {
			s.searchErr.Store(&err)
		}
	}()
	return nil
}

// WaitSearch blocks until the search index has loaded after Open, and returns the error of
// that load if it failed.
func (s *Store) WaitSearch() error {
	<-s.search.ready
	if p := s.searchErr.Load(); p != nil {
		return *p
	}
	return nil
}

// summarize builds the search entry of c (with its wrap-ups merged in).
func summarize(c *record.Call) *searchEntry {
	e := &searchEntry{CallSummary: record.CallSummary{
		ID: c.ID, Start: c.Start, End: c.End, From: c.From, To: c.To, Queue: c.Queue, Agent: c.Agent,
		Disposition: c.Disposition, WaitMs: c.WaitMs, HasRecording: len(c.Recordings) > 0 || c.Recording != "",
	}}
	if !c.End.IsZero() && c.End.After(c.Start) {
		e.DurationMs = c.End.Sub(c.Start).Milliseconds()
	}
	seen := map[string]bool{}
	var terms []string
	index := func(text string) {
		for _, t := range kb.Tokenize(text) {
			if !seen[t] {
				seen[t] = true
				terms = append(terms, t)
			}
		}
	}
	if c.Agent != "" {
		e.Agents = append(e.Agents, c.Agent)
	}
	if c.Disposition != "" {
		e.Dispositions = append(e.Dispositions, c.Disposition)
	}
	for _, w := range c.WrapUps {
		if w.Agent != "" && !slices.Contains(e.Agents, w.Agent) {
			e.Agents = append(e.Agents, w.Agent)
		}
		if w.Disposition != "" && !slices.Contains(e.Dispositions, w.Disposition) {
			e.Dispositions = append(e.Dispositions, w.Disposition)
		}
		index(w.Notes)
	}
	if len(c.WrapUps) == 0 {
		index(c.AgentNotes)
	}
	for _, t := range c.Transcript {
		index(t.Text)
	}
	if a := c.Analysis; a != nil {
		e.AnalysisStatus, e.Summary, e.Sentiment = a.Status, a.Summary, a.Sentiment.Label
		for _, cat := range a.Categories {
			if !slices.Contains(e.Categories, cat.Name) {
				e.Categories = append(e.Categories, cat.Name)
			}
		}
		index(a.Summary)
	}
	e.Terms = strings.Join(terms, " ")
	return e
}

// indexCallIn writes the search entry of c in tx and has the index take it once tx commits.
func (s *Store) indexCallIn(tx *bolt.Tx, c *record.Call) error {
	merged := *c
	if err := withWrapUps(tx, &merged); err != nil {
		return err
	}
	e := summarize(&merged)
	b := tx.Bucket(bucketCallSearch)
	ver, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Ver = ver
	val, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("search entry of call %s: %w", c.ID, err)
	}
	if err := b.Put([]byte(c.ID), val); err != nil {
		return err
	}
	if err := tx.Bucket(bucketCallTerms).Put([]byte(c.ID), []byte(e.Terms)); err != nil {
		return err
	}
	if s.search != nil {
		tx.OnCommit(func() { s.applySearch(e) })
	}
	return nil
}

// reindexCallIn rewrites the search entry of call id from its stored record, if it has one
// (a wrap-up may be saved before its call's record).
func (s *Store) reindexCallIn(tx *bolt.Tx, id string) error {
	key := tx.Bucket(bucketCallsByID).Get([]byte(id))
	if key == nil {
		return nil
	}
	v := tx.Bucket(bucketCalls).Get(key)
	if v == nil {
		return nil
	}
	c, err := decodeCall(v)
	if err != nil {
		return err
	}
	return s.indexCallIn(tx, c)
}

// UpdateCall reads call id (with its wrap-ups), lets fn change it and writes it back, all in one
// transaction, so two updaters never lose each other's changes and the search index stays in
// step. If fn returns an error nothing is written and UpdateCall returns it wrapped. fn must
// not change the call's ID.
func (s *Store) UpdateCall(id string, fn func(*record.Call) error) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		key := tx.Bucket(bucketCallsByID).Get([]byte(id))
		if key == nil {
			return ErrNotFound
		}
		v := tx.Bucket(bucketCalls).Get(key)
		if v == nil {
			return fmt.Errorf("index points at missing key %x: %w", key, ErrNotFound)
		}
		c, err := decodeCall(v)
		if err != nil {
			return err
		}
		if err := withWrapUps(tx, c); err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		if c.ID != id {
			return fmt.Errorf("%w: update changed the call id to %q", ErrInvalid, c.ID)
		}
		if err := validCall(c); err != nil {
			return err
		}
		val, err := json.Marshal(c)
		if err != nil {
			return err
		}
		return s.putCallIn(tx, c, val)
	})
	if err != nil {
		return fmt.Errorf("store: update call %s: %w", id, err)
	}
	return nil
}

// PutCalls writes many call records in one transaction: for imports and benchmarks, where one
// commit per call would be one fsync per call.
func (s *Store) PutCalls(calls []*record.Call) error {
	for _, c := range calls {
		if err := validCall(c); err != nil {
			return err
		}
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, c := range calls {
			val, err := json.Marshal(c)
			if err != nil {
				return fmt.Errorf("call %s: %w", c.ID, err)
			}
			if err := s.putCallIn(tx, c, val); err != nil {
				return fmt.Errorf("call %s: %w", c.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put %d calls: %w", len(calls), err)
	}
	return nil
}

// SearchTerms returns the index terms of a search text, each once: what SearchCalls requires
// every matching call to contain.
func SearchTerms(text string) []string {
	var out []string
	for _, t := range kb.Tokenize(text) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// SearchCalls returns the page of calls matching f, newest first, and how many match in all.
// A text whose words are all stopwords has no terms and does not narrow the search.
func (s *Store) SearchCalls(f record.CallFilter) (page []record.CallSummary, total int, err error) {
	if err := s.WaitSearch(); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	offset := max(f.Offset, 0)
	terms := SearchTerms(f.Text)
	m := newMatcher(f)

	ix := s.search
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var hits []uint32
	if len(terms) > 0 {
		lists := make([][]uint32, 0, len(terms))
		for _, t := range terms {
			p := ix.postings[t]
			if len(p) == 0 {
				return nil, 0, nil
			}
			lists = append(lists, p)
		}
		slices.SortFunc(lists, func(a, b []uint32) int { return len(a) - len(b) })
		for i := len(lists[0]) - 1; i >= 0; i-- { // newest written first: nearly sorted for the sort below
			n := lists[0][i]
			if ix.docs[n].dead || !m.match(&ix.docs[n]) || !inAll(n, lists[1:]) {
				continue
			}
			hits = append(hits, n)
		}
	} else {
		for i := len(ix.docs) - 1; i >= 0; i-- {
			if d := &ix.docs[i]; !d.dead && m.match(d) {
				hits = append(hits, uint32(i))
			}
		}
	}
	newer := func(a, b uint32) bool { // a lists before b: newest first, ties by id
		da, db := &ix.docs[a], &ix.docs[b]
		if da.start != db.start {
			return da.start > db.start
		}
		return da.sum.ID > db.sum.ID
	}
	total = len(hits)
	if offset >= total {
		return nil, total, nil
	}
	hits = firstK(hits, min(total, offset+limit), newer)[offset:]
	page = make([]record.CallSummary, len(hits))
	for i, n := range hits {
		page[i] = ix.docs[n].sum
		page[i].Categories = slices.Clone(page[i].Categories)
	}
	return page, total, nil
}

// firstK returns the k first of v in the order less gives, sorted. For a page out of many
// matches it keeps a heap of k instead of sorting them all (the /calls list without a filter
// would sort every call for its first 50).
func firstK(v []uint32, k int, less func(a, b uint32) bool) []uint32 {
	if k <= 0 {
		return nil
	}
	if k*4 >= len(v) {
		slices.SortFunc(v, func(a, b uint32) int { return cmpBy(less, a, b) })
		return v[:k]
	}
	// h is a max-heap of the k first seen so far: h[0] is the last of them.
	h := slices.Clone(v[:k])
	down := func(i int) {
		for {
			l, m := 2*i+1, i
			if l < k && less(h[m], h[l]) {
				m = l
			}
			if r := l + 1; r < k && less(h[m], h[r]) {
				m = r
			}
			if m == i {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := k/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, n := range v[k:] {
		if less(n, h[0]) {
			h[0] = n
			down(0)
		}
	}
	slices.SortFunc(h, func(a, b uint32) int { return cmpBy(less, a, b) })
	return h
}

func cmpBy(less func(a, b uint32) bool, a, b uint32) int {
	switch {
	case less(a, b):
		return -1
	case less(b, a):
		return 1
	}
	return 0
}

// inAll reports whether n is in every sorted list.
func inAll(n uint32, lists [][]uint32) bool {
	for _, l := range lists {
		if _, ok := slices.BinarySearch(l, n); !ok {
			return false
		}
	}
	return true
}

// matcher is a CallFilter prepared for checking many docs.
type matcher struct {
	f            record.CallFilter
	since, until int64
	digits       string
	number       string // lower-cased, when it has no digits ("anonymous")
	minMs, maxMs int64
}

func newMatcher(f record.CallFilter) *matcher {
	m := &matcher{f: f, since: -1 << 63, until: 1<<63 - 1, minMs: f.MinDuration.Milliseconds(), maxMs: f.MaxDuration.Milliseconds()}
	if !f.Since.IsZero() {
		m.since = clampKeyTime(f.Since).UnixNano()
	}
	if !f.Until.IsZero() {
		m.until = clampKeyTime(f.Until).UnixNano()
	}
	if f.Number != "" {
		if m.digits = digitsOf(f.Number); m.digits == "" {
			m.number = strings.ToLower(strings.TrimFunc(f.Number, unicode.IsSpace))
		}
	}
	return m
}

func (m *matcher) match(d *doc) bool {
	f := &m.f
	switch {
	case d.start < m.since || d.start >= m.until:
		return false
	case f.Queue != "" && d.sum.Queue != f.Queue:
		return false
	case f.Agent != "" && !slices.Contains(d.agents, f.Agent):
		return false
	case f.Disposition != "" && !slices.Contains(d.dispositions, f.Disposition):
		return false
	case f.Category != "" && !slices.Contains(d.sum.Categories, f.Category):
		return false
	case f.Sentiment != "" && d.sum.Sentiment != f.Sentiment:
		return false
	case m.minMs > 0 && d.sum.DurationMs < m.minMs:
		return false
	case m.maxMs > 0 && d.sum.DurationMs > m.maxMs:
		return false
	}
	if m.digits != "" && !strings.Contains(d.fromDigits, m.digits) && !strings.Contains(d.toDigits, m.digits) {
		return false
	}
	if m.number != "" && !strings.Contains(strings.ToLower(d.sum.From), m.number) && !strings.Contains(strings.ToLower(d.sum.To), m.number) {
		return false
	}
	return true
}

// SearchIndexSize reports the calls the search index holds and its distinct terms.
func (s *Store) SearchIndexSize() (calls, terms int) {
	<-s.search.ready
	s.search.mu.RLock()
	defer s.search.mu.RUnlock()
	return len(s.search.docs) - s.search.dead, len(s.search.postings)
}

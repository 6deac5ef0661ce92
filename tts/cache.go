package tts

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/hotline-cc/hotline/media"
)

// defaultCacheEntries is the memory LRU size when NewCache is given 0.
const defaultCacheEntries = 256

// Cache is a Synthesizer that remembers what inner produced: in a memory LRU
// and, when a directory is given, as WAV files that survive restarts.
//
// Concurrent requests for the same text share one synthesis. A request that
// gives up (its ctx is cancelled) leaves the synthesis running for the
// others; the synthesis is cancelled only when every request for it has gone.
//
// The disk cache is not bounded: it suits prompts, which are a fixed set.
// Free-form bot sentences should go to the inner synthesizer, or to a
// memory-only Cache, so the directory does not grow without end.
type Cache struct {
	inner Synthesizer
	dir   string
	max   int
	log   *slog.Logger

	mu       sync.Mutex
	lru      *list.List // of *cacheEntry, most recently used at the front
	entries  map[cacheKey]*list.Element
	inflight map[cacheKey]*flight
}

var _ Synthesizer = (*Cache)(nil)

type cacheKey [sha256.Size]byte

type cacheEntry struct {
	key   cacheKey
	audio Audio
}

// flight is one synthesis shared by every request for the same key.
type flight struct {
	done    chan struct{} // closed when audio and err are set
	audio   Audio
	err     error
	waiters int // requests still waiting; guarded by Cache.mu
	cancel  context.CancelFunc
}

// NewCache wraps inner. dir holds the WAV files ("" keeps the cache in memory
// only) and is created on first write. maxEntries bounds the memory LRU
// (0 means 256); the disk cache keeps every entry.
func NewCache(inner Synthesizer, dir string, maxEntries int) *Cache {
	if maxEntries <= 0 {
		maxEntries = defaultCacheEntries
	}
	return &Cache{
		inner:    inner,
		dir:      dir,
		max:      maxEntries,
		log:      slog.Default().With("component", "tts-cache"),
		lru:      list.New(),
		entries:  make(map[cacheKey]*list.Element),
		inflight: make(map[cacheKey]*flight),
	}
}

// Name is the inner synthesizer's name: the cache does not change the audio.
func (c *Cache) Name() string { return c.inner.Name() }

// Synthesize returns cached audio for (engine, lang, text), synthesizing it
// with the inner synthesizer on a miss. The returned Samples are shared:
// callers must not modify them.
func (c *Cache) Synthesize(ctx context.Context, text, lang string) (Audio, error) {
	if err := ctx.Err(); err != nil {
		return Audio{}, err
	}
	key := makeKey(c.inner.Name(), lang, text)

	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		c.lru.MoveToFront(el)
		a := el.Value.(*cacheEntry).audio
		c.mu.Unlock()
		return a, nil
	}
	f, ok := c.inflight[key]
	if ok {
		f.waiters++
	} else {
		// The synthesis outlives any one request; it keeps ctx's values only.
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), waiters: 1, cancel: cancel}
		c.inflight[key] = f
		go c.fill(fctx, key, f, text, lang)
	}
	c.mu.Unlock()

	select {
	case <-f.done:
		return f.audio, f.err
	case <-ctx.Done():
		c.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			f.cancel()
			// A new request must start afresh, not join a cancelled synthesis.
			if c.inflight[key] == f {
				delete(c.inflight, key)
			}
		}
		c.mu.Unlock()
		return Audio{}, ctx.Err()
	}
}

// fill loads key from disk or synthesizes it, then publishes the result.
func (c *Cache) fill(ctx context.Context, key cacheKey, f *flight, text, lang string) {
	defer f.cancel()
	a, fromDisk := c.readDisk(key)
	var err error
	if !fromDisk {
		a, err = c.inner.Synthesize(ctx, text, lang)
		if err == nil {
			c.writeDisk(key, a)
		}
	}

	c.mu.Lock()
	if c.inflight[key] == f {
		delete(c.inflight, key)
	}
	if err == nil {
		c.add(key, a)
	}
	f.audio, f.err = a, err
	c.mu.Unlock()
	close(f.done)
}

// add puts an entry at the front of the LRU; c.mu must be held.
func (c *Cache) add(key cacheKey, a Audio) {
	if el, ok := c.entries[key]; ok {
		el.Value.(*cacheEntry).audio = a
		c.lru.MoveToFront(el)
		return
	}
	c.entries[key] = c.lru.PushFront(&cacheEntry{key: key, audio: a})
	for c.lru.Len() > c.max {
		el := c.lru.Back()
		c.lru.Remove(el)
		delete(c.entries, el.Value.(*cacheEntry).key)
	}
}

// makeKey hashes the fields with length prefixes, so ("a", "bc") and
// ("ab", "c") differ.
func makeKey(engine, lang, text string) cacheKey {
	h := sha256.New()
	var n [8]byte
	for _, s := range []string{engine, lang, text} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var k cacheKey
	h.Sum(k[:0])
	return k
}

func (c *Cache) path(key cacheKey) string {
	return filepath.Join(c.dir, hex.EncodeToString(key[:])+".wav")
}

// readDisk returns the cached file for key. A missing file is a miss; an
// unreadable one is logged and treated as a miss, and is then overwritten.
func (c *Cache) readDisk(key cacheKey) (Audio, bool) {
	if c.dir == "" {
		return Audio{}, false
	}
	p := c.path(key)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return Audio{}, false
	}
	if err == nil {
		var samples media.PCM16
		var rate int
		if samples, rate, err = media.ReadWAV(bytes.NewReader(b)); err == nil {
			return Audio{Samples: samples, Rate: rate}, true
		}
	}
	c.log.Warn("ignoring unreadable cached audio", "file", p, "err", err)
	return Audio{}, false
}

// writeDisk stores a atomically: readers (this or another process) see the
// whole file or none. A failure is logged; the audio is still served.
func (c *Cache) writeDisk(key cacheKey, a Audio) {
	if c.dir == "" {
		return
	}
	if err := c.writeFile(c.path(key), a); err != nil {
		c.log.Warn("cannot store synthesized audio", "dir", c.dir, "err", err)
	}
}

func (c *Cache) writeFile(p string, a Audio) error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.Grow(44 + 2*len(a.Samples))
	if err := media.WriteWAV(&buf, a.Samples, a.Rate); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.dir, ".tmp-*.wav")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	// Sync before rename so a crash cannot leave an empty file under the final name.
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("rename: %w", err)
	}
	return nil
}

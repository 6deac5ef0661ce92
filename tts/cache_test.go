package tts

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// fakeSynth counts calls and returns a short tone derived from the text.
type fakeSynth struct {
	calls atomic.Int32
	delay time.Duration
	fail  error
}

func (f *fakeSynth) Name() string { return "fake" }

func (f *fakeSynth) Synthesize(ctx context.Context, text, lang string) (Audio, error) {
	f.calls.Add(1)
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
		return Audio{}, ctx.Err()
	}
	if f.fail != nil {
		return Audio{}, f.fail
	}
	s := make(media.PCM16, 160)
	for i := range s {
		s[i] = int16(len(text)*100 + i)
	}
	return Audio{Samples: s, Rate: 8000}, nil
}

func TestCacheSharesConcurrentSynthesis(t *testing.T) {
	inner := &fakeSynth{delay: 50 * time.Millisecond}
	c := NewCache(inner, t.TempDir(), 10)
	var wg sync.WaitGroup
	results := make([]Audio, 20)
	errs := make([]error, 20)
	for i := range 20 {
		wg.Go(func() {
			results[i], errs[i] = c.Synthesize(context.Background(), "Welcome to hotline", "en-US")
		})
	}
	wg.Wait()
	if n := inner.calls.Load(); n != 1 {
		t.Fatalf("inner called %d times for 20 identical requests, want 1", n)
	}
	for i := range 20 {
		if errs[i] != nil || len(results[i].Samples) != 160 || results[i].Rate != 8000 {
			t.Fatalf("request %d: %v, %d samples at %d Hz", i, errs[i], len(results[i].Samples), results[i].Rate)
		}
	}
	if _, err := c.Synthesize(context.Background(), "Welcome to hotline", "en-US"); err != nil {
		t.Fatal(err)
	}
	if n := inner.calls.Load(); n != 1 {
		t.Fatalf("memory hit called inner (%d calls)", n)
	}
}

func TestCacheKeysOnLangAndText(t *testing.T) {
	inner := &fakeSynth{}
	c := NewCache(inner, "", 10)
	ctx := context.Background()
	for _, r := range [][2]string{{"hi", "en"}, {"hi", "zh"}, {"hi!", "en"}, {"hi", "en"}} {
		if _, err := c.Synthesize(ctx, r[0], r[1]); err != nil {
			t.Fatal(err)
		}
	}
	if n := inner.calls.Load(); n != 3 {
		t.Fatalf("inner called %d times, want 3", n)
	}
}

func TestCacheSurvivesRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tts")
	first := &fakeSynth{}
	want, err := NewCache(first, dir, 10).Synthesize(context.Background(), "您好，欢迎致电", "zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 || filepath.Ext(files[0]) != ".wav" {
		t.Fatalf("cache dir holds %v, want one .wav (no temp files)", files)
	}

	second := &fakeSynth{}
	got, err := NewCache(second, dir, 10).Synthesize(context.Background(), "您好，欢迎致电", "zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	if n := second.calls.Load(); n != 0 {
		t.Fatalf("new cache instance synthesized again (%d calls)", n)
	}
	if got.Rate != want.Rate || fmt.Sprint(got.Samples) != fmt.Sprint(want.Samples) {
		t.Fatalf("audio from disk differs from what was synthesized")
	}
}

func TestCacheReplacesCorruptFile(t *testing.T) {
	dir := t.TempDir()
	inner := &fakeSynth{}
	c := NewCache(inner, dir, 10)
	if err := os.WriteFile(c.path(makeKey("fake", "en", "hello")), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Synthesize(context.Background(), "hello", "en"); err != nil {
		t.Fatal(err)
	}
	if n := inner.calls.Load(); n != 1 {
		t.Fatalf("inner called %d times, want 1", n)
	}
	if _, ok := NewCache(inner, dir, 10).readDisk(makeKey("fake", "en", "hello")); !ok {
		t.Fatal("corrupt file was not replaced")
	}
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	inner := &fakeSynth{}
	c := NewCache(inner, "", 2)
	ctx := context.Background()
	for _, text := range []string{"a", "b", "a", "c", "a", "b"} {
		if _, err := c.Synthesize(ctx, text, "en"); err != nil {
			t.Fatal(err)
		}
	}
	// a, b miss; a hits; c misses and evicts b; a hits; b misses.
	if n := inner.calls.Load(); n != 4 {
		t.Fatalf("inner called %d times, want 4", n)
	}
}

func TestCacheDoesNotCacheErrors(t *testing.T) {
	boom := errors.New("engine down")
	inner := &fakeSynth{fail: boom}
	c := NewCache(inner, t.TempDir(), 10)
	for range 2 {
		if _, err := c.Synthesize(context.Background(), "x", "en"); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want %v", err, boom)
		}
	}
	if n := inner.calls.Load(); n != 2 {
		t.Fatalf("inner called %d times, want 2 (errors are retried)", n)
	}
}

func TestCacheCancel(t *testing.T) {
	inner := &fakeSynth{delay: 10 * time.Second}
	c := NewCache(inner, "", 10)

	// The only requester leaves: the call returns at once and the synthesis stops.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Synthesize(ctx, "long prompt", "en"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("cancel took %v", d)
	}
	c.mu.Lock()
	n := len(c.inflight)
	c.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d syntheses still in flight after their only requester left", n)
	}
}

func TestCacheCancelOneOfTwo(t *testing.T) {
	inner := &fakeSynth{delay: 100 * time.Millisecond}
	c := NewCache(inner, "", 10)
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := c.Synthesize(ctx, "prompt", "en")
		first <- err
	}()
	time.Sleep(10 * time.Millisecond) // let the first request start the synthesis
	second := make(chan error, 1)
	go func() {
		_, err := c.Synthesize(context.Background(), "prompt", "en")
		second <- err
	}()
	time.Sleep(10 * time.Millisecond)
	cancel() // barge-in on the first call must not cut the second call's prompt
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("first: err = %v, want Canceled", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("second: %v", err)
	}
	if n := inner.calls.Load(); n != 1 {
		t.Fatalf("inner called %d times, want 1", n)
	}
}

func BenchmarkCacheHit(b *testing.B) {
	c := NewCache(&fakeSynth{}, b.TempDir(), 100)
	ctx := context.Background()
	text := "Thank you for calling. All our agents are busy; please stay on the line."
	if _, err := c.Synthesize(ctx, text, "en-US"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Synthesize(ctx, text, "en-US"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCacheDiskHit measures a prompt served from disk after a restart:
// a file read and WAV parse of 3 s of 22.05 kHz audio.
func BenchmarkCacheDiskHit(b *testing.B) {
	dir := b.TempDir()
	c := NewCache(&fakeSynth{}, dir, 100)
	a := Audio{Samples: make(media.PCM16, 3*22050), Rate: 22050}
	key := makeKey("fake", "en", "x")
	c.writeDisk(key, a)
	for b.Loop() {
		if _, ok := c.readDisk(key); !ok {
			b.Fatal("miss")
		}
	}
}

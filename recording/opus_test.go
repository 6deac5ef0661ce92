//go:build opus

package recording_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media/opus"
)

// An Opus caller (48 kHz RTP clock, decoded at 16 kHz) is recorded at 16 kHz.
func TestRecordOpus(t *testing.T) {
	m := newManager(t)
	caller, phone := pair(t, opus.New(0))
	rec, err := m.Record(caller, "opus")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	play(ctx, &wg, phone.AudioOut(), toneA)
	play(ctx, &wg, caller.AudioOut(), toneB)
	time.Sleep(1500 * time.Millisecond)
	r := rec.Stop()
	cancel()
	wg.Wait()
	if r.Rate != 16000 {
		t.Fatalf("rate %d", r.Rate)
	}
	checkChannels(t, filepath.Join(m.Dir(), filepath.FromSlash(r.File)), 16000)
}

package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/media/legtest"
	"github.com/hotline-cc/hotline/store"
	"github.com/prometheus/client_golang/prometheus"
)

// TestRecordingsStartup: a recording a crash left unfinished is finished at startup and attached
// to its call (made for it: the call never ended); the manager's counters are exported; a caller
// without RTP is not recorded.
func TestRecordingsStartup(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Parse(filepath.Join(dir, "hotline.yaml"), []byte("store: data/hotline.db\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(cfg.Path(cfg.Store))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	day := filepath.Join(cfg.RecordingsDir(), "2026", "12", "07")
	if err := os.MkdirAll(day, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(day, "call-1.wav.part"))
	if err != nil {
		t.Fatal(err)
	}
	if err := media.WriteWAV(f, audiotest.Tone(440, 8000, 1000, 0.3), 8000); err != nil {
		t.Fatal(err)
	}
	f.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m, err := newRecordings(ctx, cfg, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.GetCall("call-1")
	if err != nil {
		t.Fatalf("the recovered recording's call: %v", err)
	}
	if len(c.Recordings) != 1 || c.Recordings[0].File != "2026/12/07/call-1.wav" || !c.Recordings[0].Incomplete {
		t.Fatalf("recordings %+v", c.Recordings)
	}
	if _, err := os.Stat(filepath.Join(day, "call-1.wav")); err != nil {
		t.Fatalf("the recovered file: %v", err)
	}

	leg := legtest.New("c2", legtest.Options{})
	defer leg.Close()
	if _, err := (callRecorders{m}).Record(leg, "c2"); !errors.Is(err, errNoRTP) {
		t.Fatalf("recording a leg without RTP: %v", err)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(newRecordingCollector(m))
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			if g := mt.GetGauge(); g != nil {
				got[f.GetName()] = g.GetValue()
			} else {
				got[f.GetName()] = mt.GetCounter().GetValue()
			}
		}
	}
	for _, name := range []string{"hotline_recordings_active", "hotline_recording_frames_written_total", "hotline_recording_frames_dropped_total",
		"hotline_recording_bytes_written_total", "hotline_recording_errors_total"} {
		if v, ok := got[name]; !ok || v != 0 {
			t.Errorf("%s = %v (present %v), want 0", name, v, ok)
		}
	}
}

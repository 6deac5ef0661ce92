package recording_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/recording"
)

func TestResolveStaysInsideTheDirectory(t *testing.T) {
	dir := t.TempDir()
	got, err := recording.Resolve(dir, "2026/12/01/c1.wav")
	if err != nil || got != filepath.Join(dir, "2026", "12", "01", "c1.wav") {
		t.Fatalf("Resolve = %q, %v", got, err)
	}
	for _, bad := range []string{"", "../x.wav", "2026/../../x.wav", "/etc/passwd", "a\x00b"} {
		if _, err := recording.Resolve(dir, bad); !errors.Is(err, recording.ErrOutsideDir) {
			t.Errorf("Resolve(%q): %v, want ErrOutsideDir", bad, err)
		}
	}
}

func TestWriteStereoReadsBack(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a", "b.wav")
	left := audiotest.Tone(440, 8000, 500, 0.3)
	if err := recording.WriteStereo(p, left, nil, 8000); err != nil {
		t.Fatal(err)
	}
	l, r, rate, err := recording.ReadStereo(p)
	if err != nil || rate != 8000 || len(l) != len(left) || len(r) != len(left) || l[100] != left[100] || r[100] != 0 {
		t.Fatalf("read back %d/%d samples at %d: %v", len(l), len(r), rate, err)
	}
}

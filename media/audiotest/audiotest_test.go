package audiotest

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/hotline-cc/hotline/media"
)

func noise(rate, ms int, amplitude float64) media.PCM16 {
	rng := rand.New(rand.NewPCG(7, 11))
	out := make(media.PCM16, rate*ms/1000)
	for i := range out {
		out[i] = int16((rng.Float64()*2 - 1) * amplitude * 32767)
	}
	return out
}

func concat(parts ...media.PCM16) media.PCM16 {
	var out media.PCM16
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestTone(t *testing.T) {
	tone := Tone(1000, 8000, 20, 0.5)
	if len(tone) != 160 {
		t.Fatalf("20 ms at 8 kHz is %d samples, want 160", len(tone))
	}
	if tone[0] != 0 || tone[2] != 16384 || tone[6] != -16384 {
		t.Errorf("samples 0, 2, 6 = %d, %d, %d; want 0, 16384, -16384", tone[0], tone[2], tone[6])
	}
	if full := Tone(1000, 8000, 20, 1); full[2] != 32767 {
		t.Errorf("full-scale peak %d, want 32767", full[2])
	}
}

func TestGoertzel(t *testing.T) {
	tests := []struct {
		name    string
		samples media.PCM16
		rate    int
		freq    float64
		want    float64
		tol     float64
	}{
		{"full-scale tone", Tone(1000, 8000, 500, 1), 8000, 1000, 1, 0.01},
		{"half-scale tone gives a²", Tone(1000, 8000, 500, 0.5), 8000, 1000, 0.25, 0.01},
		{"off-bin frequency", Tone(1234.5, 16000, 500, 0.5), 16000, 1234.5, 0.25, 0.01},
		{"other frequency", Tone(1000, 8000, 500, 1), 8000, 1500, 0, 0.001},
		{"silence", make(media.PCM16, 4000), 8000, 1000, 0, 0},
		{"empty", nil, 8000, 1000, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Goertzel(tt.samples, tt.freq, tt.rate); math.Abs(got-tt.want) > tt.tol {
				t.Errorf("Goertzel = %.4f, want %.2f ± %.3f", got, tt.want, tt.tol)
			}
		})
	}
}

func TestToneRatio(t *testing.T) {
	tests := []struct {
		name     string
		samples  media.PCM16
		freq     float64
		min, max float64
	}{
		{"pure tone", Tone(1000, 8000, 500, 0.3), 1000, 0.99, 1.01},
		{"two equal tones share", Mix(Tone(697, 8000, 500, 0.3), Tone(1209, 8000, 500, 0.3)), 697, 0.48, 0.52},
		{"other tone", Tone(1000, 8000, 500, 0.3), 1100, 0, 0.01},
		{"noise", noise(8000, 500, 0.3), 1000, 0, 0.05},
		{"silence", make(media.PCM16, 4000), 1000, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ToneRatio(tt.samples, tt.freq, 8000); got < tt.min || got > tt.max {
				t.Errorf("ToneRatio = %.4f, want %.2f..%.2f", got, tt.min, tt.max)
			}
		})
	}
}

func TestDetectTone(t *testing.T) {
	silence := make(media.PCM16, 8000*2)
	tests := []struct {
		name    string
		samples media.PCM16
		freq    float64
		want    bool
	}{
		{"tone", Tone(1000, 8000, 1000, 0.5), 1000, true},
		{"wrong frequency", Tone(1000, 8000, 1000, 0.5), 2000, false},
		{"tone after two seconds of silence", concat(silence, Tone(440, 8000, 600, 0.5)), 440, true},
		{"short tone", Tone(440, 8000, 100, 0.5), 440, true},
		{"dominant tone in a two-tone mix", Mix(Tone(1000, 8000, 1000, 0.5), Tone(1500, 8000, 1000, 0.25)), 1000, true},
		{"weaker tone in a two-tone mix", Mix(Tone(1000, 8000, 1000, 0.5), Tone(1500, 8000, 1000, 0.25)), 1500, false},
		{"tone in light noise", Mix(Tone(1000, 8000, 1000, 0.5), noise(8000, 1000, 0.1)), 1000, true},
		{"noise", noise(8000, 1000, 0.5), 1000, false},
		{"silence", silence, 1000, false},
		{"tone too quiet (-50 dBFS)", Tone(1000, 8000, 1000, 0.004), 1000, false},
		{"empty", nil, 1000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ratio := DetectTone(tt.samples, tt.freq, 8000)
			if got != tt.want {
				t.Errorf("DetectTone = %v (ratio %.3f, level %.1f dBFS), want %v",
					got, ratio, RMSdBFS(LoudestWindow(tt.samples, 8000, DetectWindowMs)), tt.want)
			}
		})
	}
}

func TestRMSdBFS(t *testing.T) {
	tests := []struct {
		name    string
		samples media.PCM16
		want    float64
	}{
		{"full-scale sine", Tone(1000, 8000, 500, 1), -3.01},
		{"-20 dB sine", Tone(1000, 8000, 500, 0.1), -23.01},
		{"full-scale square", media.PCM16{-32768, -32768}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RMSdBFS(tt.samples); math.Abs(got-tt.want) > 0.02 {
				t.Errorf("RMSdBFS = %.2f, want %.2f", got, tt.want)
			}
		})
	}
	if got := RMSdBFS(make(media.PCM16, 10)); !math.IsInf(got, -1) {
		t.Errorf("silence = %v, want -Inf", got)
	}
}

func TestLoudestWindow(t *testing.T) {
	loud := Tone(1000, 8000, 500, 0.5)
	s := concat(make(media.PCM16, 8000), loud, make(media.PCM16, 8000))
	w := LoudestWindow(s, 8000, 500)
	if len(w) != 4000 || &w[0] != &s[8000] {
		t.Errorf("window of %d samples at offset %d, want 4000 at 8000", len(w), cap(s)-cap(w))
	}
	if short := LoudestWindow(loud[:100], 8000, 500); len(short) != 100 {
		t.Errorf("short input: %d samples, want all 100", len(short))
	}
}

func TestMix(t *testing.T) {
	got := Mix(media.PCM16{1, 30000, -30000}, media.PCM16{2, 30000, -30000, 5})
	want := media.PCM16{3, 32767, -32768, 5}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Mix = %v, want %v", got, want)
		}
	}
}

func TestReadWAVFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tone.wav")
	var buf bytes.Buffer
	if err := media.WriteWAV(&buf, Tone(600, 16000, 300, 0.5), 16000); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	samples, rate, err := ReadWAVFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if present, _ := DetectTone(samples, 600, rate); !present || rate != 16000 {
		t.Errorf("tone present %v at rate %d", present, rate)
	}
	if _, _, err := ReadWAVFile(filepath.Join(t.TempDir(), "missing.wav")); err == nil {
		t.Error("missing file: no error")
	}
}

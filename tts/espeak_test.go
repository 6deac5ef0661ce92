package tts

import (
	"context"
	"errors"
	"math"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// newEspeak returns an espeak-ng backend, skipping the test only when the
// program is not installed.
func newEspeak(t testing.TB, opts EspeakOptions) *Espeak {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng is not installed (sudo apt-get install espeak-ng); skipping tests that run it")
	}
	e, err := NewEspeak(opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func rms(s media.PCM16) float64 {
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(s)))
}

func checkSpeech(t *testing.T, a Audio, wantRate int) {
	t.Helper()
	if a.Rate != wantRate {
		t.Fatalf("rate = %d, want %d", a.Rate, wantRate)
	}
	d := a.Duration()
	if d < 500*time.Millisecond || d > 5*time.Second {
		t.Fatalf("duration = %v, want 0.5–5 s", d)
	}
	if r := rms(a.Samples); r < 300 {
		t.Fatalf("RMS = %.0f: audio is (nearly) silent", r)
	}
	t.Logf("%v of audio at %d Hz, RMS %.0f", d, a.Rate, rms(a.Samples))
}

func TestEspeakEnglish(t *testing.T) {
	e := newEspeak(t, EspeakOptions{})
	t.Logf("engine %s", e.Name())
	a, err := e.Synthesize(context.Background(), "Thank you for calling. How can I help you?", "en-US")
	if err != nil {
		t.Fatal(err)
	}
	checkSpeech(t, a, 22050)
}

func TestEspeakMandarin(t *testing.T) {
	e := newEspeak(t, EspeakOptions{})
	if v := e.Voice("zh-CN"); v != mandarinVoice {
		t.Fatalf("voice for zh-CN = %q, want %s", v, mandarinVoice)
	}
	a, err := e.Synthesize(context.Background(), "您好，欢迎致电", "zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	checkSpeech(t, a, 22050)
}

// TestEspeakMandarinPhonemes checks that Chinese text is spoken as Mandarin,
// not spelt out through English, by reading espeak-ng's phoneme transcription:
// "(en)" marks a switch to the English voice.
func TestEspeakMandarinPhonemes(t *testing.T) {
	e := newEspeak(t, EspeakOptions{})
	for text, wantEnglish := range map[string]bool{
		"您好，欢迎致电":         false,
		"欢迎致电 hotline 客服": true, // the Latin word, and only it, goes to English
	} {
		cmd := exec.Command(e.bin, "-q", "-x", "-b", "1", "--stdin", "-v", e.Voice("zh-CN"))
		cmd.Stdin = strings.NewReader(text)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		ph := string(out)
		if n := strings.Count(ph, "(en)"); (n > 0) != wantEnglish || n > 1 {
			t.Errorf("%q → phonemes %q: %d switches to English", text, ph, n)
		}
	}
}

func TestEspeakResamples(t *testing.T) {
	e := newEspeak(t, EspeakOptions{Rate: 8000})
	if !strings.Contains(e.Name(), "8000Hz") {
		t.Fatalf("Name %q does not mention the rate", e.Name())
	}
	a, err := e.Synthesize(context.Background(), "Please hold.", "en")
	if err != nil {
		t.Fatal(err)
	}
	if a.Rate != 8000 || rms(a.Samples) < 300 {
		t.Fatalf("rate %d, RMS %.0f", a.Rate, rms(a.Samples))
	}
}

func TestEspeakTextIsNotArguments(t *testing.T) {
	e := newEspeak(t, EspeakOptions{})
	// On a command line these would be options; on stdin they are words.
	a, err := e.Synthesize(context.Background(), "--version -v xx --stdout", "en")
	if err != nil {
		t.Fatal(err)
	}
	if a.Duration() < 500*time.Millisecond {
		t.Fatalf("only %v of audio", a.Duration())
	}
}

func TestEspeakVoice(t *testing.T) {
	e := newEspeak(t, EspeakOptions{Voices: map[string]string{"en_GB": "en-gb-scotland"}})
	for lang, want := range map[string]string{
		"en-US": "en-us", "en": "en-us", "EN-us": "en-us", "en-AU": "en-us",
		"en-GB": "en-gb-scotland", "en_gb": "en-gb-scotland",
		"zh-CN": mandarinVoice, "zh": mandarinVoice, "cmn": mandarinVoice, "zh-TW": mandarinVoice,
		"zh_CN": mandarinVoice, "zh-HK": "yue",
		"fr": "en-us", "": "en-us",
	} {
		if got := e.Voice(lang); got != want {
			t.Errorf("Voice(%q) = %q, want %q", lang, got, want)
		}
	}
	if !strings.Contains(e.Name(), "voices=") {
		t.Errorf("Name %q does not reflect the voice overrides", e.Name())
	}
}

func TestEspeakEmptyText(t *testing.T) {
	e := newEspeak(t, EspeakOptions{})
	if _, err := e.Synthesize(context.Background(), " \n", "en"); !errors.Is(err, ErrEmptyText) {
		t.Fatalf("err = %v, want ErrEmptyText", err)
	}
}

func TestEspeakBadOptions(t *testing.T) {
	newEspeak(t, EspeakOptions{}) // skip when not installed
	for name, opts := range map[string]EspeakOptions{
		"unknown voice":   {Voices: map[string]string{"fr": "xx-nope"}},
		"dash voice":      {Voices: map[string]string{"fr": "--stdout"}},
		"unknown default": {DefaultVoice: "xx-nope"},
		"speed":           {Speed: 5000},
	} {
		if _, err := NewEspeak(opts); err == nil {
			t.Errorf("%s: NewEspeak accepted %+v", name, opts)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

func TestEspeakMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := NewEspeak(EspeakOptions{})
	if !errors.Is(err, ErrEngineMissing) {
		t.Fatalf("err = %v, want ErrEngineMissing", err)
	}
	want := `espeak-ng not found in PATH: install it with "sudo apt-get install espeak-ng" (Debian/Ubuntu)`
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %q, want it to contain %q", err, want)
	}
}

func TestEspeakCancel(t *testing.T) {
	e := newEspeak(t, EspeakOptions{})
	long := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 5000)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := e.Synthesize(ctx, long, "en")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("cancel took %v to stop synthesis", d)
	}
}

func BenchmarkEspeakSentence(b *testing.B) {
	e := newEspeak(b, EspeakOptions{})
	for b.Loop() {
		if _, err := e.Synthesize(context.Background(), "Thank you for calling. How can I help you?", "en"); err != nil {
			b.Fatal(err)
		}
	}
}

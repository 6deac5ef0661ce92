package tts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// EspeakOptions configure the espeak-ng backend. The zero value is usable.
type EspeakOptions struct {
	// Binary is the espeak-ng program, a name looked up in PATH or a path.
	// Default "espeak-ng".
	Binary string
	// Speed in words per minute, 80–450. Default 160, a calm prompt pace.
	Speed int
	// Voices maps language tags to espeak-ng voices ("fr" → "fr-fr",
	// "en-US" → "en-us+f3"), adding to and overriding the built-in table.
	// Tags match case-insensitively, and "_" matches "-".
	Voices map[string]string
	// DefaultVoice speaks languages with no mapping. Default "en-us".
	DefaultVoice string
	// Rate is the sample rate of the returned audio. 0 keeps espeak-ng's own
	// rate (22050 Hz) and leaves resampling to the caller.
	Rate int
}

// defaultVoices maps language tags (lower case) to espeak-ng 1.51 voices.
//
// Mandarin is "cmn-latn-pinyin", not "cmn": in 1.51 the "cmn" voice turns
// Chinese characters into pinyin with tone digits and then reads that pinyin
// as English ("您好" comes out as "nin two hao three"). "cmn-latn-pinyin"
// speaks the characters as Mandarin, still switches to English for Latin
// words (product names), and reads digits in Mandarin.
var defaultVoices = map[string]string{
	"en":      "en-us",
	"en-us":   "en-us",
	"en-gb":   "en-gb",
	"zh":      mandarinVoice,
	"zh-cn":   mandarinVoice,
	"zh-hans": mandarinVoice,
	"cmn":     mandarinVoice,
	"zh-cmn":  mandarinVoice,
	"yue":     "yue",
	"zh-yue":  "yue",
	"zh-hk":   "yue",
}

const mandarinVoice = "cmn-latn-pinyin"

const (
	defaultEspeakSpeed = 160
	defaultEspeakVoice = "en-us"
)

// Espeak synthesizes with the espeak-ng program, one process per utterance.
// Text goes to the process on stdin, never on the command line, so any text
// (leading dashes, any length) is spoken as text. It is safe for concurrent use.
type Espeak struct {
	bin          string
	speed        int
	rate         int
	voices       map[string]string
	defaultVoice string
	name         string
}

var _ Synthesizer = (*Espeak)(nil)

// NewEspeak finds espeak-ng and checks that the configured voices exist.
// If the program is missing the error wraps ErrEngineMissing and says how to
// install it. A built-in language mapping whose voice is not installed falls
// back to DefaultVoice; a voice named in opts that is not installed is an error.
func NewEspeak(opts EspeakOptions) (*Espeak, error) {
	name := opts.Binary
	if name == "" {
		name = "espeak-ng"
	}
	bin, err := exec.LookPath(name)
	if err != nil {
		where := "in PATH"
		if strings.ContainsRune(name, '/') {
			where = "at " + name
		}
		return nil, fmt.Errorf(`espeak-ng not found %s: install it with "sudo apt-get install espeak-ng" (Debian/Ubuntu): %w`,
			where, ErrEngineMissing)
	}
	e := &Espeak{
		bin:          bin,
		speed:        opts.Speed,
		rate:         opts.Rate,
		defaultVoice: opts.DefaultVoice,
		voices:       make(map[string]string),
	}
	if e.speed == 0 {
		e.speed = defaultEspeakSpeed
	}
	if e.speed < 80 || e.speed > 450 {
		return nil, fmt.Errorf("tts: espeak-ng speed %d words/min outside 80..450", e.speed)
	}
	if e.rate < 0 {
		return nil, fmt.Errorf("tts: espeak-ng rate %d Hz must not be negative", e.rate)
	}
	if e.defaultVoice == "" {
		e.defaultVoice = defaultEspeakVoice
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	probed := make(map[string]error) // one espeak-ng run per distinct voice
	probe := func(voice string) error {
		err, ok := probed[voice]
		if !ok {
			err = e.probeVoice(ctx, voice)
			probed[voice] = err
		}
		return err
	}
	if err := probe(e.defaultVoice); err != nil {
		return nil, fmt.Errorf("tts: espeak-ng default voice: %w", err)
	}
	for lang, voice := range defaultVoices {
		if probe(voice) == nil {
			e.voices[lang] = voice
		}
	}
	for _, lang := range slices.Sorted(maps.Keys(opts.Voices)) {
		voice := opts.Voices[lang]
		if err := probe(voice); err != nil {
			return nil, fmt.Errorf("tts: espeak-ng voice for %q: %w", lang, err)
		}
		e.voices[normLang(lang)] = voice
	}
	e.name = e.describe(ctx, opts.Voices)
	return e, nil
}

// describe builds Name: engine version and every setting that changes the
// audio, so that cached audio is not reused after any of them changes.
func (e *Espeak) describe(ctx context.Context, overrides map[string]string) string {
	version := "unknown"
	if out, err := exec.CommandContext(ctx, e.bin, "--version").Output(); err == nil {
		// "eSpeak NG text-to-speech: 1.51  Data at: /usr/lib/..."
		if _, rest, ok := strings.Cut(string(out), ": "); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				version = f[0]
			}
		}
	}
	rate := "native"
	if e.rate != 0 {
		rate = strconv.Itoa(e.rate) + "Hz"
	}
	name := fmt.Sprintf("espeak-ng(%s,%dwpm,%s,%s", version, e.speed, rate, e.defaultVoice)
	if len(overrides) > 0 {
		h := sha256.New()
		for _, lang := range slices.Sorted(maps.Keys(e.voices)) {
			fmt.Fprintf(h, "%s=%s\n", lang, e.voices[lang])
		}
		name += ",voices=" + hex.EncodeToString(h.Sum(nil)[:4])
	}
	return name + ")"
}

// probeVoice asks espeak-ng to load voice without producing audio.
func (e *Espeak) probeVoice(ctx context.Context, voice string) error {
	if voice == "" || strings.HasPrefix(voice, "-") {
		return fmt.Errorf("invalid voice name %q", voice)
	}
	cmd := exec.CommandContext(ctx, e.bin, "-q", "-v", voice)
	cmd.Stdin = strings.NewReader(".")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("voice %q not installed: %v: %s", voice, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// Name identifies the engine, its version and settings, e.g.
// "espeak-ng(1.51,160wpm,8000Hz,en-us)".
func (e *Espeak) Name() string { return e.name }

// Voice returns the espeak-ng voice used for lang: an exact match of the
// tag, then its primary language ("zh-TW" → "zh"), then DefaultVoice.
func (e *Espeak) Voice(lang string) string {
	l := normLang(lang)
	if v, ok := e.voices[l]; ok {
		return v
	}
	if base, _, ok := strings.Cut(l, "-"); ok {
		if v, ok := e.voices[base]; ok {
			return v
		}
	}
	return e.defaultVoice
}

func normLang(lang string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(lang)), "_", "-")
}

// Synthesize runs espeak-ng on text and returns its audio, resampled to
// EspeakOptions.Rate if one was set. Cancelling ctx kills the process.
func (e *Espeak) Synthesize(ctx context.Context, text, lang string) (Audio, error) {
	if strings.TrimSpace(text) == "" {
		return Audio{}, ErrEmptyText
	}
	voice := e.Voice(lang)
	// -b 1: the input is UTF-8. --stdin: read all of stdin as one text.
	cmd := exec.CommandContext(ctx, e.bin, "-v", voice, "-s", strconv.Itoa(e.speed), "-b", "1", "--stdout", "--stdin")
	cmd.Stdin = strings.NewReader(text)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second // do not wait on pipes held open by a killed process
	out, err := cmd.Output()
	if ctxErr := ctx.Err(); ctxErr != nil {
		return Audio{}, fmt.Errorf("tts: espeak-ng: %w", ctxErr)
	}
	if err != nil {
		return Audio{}, fmt.Errorf("tts: espeak-ng -v %s: %w: %s", voice, err, strings.TrimSpace(stderr.String()))
	}
	// On a pipe espeak-ng writes placeholder RIFF sizes; ReadWAV reads the data to EOF.
	samples, rate, err := media.ReadWAV(bytes.NewReader(out))
	if err != nil {
		return Audio{}, fmt.Errorf("tts: espeak-ng -v %s output: %w", voice, err)
	}
	a := Audio{Samples: samples, Rate: rate}
	if e.rate != 0 && a.Rate != e.rate {
		a = Audio{Samples: media.Resample(a.Samples, a.Rate, e.rate), Rate: e.rate}
	}
	return a, nil
}

package asr

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/hotline-cc/hotline/media"
)

// PocketSphinxOptions configure the embedded recognizer. The zero value uses
// the Debian packages pocketsphinx and pocketsphinx-en-us.
type PocketSphinxOptions struct {
	// Binary is pocketsphinx_continuous (Debian bookworm ships 0.8's CLI).
	Binary string `yaml:"binary"`
	// ModelDir holds the acoustic model ("…/en-us/en-us"), Dict the
	// pronunciation dictionary and LM the n-gram model used without hints.
	ModelDir string `yaml:"model_dir"`
	Dict     string `yaml:"dict"`
	LM       string `yaml:"lm"`
	// Timeout bounds one recognition. Default 10 s.
	Timeout time.Duration `yaml:"timeout"`
}

const (
	defaultPSBinary = "pocketsphinx_continuous"
	defaultPSModel  = "/usr/share/pocketsphinx/model/en-us/en-us"
	defaultPSDict   = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
	defaultPSLM     = "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin"
	// psRate is the only rate the en-us acoustic model is trained for.
	psRate = 16000
)

// PocketSphinx recognises US English at 16 kHz with the pocketsphinx_continuous
// program, one process per utterance (about 0.1 s for a short phrase in
// grammar mode). With Hints it decodes against a JSGF grammar of exactly those
// phrases, which is far more reliable than its general language model.
type PocketSphinx struct {
	bin, model, dict, lm string
	timeout              time.Duration
	words                map[string]bool // dictionary entries, to keep grammars decodable
}

var _ Recognizer = (*PocketSphinx)(nil)

// NewPocketSphinx checks that the program and model files exist.
func NewPocketSphinx(o PocketSphinxOptions) (*PocketSphinx, error) {
	p := &PocketSphinx{bin: o.Binary, model: o.ModelDir, dict: o.Dict, lm: o.LM, timeout: o.Timeout}
	if p.bin == "" {
		p.bin = defaultPSBinary
	}
	if p.model == "" {
		p.model = defaultPSModel
	}
	if p.dict == "" {
		p.dict = defaultPSDict
	}
	if p.lm == "" {
		p.lm = defaultPSLM
	}
	if p.timeout <= 0 {
		p.timeout = 10 * time.Second
	}
	bin, err := exec.LookPath(p.bin)
	if err != nil {
		return nil, fmt.Errorf("asr pocketsphinx: %w: %s not found (apt-get install pocketsphinx pocketsphinx-en-us)", ErrEngineMissing, p.bin)
	}
	p.bin = bin
	for _, f := range []string{p.model, p.dict, p.lm} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("asr pocketsphinx: %w: model file: %v", ErrEngineMissing, err)
		}
	}
	if p.words, err = loadDictWords(p.dict); err != nil {
		return nil, fmt.Errorf("asr pocketsphinx: %w", err)
	}
	return p, nil
}

// Limits says plainly what the embedded recognizer can and cannot do; the
// server logs it at startup when PocketSphinx is configured.
const Limits = "embedded ASR (PocketSphinx en-us): US English only, 16 kHz (wideband) calls only; " +
	"reliable only for the short phrases a bot or menu lists as hints (grammar mode: 6/6 espeak-ng test phrases), " +
	"near useless on free speech (0/6 without hints) and deaf on 8 kHz G.711 calls: use DTMF there, or an openai recognizer"

var _ Limited = (*PocketSphinx)(nil)

// CanHear accepts 16 kHz English audio, and with phrases only when at least
// one of them can go into a grammar (every word in the dictionary).
func (p *PocketSphinx) CanHear(rate int, lang string, phrases []string) error {
	if rate != psRate {
		return fmt.Errorf("asr pocketsphinx: %d Hz audio: %w (the en-us model needs 16000 Hz)", rate, ErrUnsupportedRate)
	}
	if l := primaryLang(lang); l != "" && l != "en" {
		return fmt.Errorf("asr pocketsphinx: %s: %w (the model is US English only)", lang, ErrUnsupportedLanguage)
	}
	if len(phrases) > 0 && p.grammar(phrases) == "" {
		return fmt.Errorf("asr pocketsphinx: %q: %w (no phrase has all its words in the dictionary)", phrases, ErrUnsupportedPhrases)
	}
	return nil
}

// Name is "pocketsphinx(en-us)".
func (p *PocketSphinx) Name() string { return "pocketsphinx(en-us)" }

// Recognize decodes u, which must be 16 kHz. Lang is ignored: the model is
// US English only.
func (p *PocketSphinx) Recognize(ctx context.Context, u Utterance) (Result, error) {
	if len(u.Samples) == 0 {
		return Result{}, ErrEmptyUtterance
	}
	if u.Rate != psRate {
		return Result{}, fmt.Errorf("asr pocketsphinx: %d Hz audio: %w (the en-us model needs 16000 Hz; narrowband calls should use DTMF or an openai recognizer)", u.Rate, ErrUnsupportedRate)
	}
	dir, err := os.MkdirTemp("", "hotline-asr-")
	if err != nil {
		return Result{}, fmt.Errorf("asr pocketsphinx: %w", err)
	}
	defer os.RemoveAll(dir)

	wavPath := filepath.Join(dir, "u.wav")
	var wav bytes.Buffer
	if err := media.WriteWAV(&wav, u.Samples, u.Rate); err != nil {
		return Result{}, fmt.Errorf("asr pocketsphinx: encode wav: %w", err)
	}
	if err := os.WriteFile(wavPath, wav.Bytes(), 0o600); err != nil {
		return Result{}, fmt.Errorf("asr pocketsphinx: %w", err)
	}
	args := []string{"-infile", wavPath, "-hmm", p.model, "-dict", p.dict, "-logfn", os.DevNull}
	if g := p.grammar(u.Hints); g != "" {
		gramPath := filepath.Join(dir, "hints.gram")
		if err := os.WriteFile(gramPath, []byte(g), 0o600); err != nil {
			return Result{}, fmt.Errorf("asr pocketsphinx: %w", err)
		}
		args = append(args, "-jsgf", gramPath)
	} else {
		args = append(args, "-lm", p.lm)
	}

	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, fmt.Errorf("asr pocketsphinx: %w", ctx.Err())
		}
		return Result{}, fmt.Errorf("asr pocketsphinx: %w: %s", err, lastLine(stderr.String()))
	}
	var parts []string
	for _, line := range strings.Split(string(out), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	text := strings.Join(parts, " ")
	conf := 0.0
	if text != "" {
		conf = 1
	}
	return Result{Text: text, Confidence: conf}, nil
}

// grammar builds a JSGF grammar from hints, keeping only phrases whose
// every word is in the dictionary (an unknown word makes the decoder fail).
func (p *PocketSphinx) grammar(hints []string) string {
	var alts []string
	for _, h := range hints {
		words := strings.FieldsFunc(strings.ToLower(h), func(r rune) bool {
			return !unicode.IsLetter(r) && r != '\''
		})
		ok := len(words) > 0
		for _, w := range words {
			if !p.words[w] {
				ok = false
				break
			}
		}
		if ok {
			alts = append(alts, strings.Join(words, " "))
		}
	}
	if len(alts) == 0 {
		return ""
	}
	return "#JSGF V1.0;\ngrammar hints;\npublic <hint> = " + strings.Join(alts, " | ") + ";\n"
}

func loadDictWords(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	words := make(map[string]bool, 140000)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, ' '); i > 0 {
			w := line[:i]
			if j := strings.IndexByte(w, '('); j > 0 { // alternate pronunciations: "read(2)"
				w = w[:j]
			}
			words[w] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read dictionary %s: %w", path, err)
	}
	if len(words) == 0 {
		return nil, errors.New("empty dictionary " + path)
	}
	return words, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

package asr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/hotline-cc/hotline/media"
)

const defaultOpenAITimeout = 10 * time.Second

// OpenAI transcribes with an OpenAI-compatible /audio/transcriptions
// endpoint, uploading each utterance as a WAV file.
type OpenAI struct {
	client  *openai.Client
	model   string
	timeout time.Duration
	name    string
	// format is the index in responseFormats of the richest format this
	// server has answered usefully; it only ever moves down the list.
	format atomic.Int32
}

// responseFormats are tried richest first: verbose_json with word timestamps
// (OpenAI, faster-whisper servers), plain json (whisper.cpp and older
// servers), then text for servers that answer json requests with a bare body.
var responseFormats = []openai.AudioResponseFormat{
	openai.AudioResponseFormatVerboseJSON,
	openai.AudioResponseFormatJSON,
	openai.AudioResponseFormatText,
}

var _ Recognizer = (*OpenAI)(nil)

// NewOpenAI returns a client for cfg.BaseURL (required) and cfg.Model
// (default "whisper-1").
func NewOpenAI(cfg Config) (*OpenAI, error) {
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("asr openai: base_url is required")
	}
	model := cfg.Model
	if model == "" {
		model = openai.Whisper1
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultOpenAITimeout
	}
	return &OpenAI{
		client:  cfg.Client(),
		model:   model,
		timeout: timeout,
		name:    "openai(" + model + ")",
	}, nil
}

// Name is "openai(<model>)".
func (o *OpenAI) Name() string { return o.name }

// Recognize uploads u as a 16-bit WAV at its own rate and asks for
// verbose_json with word timestamps. A server that refuses that format
// (400/422) or answers it with something other than JSON is asked again
// with plain json, then text, and is remembered as such, so it costs one
// extra request per recognizer, not per utterance.
func (o *OpenAI) Recognize(ctx context.Context, u Utterance) (Result, error) {
	if len(u.Samples) == 0 {
		return Result{}, ErrEmptyUtterance
	}
	if u.Rate <= 0 {
		return Result{}, fmt.Errorf("asr openai: rate %d: %w", u.Rate, ErrUnsupportedRate)
	}
	var wav bytes.Buffer
	if err := media.WriteWAV(&wav, u.Samples, u.Rate); err != nil {
		return Result{}, fmt.Errorf("asr openai: encode wav: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	start := int(o.format.Load())
	var err error
	for f := start; f < len(responseFormats); f++ {
		var resp openai.AudioResponse
		resp, err = o.transcribe(ctx, wav.Bytes(), u, responseFormats[f])
		if err == nil {
			if f != start {
				o.format.Store(int32(f))
			}
			return toResult(resp), nil
		}
		if !formatProblem(err) || ctx.Err() != nil {
			break
		}
	}
	return Result{}, fmt.Errorf("asr %s: transcribe %v of audio: %w", o.name, u.Duration(), err)
}

func (o *OpenAI) transcribe(ctx context.Context, wav []byte, u Utterance, f openai.AudioResponseFormat) (openai.AudioResponse, error) {
	req := openai.AudioRequest{
		Model:    o.model,
		FilePath: "utterance.wav",
		Reader:   bytes.NewReader(wav),
		Language: primaryLang(u.Lang),
		Prompt:   strings.Join(u.Hints, ", "),
		Format:   f,
	}
	if f == openai.AudioResponseFormatVerboseJSON {
		req.TimestampGranularities = []openai.TranscriptionTimestampGranularity{openai.TranscriptionTimestampGranularityWord}
	}
	return o.client.CreateTranscription(ctx, req)
}

// formatProblem says err may come from the response format rather than the
// audio: the server rejected the request as malformed, or its body was not
// the JSON asked for.
func formatProblem(err error) bool {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) {
		return true
	}
	status := 0
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	return status == http.StatusBadRequest || status == http.StatusUnprocessableEntity
}

func toResult(resp openai.AudioResponse) Result {
	text := strings.TrimSpace(resp.Text)
	res := Result{Text: text, Lang: langCode(resp.Language)}
	if text != "" {
		res.Confidence = 1
	}
	for _, w := range resp.Words {
		word := strings.TrimSpace(w.Word)
		if word == "" {
			continue
		}
		res.Words = append(res.Words, Word{Text: word, Start: seconds(w.Start), End: seconds(w.End)})
	}
	return res
}

// seconds turns a server's float seconds into a Duration, clamping nonsense
// (negative, NaN) to zero.
func seconds(s float64) time.Duration {
	if !(s > 0) || math.IsInf(s, 0) {
		return 0
	}
	return time.Duration(math.Round(s * float64(time.Second)))
}

// whisperLangs maps the language names Whisper's verbose_json gives to
// ISO 639-1 codes; servers that give codes already pass through.
var whisperLangs = map[string]string{
	"english": "en", "chinese": "zh", "mandarin": "zh", "cantonese": "yue", "japanese": "ja", "korean": "ko",
	"french": "fr", "german": "de", "spanish": "es", "italian": "it", "portuguese": "pt", "russian": "ru",
	"arabic": "ar", "hindi": "hi", "dutch": "nl", "turkish": "tr", "vietnamese": "vi", "thai": "th",
	"indonesian": "id", "malay": "ms", "polish": "pl", "ukrainian": "uk", "swedish": "sv",
}

func langCode(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if c, ok := whisperLangs[l]; ok {
		return c
	}
	return primaryLang(l)
}

// primaryLang turns "en-US" into "en": transcription servers take ISO 639-1.
func primaryLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

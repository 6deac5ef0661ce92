package asr

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/openaicompat"
)

func TestOpenAIRecognize(t *testing.T) {
	var gotModel, gotLang, gotFormat, gotGran string
	var gotRate int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/audio/transcriptions" {
			http.Error(w, "bad path "+r.URL.Path, http.StatusNotFound)
			return
		}
		if got := r.Header.Get("Authorization"); got != "Bearer sk-test" {
			http.Error(w, "bad auth "+got, http.StatusUnauthorized)
			return
		}
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		gotModel, gotLang = r.FormValue("model"), r.FormValue("language")
		gotFormat, gotGran = r.FormValue("response_format"), r.FormValue("timestamp_granularities[]")
		f, _, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		samples, rate, err := media.ReadWAV(f)
		if err != nil || len(samples) == 0 {
			http.Error(w, "bad wav", http.StatusBadRequest)
			return
		}
		gotRate = rate
		if ok, _ := audiotest.DetectTone(samples, 440, rate); !ok {
			http.Error(w, "tone missing from upload", http.StatusBadRequest)
			return
		}
		io.WriteString(w, `{"task":"transcribe","language":"english","duration":0.5,"text":" what are your opening hours ",
			"words":[{"word":" what","start":0.04,"end":0.1},{"word":"are","start":0.1,"end":0.15},{"word":"your","start":0.15,"end":0.2},
			{"word":"opening","start":0.2,"end":0.35},{"word":"hours","start":0.35,"end":0.48}]}`)
	}))
	defer srv.Close()
	t.Setenv("TEST_ASR_KEY", "sk-test")
	r, err := NewOpenAI(Config{Endpoint: openaicompat.Endpoint{BaseURL: srv.URL + "/v1", APIKeyEnv: "TEST_ASR_KEY", Model: "whisper-small"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Recognize(context.Background(), Utterance{Samples: audiotest.Tone(440, 8000, 500, 0.5), Rate: 8000, Lang: "en-US"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "what are your opening hours" || res.Confidence != 1 {
		t.Errorf("result = %+v", res)
	}
	if gotModel != "whisper-small" || gotLang != "en" || gotRate != 8000 {
		t.Errorf("server saw model=%q lang=%q rate=%d", gotModel, gotLang, gotRate)
	}
	if gotFormat != "verbose_json" || gotGran != "word" {
		t.Errorf("server saw response_format=%q timestamp_granularities[]=%q", gotFormat, gotGran)
	}
	if res.Lang != "en" {
		t.Errorf("lang = %q, want en", res.Lang)
	}
	want := []Word{{"what", 40 * time.Millisecond, 100 * time.Millisecond}, {"are", 100 * time.Millisecond, 150 * time.Millisecond},
		{"your", 150 * time.Millisecond, 200 * time.Millisecond}, {"opening", 200 * time.Millisecond, 350 * time.Millisecond},
		{"hours", 350 * time.Millisecond, 480 * time.Millisecond}}
	if len(res.Words) != len(want) {
		t.Fatalf("words = %+v", res.Words)
	}
	for i := range want {
		if res.Words[i] != want[i] {
			t.Errorf("word %d = %+v, want %+v", i, res.Words[i], want[i])
		}
	}
}

// Servers without verbose_json: one refuses it (400), one answers every
// format with a bare text body, one answers plain json. Each still
// transcribes, and the recognizer asks the next time in the format that worked.
func TestOpenAIFormatFallback(t *testing.T) {
	var formats []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f := r.FormValue("response_format")
		formats = append(formats, strings.TrimPrefix(r.URL.Path, "/")+":"+f)
		switch {
		case strings.HasPrefix(r.URL.Path, "/refuse/") && f == "verbose_json":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"message":"response_format verbose_json is not supported","type":"invalid_request_error"}}`)
		case strings.HasPrefix(r.URL.Path, "/refuse/"):
			json.NewEncoder(w).Encode(map[string]string{"text": "refused verbose"})
		case strings.HasPrefix(r.URL.Path, "/text/"):
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "bare text\n")
		case strings.HasPrefix(r.URL.Path, "/json/"):
			json.NewEncoder(w).Encode(map[string]string{"text": "plain json"})
		}
	}))
	defer srv.Close()
	u := Utterance{Samples: audiotest.Tone(440, 8000, 200, 0.5), Rate: 8000}
	for _, tc := range []struct{ server, want, formats string }{
		{"refuse", "refused verbose", "refuse/audio/transcriptions:verbose_json refuse/audio/transcriptions:json refuse/audio/transcriptions:json"},
		{"text", "bare text", "text/audio/transcriptions:verbose_json text/audio/transcriptions:json text/audio/transcriptions:text text/audio/transcriptions:text"},
		{"json", "plain json", "json/audio/transcriptions:verbose_json json/audio/transcriptions:verbose_json"},
	} {
		formats = nil
		r, err := NewOpenAI(Config{Endpoint: openaicompat.Endpoint{BaseURL: srv.URL + "/" + tc.server}})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			res, err := r.Recognize(context.Background(), u)
			if err != nil {
				t.Fatalf("%s: %v", tc.server, err)
			}
			if res.Text != tc.want || res.Words != nil {
				t.Errorf("%s: result = %+v, want text %q and no words", tc.server, res, tc.want)
			}
		}
		if got := strings.Join(formats, " "); got != tc.formats {
			t.Errorf("%s: requests\n got %s\nwant %s", tc.server, got, tc.formats)
		}
	}
}

func TestOpenAIErrors(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	failures := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/fail/audio/transcriptions":
			failures++
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":{"message":"model exploded","type":"server_error"}}`)
		case "/slow/audio/transcriptions":
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}
	}))
	defer srv.Close()
	u := Utterance{Samples: audiotest.Tone(440, 16000, 200, 0.5), Rate: 16000}

	fail, _ := NewOpenAI(Config{Endpoint: openaicompat.Endpoint{BaseURL: srv.URL + "/fail"}})
	if _, err := fail.Recognize(context.Background(), u); err == nil || !strings.Contains(err.Error(), "model exploded") {
		t.Errorf("server error: err = %v", err)
	}
	if failures != 1 {
		t.Errorf("a server error was retried in another format: %d requests", failures)
	}

	slow, _ := NewOpenAI(Config{Endpoint: openaicompat.Endpoint{BaseURL: srv.URL + "/slow"}, Timeout: 100 * time.Millisecond})
	start := time.Now()
	_, err := slow.Recognize(context.Background(), u)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: err = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timeout took %v", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if _, err := slow.Recognize(ctx, u); !errors.Is(err, context.Canceled) {
		t.Errorf("cancel: err = %v", err)
	}

	if _, err := fail.Recognize(context.Background(), Utterance{Rate: 16000}); !errors.Is(err, ErrEmptyUtterance) {
		t.Errorf("empty: err = %v", err)
	}
	if err := CanHear(fail, 8000, "zh-CN", []string{"人工"}); err != nil {
		t.Errorf("an openai recognizer hears every call: %v", err)
	}
	if _, err := NewOpenAI(Config{}); err == nil {
		t.Error("missing base_url accepted")
	}
	if _, err := New(Config{Backend: "bogus"}); err == nil {
		t.Error("unknown backend accepted")
	}
}

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
	var gotModel, gotLang string
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
		json.NewEncoder(w).Encode(map[string]string{"text": " what are your opening hours "})
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
}

func TestOpenAIErrors(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/fail/audio/transcriptions":
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

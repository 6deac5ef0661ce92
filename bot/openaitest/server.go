// Package openaitest is a local OpenAI-compatible server for tests: scripted
// transcriptions, streamed chat replies with tool calls, speech and
// embeddings. It stands in for the third-party cloud APIs only; everything
// else in a test runs for real.
package openaitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// Reply is one scripted chat completion.
type Reply struct {
	// Content, when set, makes a non-streamed reply from the request (an analyser's JSON that
	// must fit the transcript it was given); Deltas are then ignored for such requests.
	Content func(req ChatRequest) string
	Deltas  []string      // text pieces, streamed in order
	Delay   time.Duration // before each delta (and before the tool calls)
	// Hold keeps the stream open after the deltas until the client goes
	// away or Release is called: a model that is still "thinking".
	Hold      bool
	ToolCalls []ToolCall
	// Status, when set, fails the request with this HTTP status.
	Status int
}

// ToolCall is a scripted tool call; Arguments is sent verbatim (it may be
// malformed on purpose) in two fragments, as real servers do.
type ToolCall struct {
	Name, Arguments string
}

// Transcript is one scripted transcription answer.
type Transcript struct {
	Text   string
	Delay  time.Duration
	Status int
	// Language is reported in verbose_json answers ("english", "chinese"); default "english".
	Language string
	// SpreadWords gives word timestamps in verbose_json answers: the words of Text spread evenly
	// over the audio received, as a stand-in for a real model's alignment.
	SpreadWords bool
}

// Server is the fake. Scripts are consumed in order; when a script runs out
// the last entry repeats.
type Server struct {
	*httptest.Server

	mu          sync.Mutex
	replies     []Reply
	transcripts []Transcript
	chatReqs    []ChatRequest
	asrCount    int
	release     chan struct{}
	// SpeechRate is the sample rate of /audio/speech WAV answers (default 24000).
	SpeechRate int
	// SpeechMsPerChar sets how long synthesized speech lasts (default 60 ms a character).
	SpeechMsPerChar int
}

// ChatRequest is what a client sent to /chat/completions.
type ChatRequest struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role       string `json:"role"`
		Content    string `json:"content"`
		ToolCallID string `json:"tool_call_id"`
	} `json:"messages"`
	Tools []struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
}

// New starts a server on 127.0.0.1. Its base URL for clients is URL+"/v1".
func New() *Server {
	s := &Server{release: make(chan struct{}), SpeechRate: 24000, SpeechMsPerChar: 60}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/chat/completions", s.chat)
	mux.HandleFunc("/v1/audio/transcriptions", s.transcribe)
	mux.HandleFunc("/v1/audio/speech", s.speech)
	s.Server = httptest.NewServer(mux)
	return s
}

// BaseURL is the URL clients are configured with.
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// Script sets the chat replies.
func (s *Server) Script(r ...Reply) { s.mu.Lock(); s.replies = r; s.mu.Unlock() }

// Transcripts sets the transcription answers.
func (s *Server) Transcripts(t ...Transcript) { s.mu.Lock(); s.transcripts = t; s.mu.Unlock() }

// Release ends every held reply.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.release:
	default:
		close(s.release)
	}
}

// ChatRequests returns the chat requests received so far.
func (s *Server) ChatRequests() []ChatRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ChatRequest(nil), s.chatReqs...)
}

// TranscriptionCount is how many utterances were sent for transcription.
func (s *Server) TranscriptionCount() int { s.mu.Lock(); defer s.mu.Unlock(); return s.asrCount }

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	var req ChatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// Read to the end, so the server notices when the client goes away.
	io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	s.chatReqs = append(s.chatReqs, req)
	var rep Reply
	if len(s.replies) > 0 {
		rep = s.replies[0]
		if len(s.replies) > 1 {
			s.replies = s.replies[1:]
		}
	}
	release := s.release
	s.mu.Unlock()
	if rep.Status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.Status)
		fmt.Fprintf(w, `{"error":{"message":"scripted failure %d","type":"server_error"}}`, rep.Status)
		return
	}
	if !req.Stream {
		// A plain (non-streamed) completion, as analysers ask for: the deltas joined.
		content := strings.Join(rep.Deltas, "")
		if rep.Content != nil {
			content = rep.Content(req)
		}
		json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-test", "object": "chat.completion", "model": req.Model,
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": content}}},
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fl, _ := w.(http.Flusher)
	chunk := func(delta map[string]any, finish any) bool {
		b, _ := json.Marshal(map[string]any{
			"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": req.Model,
			"choices": []map[string]any{{"index": 0, "delta": delta, "finish_reason": finish}},
		})
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		if fl != nil {
			fl.Flush()
		}
		return true
	}
	wait := func(d time.Duration) bool {
		if d <= 0 {
			return true
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-r.Context().Done():
			return false
		}
	}
	if !chunk(map[string]any{"role": "assistant"}, nil) {
		return
	}
	for _, d := range rep.Deltas {
		if !wait(rep.Delay) || !chunk(map[string]any{"content": d}, nil) {
			return
		}
	}
	if rep.Hold {
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
	}
	for i, tc := range rep.ToolCalls {
		if !wait(rep.Delay) {
			return
		}
		half := len(tc.Arguments) / 2
		chunk(map[string]any{"tool_calls": []map[string]any{{"index": i, "id": fmt.Sprintf("call_%d", i), "type": "function",
			"function": map[string]any{"name": tc.Name, "arguments": tc.Arguments[:half]}}}}, nil)
		chunk(map[string]any{"tool_calls": []map[string]any{{"index": i, "function": map[string]any{"arguments": tc.Arguments[half:]}}}}, nil)
	}
	finish := "stop"
	if len(rep.ToolCalls) > 0 {
		finish = "tool_calls"
	}
	chunk(map[string]any{}, finish)
	io.WriteString(w, "data: [DONE]\n\n")
}

func (s *Server) transcribe(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	samples, rate, err := media.ReadWAV(f)
	if err != nil {
		http.Error(w, "not a WAV file: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.asrCount++
	var t Transcript
	if len(s.transcripts) > 0 {
		t = s.transcripts[0]
		if len(s.transcripts) > 1 {
			s.transcripts = s.transcripts[1:]
		}
	}
	s.mu.Unlock()
	if t.Delay > 0 {
		select {
		case <-time.After(t.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if t.Status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(t.Status)
		fmt.Fprintf(w, `{"error":{"message":"scripted failure %d"}}`, t.Status)
		return
	}
	if r.FormValue("response_format") != "verbose_json" {
		json.NewEncoder(w).Encode(map[string]string{"text": t.Text})
		return
	}
	dur := float64(len(samples)) / float64(max(rate, 1))
	type word struct {
		Word  string  `json:"word"`
		Start float64 `json:"start"`
		End   float64 `json:"end"`
	}
	words := []word{}
	if fields := strings.Fields(t.Text); t.SpreadWords && len(fields) > 0 {
		step := dur / float64(len(fields))
		for i, f := range fields {
			words = append(words, word{f, float64(i) * step, float64(i+1) * step})
		}
	}
	lang := t.Language
	if lang == "" {
		lang = "english"
	}
	json.NewEncoder(w).Encode(map[string]any{"task": "transcribe", "language": lang, "duration": dur, "text": t.Text, "words": words})
}

// speech answers with a 440 Hz tone as long as the text warrants, as WAV
// (response_format "wav") or raw PCM ("pcm").
func (s *Server) speech(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Input          string `json:"input"`
		ResponseFormat string `json:"response_format"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || strings.TrimSpace(req.Input) == "" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	n := s.SpeechRate * len([]rune(req.Input)) * s.SpeechMsPerChar / 1000
	pcm := make(media.PCM16, n)
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/float64(s.SpeechRate)))
	}
	switch req.ResponseFormat {
	case "pcm":
		var buf bytes.Buffer
		for _, v := range pcm {
			buf.WriteByte(byte(v))
			buf.WriteByte(byte(uint16(v) >> 8))
		}
		w.Write(buf.Bytes())
	default:
		media.WriteWAV(w, pcm, s.SpeechRate)
	}
}

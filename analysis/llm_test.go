package analysis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/hotline-cc/hotline/openaicompat"
	"github.com/hotline-cc/hotline/record"
)

// chatServer is a local OpenAI-compatible server that answers each chat completion with the
// next scripted reply (the last one repeats) and keeps the requests.
type chatServer struct {
	t       *testing.T
	mu      sync.Mutex
	replies []string
	reqs    []openai.ChatCompletionRequest
	auth    []string
	// refuse answers 400 to requests with these response_format types.
	refuse []openai.ChatCompletionResponseFormatType
}

func (s *chatServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req openai.ChatCompletionRequest
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, req)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	if req.ResponseFormat != nil && slices.Contains(s.refuse, req.ResponseFormat.Type) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"message":"response_format %s is not supported","type":"invalid_request_error"}}`, req.ResponseFormat.Type)
		return
	}
	reply := s.replies[min(len(s.reqs)-1, len(s.replies)-1)]
	json.NewEncoder(w).Encode(openai.ChatCompletionResponse{ID: "x", Object: "chat.completion", Model: req.Model,
		Choices: []openai.ChatCompletionChoice{{Message: openai.ChatCompletionMessage{Role: "assistant", Content: reply}, FinishReason: "stop"}}})
}

func newChat(t *testing.T, replies ...string) (*chatServer, Analyzer) {
	s := &chatServer{t: t, replies: replies}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Setenv("TEST_LLM_KEY", "sk-analysis")
	a, err := NewLLM(openaicompat.Endpoint{BaseURL: srv.URL + "/v1", APIKeyEnv: "TEST_LLM_KEY", Model: "ignored"}, "qwen-test",
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s, a
}

func llmCall() *record.Call {
	return &record.Call{Transcript: turns(
		"caller: My card [CARD] was charged twice, this is ridiculous.",
		"agent: Sorry about that, I will refund the duplicate charge today.",
		"caller: Thank you, that's great.",
	), Handoff: &record.Handoff{Intent: "billing", Summary: "caller 13812345678 charged twice"}}
}

const goodReply = `{"turn_sentiment":[-0.8,0.2,0.7],"caller_sentiment":-0.1,"agent_sentiment":0.3,
"summary":"The caller was charged twice; the agent promised a refund today.","intent":"refund",
"topics":["refund","billing"],"action_items":["Refund the duplicate charge today"],"language":"en"}`

func TestLLMGood(t *testing.T) {
	s, a := newChat(t, goodReply)
	got, err := a.Analyze(context.Background(), llmCall())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.TurnSentiment, []float64{-0.8, 0.2, 0.7}) || got.Sentiment.Caller != -0.1 || got.Sentiment.Other != 0.3 {
		t.Errorf("sentiment %+v %v", got.Sentiment, got.TurnSentiment)
	}
	if d := got.Sentiment.Trend - 1.5; d > 1e-9 || d < -1e-9 {
		t.Errorf("trend %v, want 0.7 - (-0.8)", got.Sentiment.Trend)
	}
	if got.Intent != "refund" || !slices.Equal(got.Topics, []string{"refund", "billing"}) || got.Language != "en" ||
		got.Sentiment.Label != LabelNeutral || len(got.Actions) != 1 || !strings.Contains(got.Summary, "charged twice") {
		t.Errorf("text %+v", got)
	}
	if a.Name() != "llm(qwen-test)" {
		t.Errorf("name %q", a.Name())
	}

	if len(s.reqs) != 1 {
		t.Fatalf("%d requests", len(s.reqs))
	}
	req := s.reqs[0]
	if req.Model != "qwen-test" || s.auth[0] != "Bearer sk-analysis" {
		t.Errorf("model %q auth %q", req.Model, s.auth[0])
	}
	if rf := req.ResponseFormat; rf == nil || rf.Type != openai.ChatCompletionResponseFormatTypeJSONSchema ||
		rf.JSONSchema == nil || !rf.JSONSchema.Strict || !strings.Contains(string(mustJSON(t, rf.JSONSchema.Schema)), `"turn_sentiment"`) {
		t.Errorf("response_format %+v", req.ResponseFormat)
	}
	if len(req.Messages) != 2 || req.Messages[0].Role != "system" {
		t.Fatalf("messages %+v", req.Messages)
	}
	user := req.Messages[1].Content
	for _, want := range []string{"[0] caller: My card [CARD] was charged twice", "[2] caller: Thank you", `intent "billing"`} {
		if !strings.Contains(user, want) {
			t.Errorf("user message lacks %q:\n%s", want, user)
		}
	}
	if p := transcriptPrompt([]record.Turn{{Speaker: "caller", Text: strings.Repeat("退款", 2000)}}); len(p) > 2000 || !utf8.ValidString(p) {
		t.Errorf("a 4000-character turn gave a prompt of %d bytes (valid UTF-8: %v)", len(p), utf8.ValidString(p))
	}
	if strings.Contains(user, "13812345678") {
		t.Error("the handoff's unredacted summary reached the model")
	}
}

func mustJSON(t *testing.T, m json.Marshaler) []byte {
	b, err := m.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLLMRetriesMalformed(t *testing.T) {
	s, a := newChat(t, "Sure! Here is the analysis: positive.", "```json\n"+goodReply+"\n```")
	got, err := a.Analyze(context.Background(), llmCall())
	if err != nil {
		t.Fatal(err)
	}
	if got.Intent != "refund" || len(s.reqs) != 2 {
		t.Fatalf("intent %q after %d requests", got.Intent, len(s.reqs))
	}
	m := s.reqs[1].Messages
	if len(m) != 4 || m[2].Role != "assistant" || m[2].Content != "Sure! Here is the analysis: positive." ||
		!strings.Contains(m[3].Content, "invalid") || !strings.Contains(m[3].Content, "exactly 3 numbers") {
		t.Errorf("retry messages %+v", m)
	}
}

func TestLLMAlwaysMalformed(t *testing.T) {
	wrongCount := strings.Replace(goodReply, "[-0.8,0.2,0.7]", "[-0.8,0.2]", 1)
	outOfRange := strings.Replace(goodReply, `"caller_sentiment":-0.1`, `"caller_sentiment":-3`, 1)
	extra := strings.Replace(goodReply, `"language":"en"`, `"language":"en","mood":"meh"`, 1)
	missing := strings.Replace(goodReply, `"intent":"refund",`, ``, 1)
	for name, bad := range map[string]string{"wrong count": wrongCount, "out of range": outOfRange, "unknown field": extra,
		"missing field": missing, "wrong type": strings.Replace(goodReply, `"topics":["refund","billing"]`, `"topics":"refund"`, 1)} {
		s, a := newChat(t, bad)
		_, err := a.Analyze(context.Background(), llmCall())
		if !errors.Is(err, ErrMalformedReply) {
			t.Errorf("%s: err = %v", name, err)
		}
		if len(s.reqs) != llmAttempts {
			t.Errorf("%s: %d requests, want %d", name, len(s.reqs), llmAttempts)
		}
	}
}

func TestLLMFormatFallback(t *testing.T) {
	s, a := newChat(t, goodReply)
	s.refuse = []openai.ChatCompletionResponseFormatType{openai.ChatCompletionResponseFormatTypeJSONSchema}
	for range 2 {
		if _, err := a.Analyze(context.Background(), llmCall()); err != nil {
			t.Fatal(err)
		}
	}
	var formats []string
	for _, r := range s.reqs {
		formats = append(formats, string(r.ResponseFormat.Type))
	}
	if got := strings.Join(formats, " "); got != "json_schema json_object json_object" {
		t.Errorf("formats %s", got)
	}
}

func TestLLMServerError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"error":{"message":"model overloaded","type":"server_error"}}`)
	}))
	defer srv.Close()
	a, _ := NewLLM(openaicompat.Endpoint{BaseURL: srv.URL}, "m", nil)
	_, err := a.Analyze(context.Background(), llmCall())
	if err == nil || errors.Is(err, ErrMalformedReply) || !strings.Contains(err.Error(), "model overloaded") {
		t.Errorf("err = %v", err)
	}
	if _, err := NewLLM(openaicompat.Endpoint{BaseURL: srv.URL}, "", nil); err == nil {
		t.Error("no model accepted")
	}
	if got, err := a.Analyze(context.Background(), &record.Call{}); err != nil || got.Sentiment.Label != LabelNeutral {
		t.Errorf("empty call: %+v %v (the model must not be asked)", got, err)
	}
}

func FuzzParseReply(f *testing.F) {
	f.Add(goodReply, 3)
	f.Add("```json\n{}\n```", 0)
	f.Add(`{"turn_sentiment":[NaN]}`, 1)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 1000 {
			return
		}
		r, err := parseReply(s, n)
		if err != nil {
			return
		}
		if len(r.TurnSentiment) != n || *r.CallerSentiment < -1 || *r.CallerSentiment > 1 || r.Summary == nil {
			t.Fatalf("accepted %q", s)
		}
		_ = r.text(make([]record.Turn, n), &record.Call{})
	})
}

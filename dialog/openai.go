package dialog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

const (
	defaultLLMTimeout  = 10 * time.Second
	defaultToolTimeout = 5 * time.Second
	// maxToolRounds bounds model → HTTP tool → model loops in one reply.
	maxToolRounds = 3
	maxToolResult = 4096
)

// OpenAI is an OpenAI-compatible streaming chat engine (OpenAI, DeepSeek,
// Qwen, vLLM, Ollama…). It grounds the model in the retrieved passages,
// offers the built-in tools and the profile's HTTP tools, runs HTTP tools
// itself, and streams text and built-in tool calls to the bot.
type OpenAI struct {
	client  *openai.Client
	model   string
	timeout time.Duration
	temp    float32
	http    *http.Client
}

var _ Engine = (*OpenAI)(nil)

// NewOpenAI returns an engine for cfg.BaseURL (required) and cfg.Model (required).
func NewOpenAI(cfg Config) (*OpenAI, error) {
	if cfg.BaseURL == "" || cfg.Model == "" {
		return nil, fmt.Errorf("dialog openai: base_url and model are required")
	}
	t := cfg.Timeout
	if t <= 0 {
		t = defaultLLMTimeout
	}
	return &OpenAI{client: cfg.Client(), model: cfg.Model, timeout: t, temp: cfg.Temperature, http: &http.Client{}}, nil
}

// groundingRule is the part of the system prompt that keeps the bot honest.
const groundingRule = `You are a voice assistant on a phone line. Answer in one to three short spoken sentences, without lists, markdown or URLs.
Answer only from the passages below. If the passages do not contain the answer, say you don't know and offer to transfer the caller to a human agent; never invent policies, prices, dates or promises.
Reply in the caller's language.
Call transfer_to_agent when the caller asks for a person, is upset, or you cannot help; give a one-sentence summary for the agent. Call end_call when the caller is done.`

// SystemPrompt builds the system message for req; exported so tests and
// the admin UI can show exactly what the model is told.
func SystemPrompt(req Request) string {
	var b strings.Builder
	b.WriteString(groundingRule)
	if req.Instructions != "" {
		b.WriteString("\n\nInstructions for this line:\n")
		b.WriteString(req.Instructions)
	}
	b.WriteString("\n\nPassages:\n")
	if len(req.Passages) == 0 {
		b.WriteString("(none found: you don't know the answer)\n")
	}
	for i, p := range req.Passages {
		fmt.Fprintf(&b, "[%d] %s — %s\n%s\n", i+1, p.Doc, p.Heading, p.Text)
	}
	return b.String()
}

func (o *OpenAI) tools(req Request) []openai.Tool {
	transferParams := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"reason":  map[string]any{"type": "string", "description": "why the caller needs a human"},
			"summary": map[string]any{"type": "string", "description": "one or two sentences for the agent: who, what, what was tried"},
			"intent":  map[string]any{"type": "string", "description": "the caller's goal in a few words, e.g. return_item"},
		},
		"required": []string{"reason", "summary"},
	}
	if len(req.Queues) > 0 {
		transferParams["properties"].(map[string]any)["queue"] = map[string]any{"type": "string", "enum": req.Queues}
	}
	tools := []openai.Tool{
		{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: ToolTransfer, Description: "Transfer the caller to a human agent.", Parameters: transferParams}},
		{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: ToolEndCall, Description: "End the call politely when the caller has what they need.",
			Parameters: map[string]any{"type": "object", "properties": map[string]any{"reason": map[string]any{"type": "string"}}}}},
	}
	for _, t := range req.Tools {
		params := t.Parameters
		if len(params) == 0 {
			params = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		tools = append(tools, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: t.Name, Description: t.Description, Parameters: params}})
	}
	return tools
}

// Respond starts a streamed reply. Errors before the first token (the
// request failed, the server is down) come back here; later ones from Recv.
func (o *OpenAI) Respond(ctx context.Context, req Request) (Stream, error) {
	msgs := []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleSystem, Content: SystemPrompt(req)}}
	for _, m := range req.History {
		role := openai.ChatMessageRoleUser
		if m.Role == RoleBot {
			role = openai.ChatMessageRoleAssistant
		}
		msgs = append(msgs, openai.ChatCompletionMessage{Role: role, Content: m.Text})
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &llmStream{o: o, req: req, ctx: ctx, cancel: cancel, msgs: msgs, tools: o.tools(req), events: make(chan streamItem, 16)}
	first, err := s.open()
	if err != nil {
		cancel()
		return nil, err
	}
	go s.run(first)
	return s, nil
}

type streamItem struct {
	ev  Event
	err error
}

type llmStream struct {
	o      *OpenAI
	req    Request
	ctx    context.Context
	cancel context.CancelFunc
	msgs   []openai.ChatCompletionMessage
	tools  []openai.Tool
	events chan streamItem
}

func (s *llmStream) Recv() (Event, error) {
	select {
	case it, ok := <-s.events:
		if !ok {
			return Event{}, io.EOF
		}
		return it.ev, it.err
	case <-s.ctx.Done():
		return Event{}, s.ctx.Err()
	}
}

func (s *llmStream) Close() { s.cancel() }

// open sends one chat request and waits for the response headers, bounded
// by the engine's timeout.
func (s *llmStream) open() (*openai.ChatCompletionStream, error) {
	timer := time.AfterFunc(s.o.timeout, s.cancel)
	defer timer.Stop()
	st, err := s.o.client.CreateChatCompletionStream(s.ctx, openai.ChatCompletionRequest{
		Model: s.o.model, Messages: s.msgs, Tools: s.tools, Stream: true, Temperature: s.o.temp,
	})
	if err != nil {
		return nil, fmt.Errorf("dialog %s: %w", s.o.model, err)
	}
	return st, nil
}

func (s *llmStream) send(it streamItem) bool {
	select {
	case s.events <- it:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// run pumps the model's stream into events, running HTTP tools between rounds.
func (s *llmStream) run(st *openai.ChatCompletionStream) {
	defer close(s.events)
	for round := 0; ; round++ {
		calls, err := s.pump(st)
		st.Close()
		if err != nil {
			s.send(streamItem{err: err})
			return
		}
		var httpCalls []openai.ToolCall
		for _, c := range calls {
			if c.Function.Name == ToolTransfer || c.Function.Name == ToolEndCall {
				args, err := parseArgs(c.Function.Arguments)
				if err != nil {
					s.send(streamItem{err: fmt.Errorf("dialog %s: %s(%q): %w", s.o.model, c.Function.Name, c.Function.Arguments, ErrMalformedToolCall)})
					return
				}
				if !s.send(streamItem{ev: Event{ToolCall: &ToolCall{ID: c.ID, Name: c.Function.Name, Args: args}}}) {
					return
				}
				continue
			}
			httpCalls = append(httpCalls, c)
		}
		if len(httpCalls) == 0 {
			return
		}
		if round+1 >= maxToolRounds {
			s.send(streamItem{err: fmt.Errorf("dialog %s: more than %d tool rounds", s.o.model, maxToolRounds)})
			return
		}
		s.msgs = append(s.msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, ToolCalls: httpCalls})
		for _, c := range httpCalls {
			result, args := s.runTool(c)
			if !s.send(streamItem{ev: Event{ToolCall: &ToolCall{ID: c.ID, Name: c.Function.Name, Args: args, Result: result}}}) {
				return
			}
			s.msgs = append(s.msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: c.ID, Name: c.Function.Name, Content: result})
		}
		if st, err = s.open(); err != nil {
			s.send(streamItem{err: err})
			return
		}
	}
}

// pump forwards text deltas and assembles tool calls, which arrive in
// fragments keyed by index.
func (s *llmStream) pump(st *openai.ChatCompletionStream) ([]openai.ToolCall, error) {
	var calls []openai.ToolCall
	// The server ends the stream (EOF) or ctx does (barge-in, timeout).
	for {
		resp, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return calls, nil
		}
		if err != nil {
			return nil, fmt.Errorf("dialog %s: stream: %w", s.o.model, err)
		}
		for _, ch := range resp.Choices {
			if ch.Delta.Content != "" {
				if !s.send(streamItem{ev: Event{Text: ch.Delta.Content}}) {
					return nil, s.ctx.Err()
				}
			}
			for _, tc := range ch.Delta.ToolCalls {
				idx := len(calls)
				if tc.Index != nil {
					idx = *tc.Index
				}
				if idx < 0 || idx > 64 {
					return nil, fmt.Errorf("dialog %s: tool call index %d: %w", s.o.model, idx, ErrMalformedToolCall)
				}
				for len(calls) <= idx {
					calls = append(calls, openai.ToolCall{Type: openai.ToolTypeFunction})
				}
				c := &calls[idx]
				if tc.ID != "" {
					c.ID = tc.ID
				}
				c.Function.Name += tc.Function.Name
				c.Function.Arguments += tc.Function.Arguments
			}
		}
	}
}

// runTool POSTs the model's arguments to the tool's URL. Failures go back
// to the model as the tool's result, so it can apologise or transfer.
func (s *llmStream) runTool(c openai.ToolCall) (result string, args map[string]string) {
	var tool *HTTPTool
	for i := range s.req.Tools {
		if s.req.Tools[i].Name == c.Function.Name {
			tool = &s.req.Tools[i]
		}
	}
	if tool == nil {
		return fmt.Sprintf(`{"error":"unknown tool %q"}`, c.Function.Name), nil
	}
	args, err := parseArgs(c.Function.Arguments)
	if err != nil {
		return `{"error":"arguments were not a JSON object; call the tool again with valid JSON"}`, nil
	}
	timeout := tool.Timeout
	if timeout <= 0 {
		timeout = defaultToolTimeout
	}
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	body := c.Function.Arguments
	if strings.TrimSpace(body) == "" {
		body = "{}"
	}
	target := fillURL(tool.URL, args)
	method := strings.ToUpper(tool.Method)
	var reqBody io.Reader = bytes.NewReader([]byte(body))
	if method == http.MethodGet {
		reqBody = nil
		if u, err := url.Parse(target); err == nil {
			q := u.Query()
			for k, v := range args {
				if !strings.Contains(tool.URL, "${"+k+"}") {
					q.Set(k, v)
				}
			}
			u.RawQuery = q.Encode()
			target = u.String()
		}
	} else {
		method = http.MethodPost
	}
	hreq, err := http.NewRequestWithContext(ctx, method, target, reqBody)
	if err != nil {
		return fmt.Sprintf(`{"error":%q}`, err.Error()), args
	}
	hreq.Header.Set("Content-Type", "application/json")
	for k, v := range tool.Headers {
		hreq.Header.Set(k, v)
	}
	resp, err := s.o.http.Do(hreq)
	if err != nil {
		return fmt.Sprintf(`{"error":"tool unavailable: %s"}`, jsonSafe(err.Error())), args
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxToolResult))
	if resp.StatusCode >= 300 {
		return fmt.Sprintf(`{"error":"tool returned HTTP %d","body":%q}`, resp.StatusCode, string(b)), args
	}
	return string(b), args
}

func jsonSafe(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

// parseArgs reads a tool's JSON object arguments as text values. An empty
// string is an empty object (some servers send nothing for no arguments).
func parseArgs(raw string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(raw) == "" {
		return out, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, err
	}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = v
		case nil:
		default:
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out, nil
}

// fillURL replaces "${name}" with the argument, escaped for where it
// stands: as a path segment before the '?', as a query value after it.
func fillURL(tmpl string, args map[string]string) string {
	path, query, hasQuery := strings.Cut(tmpl, "?")
	for k, v := range args {
		path = strings.ReplaceAll(path, "${"+k+"}", url.PathEscape(v))
		query = strings.ReplaceAll(query, "${"+k+"}", url.QueryEscape(v))
	}
	if hasQuery {
		return path + "?" + query
	}
	return path
}

package analysis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/hotline-cc/hotline/openaicompat"
	"github.com/hotline-cc/hotline/record"
)

const (
	// llmAttempts: a model that fails the schema three times in a row will not pass on the
	// fourth; the job fails and the pipeline's backoff decides when to try again.
	llmAttempts   = 3
	llmTimeout    = 90 * time.Second // one completion over a long call is slow on local models
	maxSummaryLen = 2000             // characters
	maxShortLen   = 80               // an intent or a topic
	maxListLen    = 20               // topics, action items
	// maxTurnPrompt bounds one turn's text in the prompt, so a runaway recognition (a
	// transcribed radio) cannot push the rest of the call out of the model's context.
	maxTurnPrompt = 1500 // bytes
)

// llmFormats are tried in order: a strict JSON schema (OpenAI, vLLM, recent Ollama), a plain
// JSON object (DeepSeek, older servers), then no response_format at all (the prompt alone asks
// for JSON). A server that refuses one (400/422) is asked with the next, and remembered.
var llmFormats = []openai.ChatCompletionResponseFormatType{
	openai.ChatCompletionResponseFormatTypeJSONSchema,
	openai.ChatCompletionResponseFormatTypeJSONObject,
	"",
}

type llm struct {
	client *openai.Client
	model  string
	ep     openaicompat.Endpoint
	log    *slog.Logger
	format atomic.Int32 // index in llmFormats of the richest format the server takes
}

// NewLLM returns an analyser that asks the model at ep (model overrides ep.Model when set) for
// the analysis as JSON, validates the reply against the schema in Go and asks again when it is
// malformed. The turns it is given go to that server as they are: redact them first.
func NewLLM(ep openaicompat.Endpoint, model string, log *slog.Logger) (Analyzer, error) {
	if model == "" {
		model = ep.Model
	}
	if ep.BaseURL == "" || model == "" {
		return nil, fmt.Errorf("analysis llm: base_url and model are required")
	}
	if log == nil {
		log = slog.Default()
	}
	ep.Model = model
	return &llm{client: ep.Client(), model: model, ep: ep, log: log}, nil
}

func (l *llm) Name() string { return "llm(" + l.model + ")" }

// llmSystemPrompt tells the model what to return; the schema repeats it for servers that
// enforce schemas.
const llmSystemPrompt = `You analyse one customer-service conversation. The transcript lists numbered turns as "[n] speaker: text"; speakers are caller, bot and agent. Some words may be replaced by tokens such as [PHONE] or [CARD]: treat them as the data they stand for and never guess it.
Reply with one JSON object only, no markdown, with exactly these fields:
- "turn_sentiment": an array with one number per turn, in order, from -1 (very negative) through 0 (neutral) to 1 (very positive): how the speaker of that turn feels.
- "caller_sentiment": a number from -1 to 1, the caller's overall sentiment.
- "agent_sentiment": a number from -1 to 1, the overall sentiment of the other side (agent and bot).
- "summary": two or three sentences in the conversation's language: what the caller wanted, what was done, how it ended.
- "intent": the caller's main goal as a short snake_case label, e.g. "refund", "delivery", "billing", "cancellation", "complaint", "technical_issue", "account".
- "topics": up to five short snake_case labels of what was discussed, most important first.
- "action_items": what the agent or bot promised to do after the call, each a short sentence; [] if nothing.
- "language": the conversation's main language as an ISO 639-1 code, e.g. "en" or "zh".`

// llmSchema is the reply's JSON schema (response_format json_schema, strict).
var llmSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "turn_sentiment": {"type": "array", "items": {"type": "number", "minimum": -1, "maximum": 1}},
    "caller_sentiment": {"type": "number", "minimum": -1, "maximum": 1},
    "agent_sentiment": {"type": "number", "minimum": -1, "maximum": 1},
    "summary": {"type": "string"},
    "intent": {"type": "string"},
    "topics": {"type": "array", "items": {"type": "string"}},
    "action_items": {"type": "array", "items": {"type": "string"}},
    "language": {"type": "string"}
  },
  "required": ["turn_sentiment", "caller_sentiment", "agent_sentiment", "summary", "intent", "topics", "action_items", "language"],
  "additionalProperties": false
}`)

// llmReply is the reply's Go form; pointers tell a missing field from a zero.
type llmReply struct {
	TurnSentiment   []float64 `json:"turn_sentiment"`
	CallerSentiment *float64  `json:"caller_sentiment"`
	AgentSentiment  *float64  `json:"agent_sentiment"`
	Summary         *string   `json:"summary"`
	Intent          *string   `json:"intent"`
	Topics          []string  `json:"topics"`
	ActionItems     []string  `json:"action_items"`
	Language        *string   `json:"language"`
}

// transcriptPrompt numbers the turns for the model.
func transcriptPrompt(turns []record.Turn) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Transcript (%d turns):\n", len(turns))
	for i, t := range turns {
		text := strings.Join(strings.Fields(t.Text), " ")
		if len(text) > maxTurnPrompt {
			cut := maxTurnPrompt
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
			text = text[:cut] + " …"
		}
		fmt.Fprintf(&b, "[%d] %s: %s\n", i, t.Speaker, text)
	}
	return b.String()
}

// Analyze sends c.Transcript, which must be redacted already, in one chat completion.
func (l *llm) Analyze(ctx context.Context, c *record.Call) (Text, error) {
	turns := c.Transcript
	if len(turns) == 0 {
		return Text{Sentiment: record.Sentiment{Label: LabelNeutral}}, nil
	}
	msgs := []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: llmSystemPrompt},
		{Role: openai.ChatMessageRoleUser, Content: transcriptPrompt(turns)},
	}
	if c.Handoff != nil && c.Handoff.Intent != "" {
		// Only the label: the handoff's summary and slots are not redacted text.
		msgs[1].Content += fmt.Sprintf("The bot that answered first noted the intent %q.\n", c.Handoff.Intent)
	}
	var lastErr error
	for attempt := 1; attempt <= llmAttempts; attempt++ {
		content, err := l.complete(ctx, msgs)
		if err != nil {
			return Text{}, fmt.Errorf("analysis %s at %s: %w", l.Name(), l.ep.URL(), err)
		}
		reply, err := parseReply(content, len(turns))
		if err == nil {
			return reply.text(turns, c), nil
		}
		lastErr = err
		l.log.Warn("analysis: model reply rejected", "model", l.model, "attempt", attempt, "reason", err.Error())
		// Show the model its reply and what was wrong with it: models correct a named
		// mistake far more often than they avoid it when simply asked again.
		msgs = append(msgs,
			openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: content},
			openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: fmt.Sprintf(
				"That reply is invalid: %v. Reply again with only the JSON object, with exactly %d numbers in turn_sentiment.", err, len(turns))})
	}
	return Text{}, fmt.Errorf("analysis %s: %d replies rejected, the last: %v: %w", l.Name(), llmAttempts, lastErr, ErrMalformedReply)
}

// complete runs one chat completion, stepping down llmFormats while the server refuses them.
func (l *llm) complete(ctx context.Context, msgs []openai.ChatCompletionMessage) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, llmTimeout)
	defer cancel()
	start := int(l.format.Load())
	var err error
	for f := start; f < len(llmFormats); f++ {
		req := openai.ChatCompletionRequest{Model: l.model, Messages: msgs}
		switch llmFormats[f] {
		case openai.ChatCompletionResponseFormatTypeJSONSchema:
			req.ResponseFormat = &openai.ChatCompletionResponseFormat{
				Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
				JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: "call_analysis", Schema: llmSchema, Strict: true},
			}
		case openai.ChatCompletionResponseFormatTypeJSONObject:
			req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
		}
		var resp openai.ChatCompletionResponse
		resp, err = l.client.CreateChatCompletion(ctx, req)
		if err == nil {
			if f != start {
				l.format.Store(int32(f))
				l.log.Info("analysis: server takes a simpler response_format", "model", l.model, "format", string(llmFormats[f]))
			}
			if len(resp.Choices) == 0 {
				return "", nil // parseReply rejects it, and the model is asked again
			}
			return resp.Choices[0].Message.Content, nil
		}
		if !refused(err) || ctx.Err() != nil {
			break
		}
	}
	return "", err
}

// refused says the server rejected the request as such (400/422), as servers do for a
// response_format they do not know.
func refused(err error) bool {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	status := 0
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	return status == http.StatusBadRequest || status == http.StatusUnprocessableEntity
}

// parseReply decodes and validates a reply for a transcript of turns turns. Models without
// enforced formats sometimes wrap JSON in a markdown fence; that much is forgiven.
func parseReply(content string, turns int) (llmReply, error) {
	var r llmReply
	s := strings.TrimSpace(content)
	if rest, ok := strings.CutPrefix(s, "```"); ok {
		rest = strings.TrimPrefix(rest, "json")
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "```"))
	}
	if s == "" {
		return r, errors.New("empty reply")
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("not the JSON object asked for: %v", err)
	}
	if dec.More() {
		return r, errors.New("text after the JSON object")
	}
	switch {
	case r.TurnSentiment == nil:
		return r, errors.New("turn_sentiment missing")
	case len(r.TurnSentiment) != turns:
		return r, fmt.Errorf("turn_sentiment has %d numbers for %d turns", len(r.TurnSentiment), turns)
	case r.CallerSentiment == nil, r.AgentSentiment == nil:
		return r, errors.New("caller_sentiment or agent_sentiment missing")
	case r.Summary == nil || strings.TrimSpace(*r.Summary) == "":
		return r, errors.New("summary missing or empty")
	case len(*r.Summary) > maxSummaryLen:
		return r, fmt.Errorf("summary of %d characters (at most %d)", len(*r.Summary), maxSummaryLen)
	case r.Intent == nil || len(*r.Intent) > maxShortLen:
		return r, errors.New("intent missing or too long")
	case r.Topics == nil || len(r.Topics) > maxListLen:
		return r, errors.New("topics missing or too many")
	case r.ActionItems == nil || len(r.ActionItems) > maxListLen:
		return r, errors.New("action_items missing or too many")
	case r.Language == nil || len(*r.Language) > 8:
		return r, errors.New("language missing or not a language code")
	}
	for i, v := range r.TurnSentiment {
		if !(v >= -1 && v <= 1) {
			return r, fmt.Errorf("turn_sentiment[%d] = %v, outside -1…1", i, v)
		}
	}
	for name, v := range map[string]float64{"caller_sentiment": *r.CallerSentiment, "agent_sentiment": *r.AgentSentiment} {
		if !(v >= -1 && v <= 1) {
			return r, fmt.Errorf("%s = %v, outside -1…1", name, v)
		}
	}
	for i, t := range r.Topics {
		if strings.TrimSpace(t) == "" || len(t) > maxShortLen {
			return r, fmt.Errorf("topics[%d] empty or too long", i)
		}
	}
	for i, a := range r.ActionItems {
		if strings.TrimSpace(a) == "" || len(a) > maxSummaryLen {
			return r, fmt.Errorf("action_items[%d] empty or too long", i)
		}
	}
	return r, nil
}

func (r llmReply) text(turns []record.Turn, c *record.Call) Text {
	t := Text{
		TurnSentiment: r.TurnSentiment,
		Summary:       strings.TrimSpace(*r.Summary),
		Intent:        strings.TrimSpace(*r.Intent),
		Topics:        r.Topics,
		Actions:       r.ActionItems,
		Language:      strings.ToLower(strings.TrimSpace(*r.Language)),
	}
	if t.Language == "" {
		t.Language = language(turns)
	}
	if t.Intent == "" && c.Handoff != nil {
		t.Intent = c.Handoff.Intent
	}
	t.Sentiment = record.Sentiment{Caller: *r.CallerSentiment, Other: *r.AgentSentiment, Label: Label(*r.CallerSentiment)}
	var caller []float64
	for i, turn := range turns {
		if turn.Speaker == record.SpeakerCaller {
			caller = append(caller, r.TurnSentiment[i])
		}
	}
	t.Sentiment.Trend = trend(caller)
	return t
}

// trend is the mean of the last third of scores minus the mean of the first third; 0 with fewer
// than two.
func trend(scores []float64) float64 {
	n := len(scores)
	if n < 2 {
		return 0
	}
	k := max(1, n/3)
	return mean(scores[n-k:]) - mean(scores[:k])
}

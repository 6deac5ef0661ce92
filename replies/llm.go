package replies

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/openaicompat"
	"github.com/hotline-cc/hotline/record"
)

// llmTimeout bounds one intent's completion (local models are slow on long prompts).
const llmTimeout = 90 * time.Second

// llmWriter asks an OpenAI-compatible model for candidates, one completion per intent, with the
// retrieved passages numbered in the prompt; a candidate must cite the passages it used.
type llmWriter struct {
	client *openai.Client
	model  string
}

func newLLMWriter(ep openaicompat.Endpoint) (*llmWriter, error) {
	if ep.BaseURL == "" || ep.Model == "" {
		return nil, fmt.Errorf("replies: %w: the model needs base_url and model", ErrInvalid)
	}
	return &llmWriter{client: ep.Client(), model: ep.Model}, nil
}

const llmSystem = `You write reply scripts for customer-service agents. Use ONLY the facts in the numbered knowledge-base passages you are given: never add a policy, number, price or promise that is not in them. Write in the language asked for. You may use the variables ${customer.name} and ${order} where the customer's name or order number belongs; leave them exactly as written.
Reply with one JSON object only, no markdown: {"candidates":[{"title":"short title","text":"what the agent says","passages":[1,2]}]}, where "passages" lists the numbers of the passages the text relies on (at least one).`

var toneWords = map[string]string{
	"formal": "formal and polite",
	"warm":   "warm and empathetic",
	"brief":  "brief: one or two short sentences",
}

func (w *llmWriter) write(ctx context.Context, intent string, req Request, hits []kb.Hit) ([]candidate, error) {
	var b strings.Builder
	lang := "English"
	if req.Lang == record.LangChinese {
		lang = "Simplified Chinese"
	}
	fmt.Fprintf(&b, "Intent: %s\nTone: %s\nLanguage: %s\nWrite %d different candidates.\n\nPassages:\n", strings.ReplaceAll(intent, "_", " "), toneWords[req.Tone], lang, req.Count)
	for i, h := range hits {
		fmt.Fprintf(&b, "[%d] %s\n", i+1, passageLabel(h))
	}
	ctx, cancel := context.WithTimeout(ctx, llmTimeout)
	defer cancel()
	resp, err := w.client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: w.model, Messages: []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: llmSystem},
		{Role: openai.ChatMessageRoleUser, Content: b.String()},
	}})
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if len(resp.Choices) == 0 {
		return nil, fmt.Errorf("model: no answer")
	}
	return parseCandidates(resp.Choices[0].Message.Content, len(hits), req.Count)
}

// parseCandidates reads the model's JSON (tolerating a markdown fence or words around it) and
// keeps the candidates that cite at least one passage that exists, at most count.
func parseCandidates(content string, passages, count int) ([]candidate, error) {
	i, j := strings.Index(content, "{"), strings.LastIndex(content, "}")
	if i < 0 || j < i {
		return nil, fmt.Errorf("model: the answer is not JSON")
	}
	var out struct {
		Candidates []struct {
			Title    string `json:"title"`
			Text     string `json:"text"`
			Passages []int  `json:"passages"`
		} `json:"candidates"`
	}
	if err := json.Unmarshal([]byte(content[i:j+1]), &out); err != nil {
		return nil, fmt.Errorf("model: the answer is not the JSON asked for: %w", err)
	}
	var cands []candidate
	for _, c := range out.Candidates {
		text := strings.TrimSpace(c.Text)
		var used []int
		for _, n := range c.Passages {
			if n >= 1 && n <= passages && !slices.Contains(used, n-1) {
				used = append(used, n-1)
			}
		}
		if text == "" || len(used) == 0 {
			continue // ungrounded: not a candidate
		}
		cands = append(cands, candidate{title: strings.TrimSpace(c.Title), text: text, used: used})
		if len(cands) == count {
			break
		}
	}
	return cands, nil
}

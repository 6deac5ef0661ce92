package replay

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/kb"
	openai "github.com/sashabaranov/go-openai"
)

// LLM is the judge with a model: an OpenAI-compatible server is asked whether the passages
// state every fact of the sentence. It tells an answer from a sentence that claims nothing
// ("I can transfer you to a colleague"), which term overlap cannot. Passage and Score still
// come from term overlap, to show which passage the sentence is closest to.
type LLM struct {
	client  *openai.Client
	model   string
	timeout time.Duration
}

var _ Judge = (*LLM)(nil)

// NewLLM judges with the model cfg names (engines.llm).
func NewLLM(cfg dialog.Config) (*LLM, error) {
	if cfg.BaseURL == "" || cfg.Model == "" {
		return nil, fmt.Errorf("replay judge: engines.llm needs base_url and model")
	}
	t := cfg.Timeout
	if t <= 0 {
		t = 20 * time.Second
	}
	return &LLM{client: cfg.Client(), model: cfg.Model, timeout: t}, nil
}

const judgePrompt = `You check a customer-service bot's answer against the knowledge-base passages it was given.
Reply with one word: SUPPORTED if every fact in the sentence (times, prices, durations, policies, promises) is stated in the passages, or if the sentence states no fact (a greeting, an apology, saying it does not know, an offer to transfer to a person); UNSUPPORTED otherwise.`

// Judge implements Judge.
func (j *LLM) Judge(ctx context.Context, sentence string, passages []kb.Hit) (Sentence, error) {
	out, _ := Overlap{Threshold: 1}.Judge(ctx, sentence, passages)
	var b strings.Builder
	for i, p := range passages {
		fmt.Fprintf(&b, "Passage %d (%s): %s\n\n", i+1, p.Heading, p.Text)
	}
	if len(passages) == 0 {
		b.WriteString("(no passages)\n\n")
	}
	fmt.Fprintf(&b, "Sentence: %s", sentence)
	ctx, cancel := context.WithTimeout(ctx, j.timeout)
	defer cancel()
	resp, err := j.client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: j.model, Messages: []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: judgePrompt}, {Role: openai.ChatMessageRoleUser, Content: b.String()}}})
	if err != nil {
		return out, err
	}
	if len(resp.Choices) == 0 {
		return out, fmt.Errorf("replay judge: the model gave no answer")
	}
	verdict := strings.ToUpper(resp.Choices[0].Message.Content)
	switch {
	case strings.Contains(verdict, "UNSUPPORTED"):
		out.Supported = false
	case strings.Contains(verdict, "SUPPORTED"):
		out.Supported = true
	default:
		return out, fmt.Errorf("replay judge: the model answered %q, not SUPPORTED or UNSUPPORTED", resp.Choices[0].Message.Content)
	}
	return out, nil
}

// Judges.
const (
	JudgeAuto    = "auto"    // the model when engines.llm is an OpenAI-compatible server, else overlap
	JudgeOverlap = "overlap" // term overlap with the threshold
	JudgeLLM     = "llm"     // the model of engines.llm
)

// JudgeFor is the judge kind names ("" is auto) for hotline.yaml's engines.
func JudgeFor(kind string, cfg config.Engines, threshold float64) (Judge, error) {
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	remote := strings.EqualFold(cfg.LLM.Backend, "openai")
	switch kind {
	case "", JudgeAuto:
		if !remote {
			return Overlap{Threshold: threshold}, nil
		}
		return NewLLM(cfg.LLM)
	case JudgeOverlap:
		return Overlap{Threshold: threshold}, nil
	case JudgeLLM:
		if !remote {
			return nil, fmt.Errorf("replay judge llm: engines.llm is not an OpenAI-compatible server (backend: openai)")
		}
		return NewLLM(cfg.LLM)
	}
	return nil, fmt.Errorf("replay judge %q: want auto, overlap or llm", kind)
}

package kb

import (
	"context"
	"fmt"

	"github.com/hotline-cc/hotline/openaicompat"
	openai "github.com/sashabaranov/go-openai"
)

// Embedder turns texts into vectors of equal length.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// OpenAIEmbedder calls an OpenAI-compatible /embeddings endpoint.
type OpenAIEmbedder struct {
	client *openai.Client
	model  string
}

// NewOpenAIEmbedder returns an embedder for the endpoint's server and model
// (e.g. "text-embedding-3-small", "bge-m3").
func NewOpenAIEmbedder(ep openaicompat.Endpoint) (*OpenAIEmbedder, error) {
	if ep.BaseURL == "" || ep.Model == "" {
		return nil, fmt.Errorf("kb embeddings: base_url and model are required")
	}
	return &OpenAIEmbedder{client: ep.Client(), model: ep.Model}, nil
}

// Embed sends texts in batches of 64.
func (e *OpenAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += 64 {
		end := min(start+64, len(texts))
		resp, err := e.client.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Input: texts[start:end], Model: openai.EmbeddingModel(e.model)})
		if err != nil {
			return nil, fmt.Errorf("kb embeddings %s: %w", e.model, err)
		}
		if len(resp.Data) != end-start {
			return nil, fmt.Errorf("kb embeddings %s: got %d vectors for %d texts", e.model, len(resp.Data), end-start)
		}
		vecs := make([][]float32, end-start)
		for _, d := range resp.Data {
			if d.Index < 0 || d.Index >= len(vecs) {
				return nil, fmt.Errorf("kb embeddings %s: vector index %d out of range", e.model, d.Index)
			}
			vecs[d.Index] = d.Embedding
		}
		out = append(out, vecs...)
	}
	return out, nil
}

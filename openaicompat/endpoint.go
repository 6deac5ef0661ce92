// Package openaicompat holds the one description of an OpenAI-compatible server that every
// engine talks to (speech recognition, the dialog model, speech synthesis, embeddings): its base
// URL, model and API key, and how the key is found. OpenAI, DeepSeek, Qwen, vLLM, Ollama,
// faster-whisper and Kokoro servers all speak this API; github.com/sashabaranov/go-openai is the
// client for every one of them.
package openaicompat

import (
	"fmt"
	"os"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// Endpoint is one OpenAI-compatible server and model, as an engine's section of hotline.yaml
// gives it (inline: base_url, model, api_key, api_key_env).
type Endpoint struct {
	// BaseURL of the API, e.g. "https://api.deepseek.com/v1" or "http://127.0.0.1:8000/v1".
	BaseURL string `yaml:"base_url"`
	// Model such as "deepseek-chat", "whisper-1" or "Systran/faster-whisper-small".
	Model string `yaml:"model"`
	// APIKey is the bearer token. Prefer APIKeyEnv, the name of an environment variable that
	// holds it, to keep secrets out of the file.
	APIKey    string `yaml:"api_key"`
	APIKeyEnv string `yaml:"api_key_env"`
}

// Key is the API key: the value of APIKeyEnv when that variable is set and not empty, else
// APIKey (which may be empty: local servers often need none).
func (e Endpoint) Key() string {
	if e.APIKeyEnv != "" {
		if v := os.Getenv(e.APIKeyEnv); v != "" {
			return v
		}
	}
	return e.APIKey
}

// KeyProblem says why the configured key cannot be used, or "" when it can: an api_key_env that
// names an unset variable with no api_key to fall back on.
func (e Endpoint) KeyProblem() string {
	if e.APIKeyEnv != "" && os.Getenv(e.APIKeyEnv) == "" && e.APIKey == "" {
		return fmt.Sprintf("api_key_env %s is not set (and there is no api_key): requests go without a key", e.APIKeyEnv)
	}
	return ""
}

// URL is the base URL without a trailing slash.
func (e Endpoint) URL() string { return strings.TrimRight(e.BaseURL, "/") }

// Client returns a go-openai client for the endpoint.
func (e Endpoint) Client() *openai.Client {
	oc := openai.DefaultConfig(e.Key())
	oc.BaseURL = e.URL()
	return openai.NewClientWithConfig(oc)
}

// String names the server and model for logs ("http://127.0.0.1:8000/v1, whisper-1"); never the key.
func (e Endpoint) String() string {
	if e.Model == "" {
		return e.URL()
	}
	return e.URL() + ", " + e.Model
}

package config

import (
	"fmt"
	"net/url"
	"os"
	"runtime"
	"slices"
	"time"
)

// Analysis configures what happens to calls after they end: the durable analysis queue, the
// redaction of personal data, the analysers and the category rules.
type Analysis struct {
	// Off turns post-call analysis off (recordings are still kept).
	Off bool `yaml:"off"`
	// Concurrency is how many calls are analysed at once; default one per core.
	Concurrency int `yaml:"concurrency"`
	// MaxAttempts is how often a failing analysis is tried before it is marked failed; default 5.
	MaxAttempts int `yaml:"max_attempts"`
	// YieldAboveCalls: while more calls than this are in progress, no new analysis starts (live
	// calls come first at a peak; the queue catches up after). Default 100 per core.
	YieldAboveCalls int `yaml:"yield_above_calls"`
	// Analyzer is embedded (lexicon sentiment, extractive summary, keyword intents) or llm (the
	// engines.llm model, given the redacted transcript). Default: llm when engines.llm.backend is
	// openai, else embedded.
	Analyzer string `yaml:"analyzer"`
	// Rules is the category rules file (hot-reloaded); empty: no categories.
	Rules string `yaml:"rules"`
	// Redact says which personal data is replaced in transcripts and silenced in recordings.
	Redact Redact `yaml:"redact"`
}

// Redact configures redaction. Every kind is on unless listed in Keep.
type Redact struct {
	// Keep lists kinds not to redact: phone, id, card, cvv, expiry, email.
	Keep []string `yaml:"keep"`
	// KeepOriginal keeps what was replaced, for the admin role only; default false.
	KeepOriginal bool `yaml:"keep_original"`
}

// RedactKinds are the kinds of personal data redaction knows.
var RedactKinds = []string{"phone", "id", "card", "cvv", "expiry", "email"}

// Webhooks are the receivers of call events.
type Webhooks struct {
	Endpoints []WebhookEndpoint `yaml:"endpoints"`
	// MaxAge is how long a delivery is retried; default 24h.
	MaxAge Duration `yaml:"max_age"`
	// Timeout bounds one delivery attempt; default 10s.
	Timeout Duration `yaml:"timeout"`
}

// WebhookEndpoint is one receiver.
type WebhookEndpoint struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
	// Secret signs the events (HMAC-SHA256); SecretEnv names an environment variable holding it.
	Secret    string   `yaml:"secret"`
	SecretEnv string   `yaml:"secret_env"`
	Events    []string `yaml:"events"` // call.ended, call.analyzed; empty: both
}

// SecretValue is the endpoint's signing secret.
func (e WebhookEndpoint) SecretValue() string {
	if e.SecretEnv != "" {
		return os.Getenv(e.SecretEnv)
	}
	return e.Secret
}

func (c *Config) analysisDefaults() {
	a := &c.Analysis
	if a.Concurrency == 0 {
		a.Concurrency = runtime.NumCPU()
	}
	if a.MaxAttempts == 0 {
		a.MaxAttempts = 5
	}
	if a.YieldAboveCalls == 0 {
		a.YieldAboveCalls = 100 * runtime.NumCPU()
	}
	if a.Analyzer == "" {
		a.Analyzer = "embedded"
		if c.Engines.LLM.Backend == "openai" {
			a.Analyzer = "llm"
		}
	}
	if c.Webhooks.MaxAge == 0 {
		c.Webhooks.MaxAge = Duration(24 * time.Hour)
	}
	if c.Webhooks.Timeout == 0 {
		c.Webhooks.Timeout = Duration(10 * time.Second)
	}
}

func (c *Config) validateAnalysis(bad func(line int, format string, args ...any)) {
	a := c.Analysis
	if a.Concurrency < 1 || a.Concurrency > 64 {
		bad(c.line("analysis", "concurrency"), "analysis.concurrency %d: want 1 to 64", a.Concurrency)
	}
	if a.MaxAttempts < 1 || a.MaxAttempts > 100 {
		bad(c.line("analysis", "max_attempts"), "analysis.max_attempts %d: want 1 to 100", a.MaxAttempts)
	}
	if a.YieldAboveCalls < 1 {
		bad(c.line("analysis", "yield_above_calls"), "analysis.yield_above_calls %d: want a number of calls, at least 1", a.YieldAboveCalls)
	}
	switch a.Analyzer {
	case "embedded":
	case "llm":
		if c.Engines.LLM.Backend != "openai" {
			bad(c.line("analysis", "analyzer"), "analysis.analyzer llm uses the engines.llm model: set engines.llm.backend openai and its base_url")
		}
	default:
		bad(c.line("analysis", "analyzer"), "analysis.analyzer %q: use embedded or llm", a.Analyzer)
	}
	for _, k := range a.Redact.Keep {
		if !slices.Contains(RedactKinds, k) {
			bad(c.line("analysis", "redact", "keep"), "analysis.redact.keep: %q is not a kind of personal data (the kinds are %v)", k, RedactKinds)
		}
	}
	names := map[string]bool{}
	for i, e := range c.Webhooks.Endpoints {
		line := c.line("webhooks", "endpoints")
		where := fmt.Sprintf("webhooks.endpoints[%d]", i)
		if e.Name == "" {
			bad(line, "%s needs a name (it names the endpoint in delivery lists and metrics)", where)
		} else if names[e.Name] {
			bad(line, "%s: the name %q is used twice", where, e.Name)
		}
		names[e.Name] = true
		u, err := url.Parse(e.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(line, "%s (%s): url %q must be an http:// or https:// URL", where, e.Name, e.URL)
		}
		if e.SecretValue() == "" {
			bad(line, "%s (%s): needs a secret (or secret_env naming a set environment variable): receivers check the signature", where, e.Name)
		}
		for _, ev := range e.Events {
			if ev != "call.ended" && ev != "call.analyzed" {
				bad(line, "%s (%s): event %q is not one of call.ended, call.analyzed", where, e.Name, ev)
			}
		}
	}
}

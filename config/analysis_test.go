package config

import (
	"runtime"
	"strings"
	"testing"
)

func TestAnalysisDefaults(t *testing.T) {
	c, err := load(t, "log_level: info\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Analysis.Concurrency != runtime.NumCPU() || c.Analysis.MaxAttempts != 5 || c.Analysis.Analyzer != "embedded" {
		t.Errorf("defaults %+v", c.Analysis)
	}
	if c.Webhooks.MaxAge.D().Hours() != 24 {
		t.Errorf("webhook max age %v", c.Webhooks.MaxAge.D())
	}
}

func TestAnalysisAndWebhookErrorsNameTheirLine(t *testing.T) {
	_, err := load(t, `analysis:
  concurrency: 100
  analyzer: llm
  redact:
    keep: [phone, name]
webhooks:
  endpoints:
    - name: crm
      url: ftp://crm.example/hook
      events: [call.started]
    - name: crm
      url: https://crm.example/hook
      secret: s
`)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`:2: analysis.concurrency 100: want 1 to 64`,
		`:3: analysis.analyzer llm uses the engines.llm model`,
		`:5: analysis.redact.keep: "name" is not a kind of personal data`,
		`:8: webhooks.endpoints[0] (crm): url "ftp://crm.example/hook" must be an http:// or https:// URL`,
		`webhooks.endpoints[0] (crm): needs a secret`,
		`webhooks.endpoints[0] (crm): event "call.started" is not one of`,
		`webhooks.endpoints[1]: the name "crm" is used twice`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

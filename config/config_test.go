package config

import (
	"strings"
	"testing"
)

// TestValueErrorsNameTheirLine: a bad value is reported at the line it is
// on, like an unknown key.
func TestValueErrorsNameTheirLine(t *testing.T) {
	_, err := load(t, `sip:
  listen: 5060
  transports: [udp, sctp]
  codecs: [G722, G729, g722]
http:
  listen: 127.0.0.1:8080
tts:
  engine: festival
`)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`:2: sip.listen "5060": want host:port`,
		`:3: sip.transports: "sctp" is not supported`,
		`:4: sip.codecs: "G729" is not a codec hotline speaks (use opus, G722, PCMU, PCMA)`,
		`:4: sip.codecs: "g722" is listed twice`,
		`:8: tts.engine "festival" is not supported`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestCodecsAccepted(t *testing.T) {
	c, err := load(t, "sip:\n  codecs: [opus, g722, PCMU]\n")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.SIP.Codecs, " ") != "opus g722 PCMU" {
		t.Errorf("codecs %q", c.SIP.Codecs)
	}
}

// Every engine names its OpenAI-compatible server the same way (openaicompat.Endpoint, inline).
func TestEngineEndpoints(t *testing.T) {
	c, err := load(t, `engines:
  asr: {backend: openai, base_url: "http://127.0.0.1:8000/v1", model: whisper-1}
  llm: {backend: openai, base_url: "https://api.deepseek.com/v1/", api_key_env: HOTLINE_TEST_LLM_KEY, model: deepseek-chat}
  embeddings: {base_url: "http://127.0.0.1:11434/v1", model: nomic-embed-text, api_key: local}
tts:
  engine: openai
  openai: {base_url: "http://127.0.0.1:8880/v1", model: kokoro, voice: af_heart}
`)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOTLINE_TEST_LLM_KEY", "sk-test")
	e := c.Engines
	if e.ASR.Model != "whisper-1" || e.LLM.URL() != "https://api.deepseek.com/v1" || e.LLM.Key() != "sk-test" ||
		e.Embeddings.Key() != "local" || c.TTS.OpenAI.Model != "kokoro" || c.TTS.OpenAI.Voice != "af_heart" {
		t.Fatalf("engines %+v tts %+v", e, c.TTS.OpenAI)
	}
	if _, err := load(t, "engines:\n  llm: {backend: openai, base_url: x, api_kee: y}\n"); err == nil || !strings.Contains(err.Error(), "api_kee") {
		t.Fatalf("unknown key in an endpoint: %v", err)
	}
}

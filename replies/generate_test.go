package replies_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/bot/openaitest"
	"github.com/hotline-cc/hotline/openaicompat"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/replies"
)

var passageRE = regexp.MustCompile(`(?m)^\[(\d+)\] (.*)$`)

// TestGenerateWithModel: the model is given the passages retrieved for the intent, and each
// candidate keeps the passages it cited (an uncited candidate is dropped).
func TestGenerateWithModel(t *testing.T) {
	llm := openaitest.New()
	defer llm.Close()
	var prompt string
	llm.Script(openaitest.Reply{Content: func(req openaitest.ChatRequest) string {
		prompt = req.Messages[len(req.Messages)-1].Content
		return "```json\n" + `{"candidates":[
			{"title":"Refund timing","text":"Dear ${customer.name}, we refund within 14 days of receiving your return.","passages":[1]},
			{"title":"Two sources","text":"We refund to the payment method you used.","passages":[1,2,9]},
			{"title":"Invented","text":"You get a 50 euro voucher.","passages":[]}]}` + "\n```"
	}})
	ep := openaicompat.Endpoint{BaseURL: llm.BaseURL(), Model: "test-model"}
	s := newService(t, replies.Config{KB: demoKB(t), LLM: &ep})
	if s.Engine() != replies.EngineLLM {
		t.Fatalf("engine %s", s.Engine())
	}
	res, err := s.Generate(context.Background(), replies.Request{Intents: []string{"refund"}, Tone: "formal", Count: 3, Lang: "en", Author: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Engine != replies.EngineLLM || len(res.Scripts) != 2 {
		b, _ := json.MarshalIndent(res, "", " ")
		t.Fatalf("result %s", b)
	}
	m := passageRE.FindAllStringSubmatch(prompt, -1)
	if len(m) < 2 || !strings.Contains(strings.ToLower(prompt), "refund") {
		t.Fatalf("the prompt has %d passages:\n%s", len(m), prompt)
	}
	first, second := res.Scripts[0], res.Scripts[1]
	if len(first.Passages) != 1 || first.Passages[0] != m[0][2] {
		t.Fatalf("first candidate's passages %q, want [%q]", first.Passages, m[0][2])
	}
	if len(second.Passages) != 2 || second.Passages[1] != m[1][2] {
		t.Fatalf("second candidate's passages %q (passage 9 does not exist)", second.Passages)
	}
	for _, sc := range res.Scripts {
		if sc.Status != record.ScriptDraft || sc.Engine != replies.EngineLLM || sc.Intent != "refund" || sc.Tone != "formal" {
			t.Fatalf("candidate %+v", sc)
		}
	}
	// Every passage the model saw is in the language asked for.
	for _, p := range m {
		if strings.ContainsAny(p[2], "的是了") {
			t.Fatalf("an English request got a Chinese passage: %s", p[2])
		}
	}
}

func TestGenerateModelFailure(t *testing.T) {
	llm := openaitest.New()
	defer llm.Close()
	llm.Script(openaitest.Reply{Status: 500})
	ep := openaicompat.Endpoint{BaseURL: llm.BaseURL(), Model: "test-model"}
	s := newService(t, replies.Config{KB: demoKB(t), LLM: &ep})
	res, err := s.Generate(context.Background(), replies.Request{Intents: []string{"refund"}, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Scripts) != 0 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "500") {
		t.Fatalf("result %+v", res)
	}
}

// TestGenerateEmbedded: without a model, candidates are KB sentences in the tone's template,
// in the language asked for, each with the passage its sentences come from.
func TestGenerateEmbedded(t *testing.T) {
	s := newService(t, replies.Config{KB: demoKB(t)})
	if s.Engine() != replies.EngineEmbedded {
		t.Fatalf("engine %s", s.Engine())
	}
	for _, tc := range []struct{ intent, lang, tone, open string }{
		{"refund", "en-US", "warm", "Hi ${customer.name}"},
		{"退款", "zh-CN", "formal", "尊敬的${customer.name}"},
		{"shipping", "en-US", "brief", "${customer.name}, about shipping:"},
		// An English label, a Chinese script: grounded in the Chinese passages, the topic in Chinese.
		{"refund", "zh-CN", "formal", "尊敬的${customer.name}，感谢您就退款联系我们。"},
	} {
		res, err := s.Generate(context.Background(), replies.Request{Intents: []string{tc.intent, "quantum teleportation"}, Tone: tc.tone, Count: 3, Lang: tc.lang})
		if err != nil {
			t.Fatal(err)
		}
		if res.Engine != replies.EngineEmbedded || len(res.Scripts) != 3 {
			t.Fatalf("%s: engine %s, %d candidates", tc.intent, res.Engine, len(res.Scripts))
		}
		if len(res.Skipped) != 1 || res.Skipped[0].Intent != "quantum_teleportation" {
			t.Fatalf("%s: skipped %+v", tc.intent, res.Skipped)
		}
		texts := map[string]bool{}
		for _, sc := range res.Scripts {
			texts[sc.Text] = true
			if !strings.HasPrefix(sc.Text, tc.open) || len(sc.Passages) != 1 || sc.Lang != tc.lang {
				t.Fatalf("%s: candidate %q passages %q", tc.intent, sc.Text, sc.Passages)
			}
			// The body is the passage's own words.
			_, passage, _ := strings.Cut(sc.Passages[0], ": ")
			body := strings.TrimPrefix(sc.Text, strings.SplitN(sc.Text, " ", 2)[0])
			if tc.lang == record.LangChinese {
				_, body, _ = strings.Cut(sc.Text, "联系我们。")
				body = strings.TrimSuffix(body, "请问还有其他可以帮您的吗？")
			} else {
				_, body, _ = strings.Cut(sc.Text, ": ")
				if tc.tone != "brief" {
					body = sc.Text[strings.Index(sc.Text, ". ")+2:]
					body = strings.TrimSuffix(body, " Thank you so much for your patience!")
				}
			}
			if body == "" || !strings.Contains(passage, strings.TrimSpace(body)) {
				t.Fatalf("%s: body %q is not from passage %q", tc.intent, body, passage)
			}
		}
		if len(texts) != 3 {
			t.Fatalf("%s: variants repeat: %v", tc.intent, texts)
		}
	}
	if _, err := s.Generate(context.Background(), replies.Request{Intents: []string{"refund"}, Lang: "en", Count: 99}); err == nil {
		t.Fatal("count 99 was accepted")
	}
}

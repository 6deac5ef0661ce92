package dialog_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/kb"
)

// evalQuestion is one entry of a held-out question file.
type evalQuestion struct {
	Q        string   `yaml:"q"`
	Lang     string   `yaml:"lang"`  // en | zh
	Split    string   `yaml:"split"` // dev | test
	Expect   []string `yaml:"expect"`
	Escalate bool     `yaml:"escalate"`
}

// evalScore counts one split's outcomes.
type evalScore struct {
	n, right, invented, wrongLang, missed int
}

func (s evalScore) accuracy() float64 { return float64(s.right) / float64(max(s.n, 1)) }

func (s evalScore) String() string {
	return fmt.Sprintf("%d/%d right (%.1f %%), %d invented, %d escalated although answerable, %d in the wrong language",
		s.right, s.n, 100*s.accuracy(), s.invented, s.missed, s.wrongLang)
}

// saysDontKnow reports whether the embedded engine's reply is its
// "I don't know, I can transfer you" answer.
func saysDontKnow(text string) bool {
	return strings.Contains(text, "don't have information") || strings.Contains(text, "没有这方面的信息")
}

func hasHan(text string) bool {
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestEmbeddedEngineQuality runs the held-out bilingual question set of a
// fictional bike-sharing service through the embedded engine. A question is
// right when the answer holds the expected fact, or the engine says it does
// not know for a question the KB cannot answer; any other answer counts as an
// invented fact. Every answer must be in the question's language.
func TestEmbeddedEngineQuality(t *testing.T) {
	b, err := os.ReadFile("../kb/testdata/eval/veloverde-questions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var qs []evalQuestion
	if err := yaml.Unmarshal(b, &qs); err != nil {
		t.Fatal(err)
	}
	if len(qs) < 60 {
		t.Fatalf("%d questions, want at least 60", len(qs))
	}
	ix, err := kb.Open(context.Background(), kb.Options{Dir: "../kb/testdata/eval/veloverde"})
	if err != nil {
		t.Fatal(err)
	}
	eng := dialog.NewRetrieval(ix, 0)
	scores := map[string]*evalScore{"dev": {}, "test": {}}
	// Per-question failures are shown for the dev split only, so tuning
	// sees dev; HOTLINE_EVAL_VERBOSE=1 shows the test split's too.
	logf := func(split, format string, args ...any) {
		t.Helper()
		if split == "dev" || os.Getenv("HOTLINE_EVAL_VERBOSE") != "" {
			t.Logf(format, args...)
		}
	}
	langs := map[string]int{}
	for _, q := range qs {
		sc := scores[q.Split]
		if sc == nil || (q.Lang != "en" && q.Lang != "zh") || (len(q.Expect) == 0) == !q.Escalate {
			t.Fatalf("malformed question %+v", q)
		}
		langs[q.Lang]++
		text, calls, err := collect(t, must(eng.Respond(context.Background(), ask(q.Q))))
		if err != nil || len(calls) != 0 {
			t.Fatalf("%q: err %v, tool calls %v", q.Q, err, calls)
		}
		sc.n++
		if (q.Lang == "zh") != dialog.IsChinese(text) || (q.Lang == "en" && hasHan(text)) {
			sc.wrongLang++
			logf(q.Split, "%s %s wrong language: %q → %q", q.Split, q.Lang, q.Q, text)
		}
		dontKnow := saysDontKnow(text)
		right := q.Escalate == dontKnow
		for _, e := range q.Expect {
			right = right && strings.Contains(text, e)
		}
		switch {
		case right:
			sc.right++
		case dontKnow:
			sc.missed++
			logf(q.Split, "%s %s escalated: %q (want %q)", q.Split, q.Lang, q.Q, q.Expect)
		default:
			sc.invented++
			logf(q.Split, "%s %s INVENTED: %q → %q (want %q, escalate %v)", q.Split, q.Lang, q.Q, text, q.Expect, q.Escalate)
		}
	}
	if langs["en"] != langs["zh"] {
		t.Errorf("%d English and %d Chinese questions, want half each", langs["en"], langs["zh"])
	}
	t.Logf("dev:  %v", scores["dev"])
	t.Logf("test: %v", scores["test"])
	// The dev split is what the engine was tuned on: it must meet the goal.
	if dev := scores["dev"]; dev.accuracy() < 0.9 || dev.invented > 0 || dev.wrongLang > 0 {
		t.Errorf("dev split: %v; want ≥ 90 %% right, 0 invented, 0 in the wrong language", dev)
	}
	// The held-out test split does not meet the goal yet (≥ 90 % right, 0
	// invented facts); it is held to the score measured when the engine was
	// last tuned, so any regression fails. Raise the floors as it improves.
	const testFloor, testMaxInvented = 0.65, 7
	test := scores["test"]
	if test.accuracy() < testFloor || test.invented > testMaxInvented || test.wrongLang > 0 {
		t.Errorf("test split: %v; want ≥ %.0f %% right, ≤ %d invented, 0 in the wrong language", test, 100*testFloor, testMaxInvented)
	}
	if test.accuracy() < 0.9 || test.invented > 0 {
		t.Logf("test split below the goal of ≥ 90 %% right and 0 invented facts")
	}
}

// TestRetrievalAnswersInQuestionLanguage: passages handed in by the caller
// of the engine may be in either language (or both); the answer follows
// the question.
func TestRetrievalAnswersInQuestionLanguage(t *testing.T) {
	eng := dialog.NewRetrieval(nil, 0)
	mixed := kb.Hit{Text: "The day pass costs 6 euros. 日票价格为6欧元。", Confidence: 1}
	zhOnly := kb.Hit{Text: "日票价格为6欧元。", Confidence: 1}
	for _, c := range []struct {
		q      string
		hits   []kb.Hit
		want   string
		wantZh bool
	}{
		{"how much is a day pass", []kb.Hit{mixed}, "6 euros", false},
		{"日票多少钱", []kb.Hit{mixed}, "6欧元", true},
		{"how much is a day pass", []kb.Hit{zhOnly}, "don't have information", false},
	} {
		req := ask(c.q)
		req.Passages = c.hits
		text, _, err := collect(t, must(eng.Respond(context.Background(), req)))
		if err != nil || !strings.Contains(text, c.want) || dialog.IsChinese(text) != c.wantZh || (!c.wantZh && hasHan(text)) {
			t.Errorf("%q → %q (err %v), want %q in the question's language", c.q, text, err, c.want)
		}
	}
}

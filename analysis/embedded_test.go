package analysis

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hotline-cc/hotline/record"
)

func TestTextSentiment(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string // label
	}{
		{"I am very happy with the service", LabelPositive},
		{"I am not happy at all", LabelNegative},
		{"This is terrible, I want to complain", LabelNegative},
		{"That's not bad", LabelPositive},
		{"No problem", "not negative"},
		{"The delivery was quick, but the driver was rude", LabelNegative},
		{"I'd like to check my order", LabelNeutral},
		{"I'm disappointed and frustrated", LabelNegative},
		{"Thanks so much, that was really helpful", LabelPositive},
		{"我对你们的服务不满意", LabelNegative},
		{"没有问题", "not negative"},
		{"没有问题了", "not negative"},
		{"非常满意，谢谢", LabelPositive},
		{"问题没有解决", LabelNegative},
		{"你好，我想查一下订单", LabelNeutral},
		{"太差了，我要投诉", LabelNegative},
		{"不好意思，请问营业时间", LabelNeutral},
		{"不太满意", LabelNegative},
		{"", LabelNeutral},
	} {
		s, _ := TextSentiment(tc.text)
		got := Label(s)
		if tc.want == "not negative" && got != LabelNegative {
			continue
		}
		if got != tc.want {
			t.Errorf("%q: score %.2f (%s), want %s", tc.text, s, got, tc.want)
		}
	}
	// Intensifiers and negation scale: "very happy" > "happy" > "a bit happy";
	// "not happy" is milder than "unhappy".
	happy, _ := TextSentiment("happy")
	very, _ := TextSentiment("very happy")
	bit, _ := TextSentiment("a bit happy")
	notHappy, _ := TextSentiment("not happy")
	unhappy, _ := TextSentiment("unhappy")
	if !(very > happy && happy > bit && bit > 0) || !(unhappy < notHappy && notHappy < 0) {
		t.Errorf("very %.2f happy %.2f bit %.2f; unhappy %.2f not happy %.2f", very, happy, bit, unhappy, notHappy)
	}
}

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func turns(lines ...string) []record.Turn {
	var out []record.Turn
	for i, l := range lines {
		sp, text, _ := strings.Cut(l, ": ")
		out = append(out, record.Turn{Speaker: sp, Text: text, Start: t0.Add(time.Duration(i) * 5 * time.Second)})
	}
	return out
}

func TestEmbeddedEnglish(t *testing.T) {
	c := &record.Call{Transcript: turns(
		"bot: Hello, how can I help you today?",
		"caller: I was charged twice for my order and this is ridiculous.",
		"caller: I want a refund for the second payment.",
		"agent: I'm sorry about that. Let me check your account.",
		"agent: I can see the duplicate charge on your bill.",
		"agent: I will refund the second payment today, and you'll receive an email confirmation.",
		"agent: I'll transfer you to billing if anything else comes up.",
		"caller: Ok.",
		"caller: Great, thank you so much, that's really helpful.",
	)}
	got, err := Embedded().Analyze(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.TurnSentiment) != len(c.Transcript) {
		t.Fatalf("turn sentiment %v", got.TurnSentiment)
	}
	if got.TurnSentiment[1] >= -0.3 || got.TurnSentiment[8] <= 0.3 {
		t.Errorf("turn sentiment %.2f", got.TurnSentiment)
	}
	if got.Sentiment.Trend <= 0.5 {
		t.Errorf("trend %.2f, want a clear improvement", got.Sentiment.Trend)
	}
	if got.Intent != "billing" && got.Intent != "refund" {
		t.Errorf("intent %q", got.Intent)
	}
	if !slices.Contains(got.Topics, "refund") || !slices.Contains(got.Topics, "billing") {
		t.Errorf("topics %v", got.Topics)
	}
	if got.Language != "en" {
		t.Errorf("language %q", got.Language)
	}
	if !strings.Contains(got.Summary, "Caller: I was charged twice") || !strings.Contains(got.Summary, "Agent: I will refund") {
		t.Errorf("summary %q", got.Summary)
	}
	if strings.Contains(got.Summary, "Hello") || strings.Contains(got.Summary, "Ok.") {
		t.Errorf("summary has a greeting or filler: %q", got.Summary)
	}
	want := []string{"I will refund the second payment today, and you'll receive an email confirmation."}
	if !slices.Equal(got.Actions, want) {
		t.Errorf("actions %q, want %q", got.Actions, want)
	}

	c.Handoff = &record.Handoff{Intent: "duplicate_charge"}
	if got, _ := Embedded().Analyze(context.Background(), c); got.Intent != "duplicate_charge" {
		t.Errorf("intent with a handoff: %q", got.Intent)
	}
}

func TestEmbeddedChinese(t *testing.T) {
	c := &record.Call{Transcript: turns(
		"caller: 你好，我的快递三天了还没到，太慢了，我很生气。",
		"agent: 非常抱歉，我帮您查一下物流信息。",
		"agent: 包裹目前在配送中，我会联系快递公司加急，稍后回电给您。",
		"caller: 好的，没有问题，谢谢。",
	)}
	got, err := Embedded().Analyze(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if got.Language != "zh" || got.Intent != "delivery" {
		t.Errorf("language %q intent %q", got.Language, got.Intent)
	}
	if got.TurnSentiment[0] >= -0.3 || got.TurnSentiment[3] <= 0.3 || got.Sentiment.Trend <= 0.5 {
		t.Errorf("turn sentiment %.2f trend %.2f", got.TurnSentiment, got.Sentiment.Trend)
	}
	if len(got.Actions) != 1 || !strings.Contains(got.Actions[0], "稍后回电") {
		t.Errorf("actions %q", got.Actions)
	}
	if !strings.Contains(got.Summary, "快递三天了还没到") {
		t.Errorf("summary %q", got.Summary)
	}
}

func TestEmbeddedEmpty(t *testing.T) {
	got, err := Embedded().Analyze(context.Background(), &record.Call{})
	if err != nil || got.Summary != "" || got.Intent != "" || got.Language != "" || got.Sentiment.Label != LabelNeutral {
		t.Errorf("empty call: %+v, %v", got, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Embedded().Analyze(ctx, &record.Call{}); err == nil {
		t.Error("cancelled context accepted")
	}
}

func TestApply(t *testing.T) {
	ts := turns("caller: I am very angry", "agent: I will call you back tomorrow")
	txt, _ := Embedded().Analyze(context.Background(), &record.Call{Transcript: ts})
	var a record.Analysis
	txt.Apply(&a, ts)
	if ts[0].Sentiment == nil || *ts[0].Sentiment >= 0 || a.Sentiment.Label != LabelNegative || len(a.Actions) != 1 {
		t.Errorf("applied: %+v, turn 0 %v", a, ts[0].Sentiment)
	}
}

func FuzzTextAnalysis(f *testing.F) {
	for _, s := range []string{"I am not very happy, but ok.", "我对服务不满意。没有问题！", "3.5 e.g. ...", "'’", "不"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		v, _ := TextSentiment(s)
		if math.IsNaN(v) || v < -1 || v > 1 {
			t.Fatalf("score %v for %q", v, s)
		}
		for _, sent := range splitSentences(s) {
			if sent == "" || !strings.Contains(s, sent) {
				t.Fatalf("sentence %q not from %q", sent, s)
			}
		}
		c := &record.Call{Transcript: []record.Turn{{Speaker: record.SpeakerCaller, Text: s}, {Speaker: record.SpeakerAgent, Text: s}}}
		if _, err := Embedded().Analyze(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	})
}

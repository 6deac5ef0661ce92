package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func turn(speaker, text string) record.Turn { return record.Turn{Speaker: speaker, Text: text} }

func f64(x float64) *float64 { return &x }

// call is a hand-made analysed call: an agent-answered support call in English.
func call() *record.Call {
	return &record.Call{
		ID:      "c1",
		Routing: record.Routing{Queue: "support"},
		Times: record.Times{Start: t0, AgentAnswer: t0.Add(40 * time.Second), End: t0.Add(6 * time.Minute),
			WaitMs: 35_000},
		Outcome: record.Outcome{Disposition: record.DispositionAnswered},
		Transcript: []record.Turn{
			turn(record.SpeakerAgent, "Good morning, thank you for calling. How can I help?"),
			turn(record.SpeakerCaller, "I've been charged twice and I'm cancelling my contracts today."),
			turn(record.SpeakerAgent, "I'm sorry to hear that, let me check."),
			turn(record.SpeakerCaller, "I called before about this. I want my money back!"),
		},
		WrapUps: []record.WrapUp{{Agent: "alice", Disposition: "follow_up"}},
		Analysis: &record.Analysis{
			Voice: record.VoiceStats{DurationMs: 320_000, LongestSilenceMs: 12_500, SilenceShare: 0.21,
				OvertalkMs: 9_000, CallerInterruptions: 4, OtherInterruptions: 1, AgentTalkMs: 100_000, AgentTalkRatio: 0.42},
			Sentiment: record.Sentiment{Caller: -0.55, Other: 0.3, Label: "negative"},
			Intent:    "billing",
		},
	}
}

// zhCall is a Mandarin call with no analysis yet, only turn sentiment.
func zhCall() *record.Call {
	return &record.Call{
		Routing: record.Routing{Queue: "support-zh"},
		Times:   record.Times{Start: t0, End: t0.Add(90 * time.Second)},
		Outcome: record.Outcome{Disposition: record.DispositionAnswered},
		Transcript: []record.Turn{
			{Speaker: record.SpeakerAgent, Text: "请问有什么可以帮您"},
			{Speaker: record.SpeakerCaller, Text: "我要投诉，你们这个服务太差了，我要找你们领导", Sentiment: f64(-0.8)},
			{Speaker: record.SpeakerCaller, Text: "不然我就取消合同", Sentiment: f64(-0.4)},
			{Speaker: record.SpeakerCaller, Text: "我 已经 打过 三次 了"}, // a recognizer's word spacing
		},
	}
}

// eval parses one rule's condition (YAML, indented for "    ") and evaluates it.
func eval(t *testing.T, cond string, c *record.Call) (string, bool) {
	t.Helper()
	src := "rules:\n  - id: r\n    name: R\n" + cond
	s, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatalf("parse %q: %v", cond, err)
	}
	cats := s.Evaluate(c)
	if len(cats) == 0 {
		return "", false
	}
	if cats[0].Name != "R" || cats[0].Rule != "r" {
		t.Errorf("category %+v", cats[0])
	}
	return cats[0].Evidence, true
}

func TestLeaves(t *testing.T) {
	cases := []struct {
		name, cond string
		zh         bool
		want       string // the evidence; "" means no match
	}{
		// phrase, English
		{"phrase stemmed", "    phrase: {party: caller, text: [cancel my contract]}\n", false, "caller: cancelling my contracts"},
		{"phrase case", "    phrase: {party: caller, text: [MONEY BACK]}\n", false, "caller: money back"},
		{"phrase word boundary", "    phrase: {party: caller, text: [twi]}\n", false, ""},
		{"phrase wrong party", "    phrase: {party: agent, text: [cancel my contract]}\n", false, ""},
		{"phrase any party", "    phrase: {text: [sorry to hear]}\n", false, "agent: sorry to hear"},
		{"phrase order matters", "    phrase: {party: caller, text: [contract my cancel]}\n", false, ""},
		{"phrase apostrophe", "    phrase: {party: caller, text: [\"i've been charged\"]}\n", false, "caller: I've been charged"},
		{"keyword any order", "    phrase: {party: caller, text: [today cancel], match: keyword}\n", false, "caller: today … cancelling"},
		{"keyword missing word", "    phrase: {party: caller, text: [today refund], match: keyword}\n", false, ""},
		{"regex", "    phrase: {party: caller, text: ['charged (once|twice)'], match: regex}\n", false, "caller: charged twice"},
		{"first turns", "    phrase: {party: agent, first_turns: 1, text: [good morning]}\n", false, "agent: Good morning"},
		{"first turns excludes later", "    phrase: {party: agent, first_turns: 1, text: [sorry]}\n", false, ""},
		{"first turns any party", "    phrase: {party: any, first_turns: 1, text: [cancel]}\n", false, ""},
		// phrase, Chinese
		{"zh substring", "    phrase: {party: caller, text: [找你们领导]}\n", true, "caller: 找你们领导"},
		{"zh keyword list", "    phrase: {party: caller, text: [退款, 投诉], match: keyword}\n", true, "caller: 投诉"},
		{"zh not said", "    phrase: {party: caller, text: [退款]}\n", true, ""},
		{"zh spaced in the rule", "    phrase: {party: caller, text: [不然 我就取消]}\n", true, "caller: 不然我就取消"},
		{"zh spaced in the turn", "    phrase: {party: caller, text: [打过三次]}\n", true, "caller: 打过 三次"},
		{"zh agent", "    phrase: {party: agent, text: [取消合同]}\n", true, ""},
		// sentiment
		{"sentiment below", "    sentiment: {party: caller, below: -0.4}\n", false, "caller sentiment -0.55"},
		{"sentiment not below", "    sentiment: {party: caller, below: -0.6}\n", false, ""},
		{"sentiment other above", "    sentiment: {party: agent, above: 0.2}\n", false, "agent sentiment 0.30"},
		{"sentiment label", "    sentiment: {label: negative}\n", false, "caller sentiment negative"},
		{"sentiment label other", "    sentiment: {label: positive}\n", false, ""},
		{"sentiment from turns", "    sentiment: {below: -0.5}\n", true, "caller sentiment -0.60"},
		{"sentiment label needs analysis", "    sentiment: {label: negative}\n", true, ""},
		// silence
		{"silence longest", "    silence: {longest_over: 10s}\n", false, "longest silence 12.5s"},
		{"silence longest not", "    silence: {longest_over: 15s}\n", false, ""},
		{"silence share", "    silence: {share_over: 0.2}\n", false, "silence 21% of the call"},
		{"silence both", "    silence: {longest_over: 10s, share_over: 0.3}\n", false, ""},
		{"silence no analysis", "    silence: {longest_over: 1s}\n", true, ""},
		// duration
		{"duration over", "    duration: {over: 5m}\n", false, "duration 6m"},
		{"duration under", "    duration: {under: 5m}\n", false, ""},
		{"duration range", "    duration: {over: 1m, under: 2m}\n", true, "duration 1m30s"},
		// interruptions, overtalk, talk ratio
		{"interruptions caller", "    interruptions: {party: caller, at_least: 3}\n", false, "caller interrupted 4 times"},
		{"interruptions agent", "    interruptions: {party: agent, at_least: 2}\n", false, ""},
		{"interruptions any", "    interruptions: {at_least: 5}\n", false, "interruptions 5 times"},
		{"overtalk", "    overtalk: {over: 5s}\n", false, "overtalk 9s"},
		{"overtalk not", "    overtalk: {over: 10s}\n", false, ""},
		{"talk ratio under", "    agent_talk_ratio: {under: 0.5}\n", false, "agent talked 42% of the time"},
		{"talk ratio over", "    agent_talk_ratio: {over: 0.5}\n", false, ""},
		{"talk ratio no agent", "    agent_talk_ratio: {under: 0.5}\n", true, ""},
		// record fields
		{"disposition", "    disposition: [abandoned, answered]\n", false, "disposition answered"},
		{"disposition wrap-up", "    disposition: [FOLLOW_UP]\n", false, "disposition follow_up"},
		{"disposition single", "    disposition: abandoned\n", false, ""},
		{"queue", "    queue: [sales, support]\n", false, "queue support"},
		{"queue zh", "    queue: [support]\n", true, ""},
		{"wait", "    wait: {over: 30s}\n", false, "waited 35s in queue"},
		{"wait not", "    wait: {over: 1m}\n", false, ""},
		{"intent", "    intent: [billing]\n", false, "intent billing"},
		{"intent none", "    intent: [billing]\n", true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := call()
			if c.zh {
				cl = zhCall()
			}
			ev, ok := eval(t, c.cond, cl)
			if ok != (c.want != "") || ev != c.want {
				t.Errorf("evidence %q (matched %v), want %q", ev, ok, c.want)
			}
		})
	}
}

func TestCombinators(t *testing.T) {
	cases := []struct {
		name, cond string
		zh         bool
		want       string
	}{
		{"all", `    all:
      - queue: [support]
      - phrase: {party: caller, text: [cancel]}
`, false, "queue support; caller: cancelling"},
		{"all fails", `    all:
      - queue: [support]
      - phrase: {party: caller, text: [manager]}
`, false, ""},
		{"any first match", `    any:
      - phrase: {party: caller, text: [manager]}
      - phrase: {party: caller, text: [money back]}
      - queue: [support]
`, false, "caller: money back"},
		{"any none", "    any:\n      - queue: [x]\n      - intent: [y]\n", false, ""},
		{"not", "    not: {phrase: {party: caller, text: [manager, 领导]}}\n", false, `not caller said "manager" or "领导"`},
		{"not fails", "    not: {phrase: {party: caller, text: [manager, 领导]}}\n", true, ""},
		{"nested zh", `    all:
      - disposition: [answered]
      - any:
          - sentiment: {below: -0.5}
          - silence: {longest_over: 1m}
      - not: {queue: [sales]}
`, true, "disposition answered; caller sentiment -0.60; not queue in [sales]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := call()
			if c.zh {
				cl = zhCall()
			}
			ev, ok := eval(t, c.cond, cl)
			if ok != (c.want != "") || ev != c.want {
				t.Errorf("evidence %q (matched %v), want %q", ev, ok, c.want)
			}
		})
	}
}

// TestDemoRules runs the shipped rules over the two calls, and over an agent who did not greet.
func TestDemoRules(t *testing.T) {
	s, err := Load("../configs/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	names := func(cats []record.Category) string {
		var out []string
		for _, c := range cats {
			out = append(out, c.Rule+"="+c.Evidence)
		}
		return strings.Join(out, " | ")
	}
	if got, want := names(s.Evaluate(call())), "cancellation-threat=caller: cancelling my contracts | "+
		"angry-caller=caller sentiment -0.55 | repeat-caller=caller: called before | refund-request=caller: money back"; got != want {
		t.Errorf("en call:\n got %s\nwant %s", got, want)
	}
	if got, want := names(s.Evaluate(zhCall())), "cancellation-threat=caller: 取消合同 | complaint=caller: 投诉 | "+
		`no-greeting=disposition answered; not agent said "hello" or "hi" or "good morning" or … in their first 2 turns | `+
		"angry-caller=caller sentiment -0.60 | escalation=caller: 找你们领导 | repeat-caller=caller: 已经 打过"; got != want {
		t.Errorf("zh call:\n got %s\nwant %s", got, want)
	}
	c := call()
	c.Transcript[0].Text = "Yes?"
	c.Transcript[2].Text = "What's the account?"
	if cats := s.Evaluate(c); !strings.Contains(names(cats), "no-greeting=") {
		t.Errorf("no greeting not found: %s", names(cats))
	}
	if s.Evaluate(nil) != nil || (*Set)(nil).Evaluate(c) != nil {
		t.Error("nil call or set gives categories")
	}
}

func TestSameNameOnce(t *testing.T) {
	s, err := Parse("t.yaml", []byte(`rules:
  - {id: a, name: Billing, queue: [support]}
  - {id: b, name: Billing, intent: [billing]}
  - {id: c, name: Other, intent: [billing]}
`))
	if err != nil {
		t.Fatal(err)
	}
	cats := s.Evaluate(call())
	if len(cats) != 2 || cats[0].Rule != "a" || cats[1].Rule != "c" {
		t.Errorf("categories %+v", cats)
	}
}

func TestStem(t *testing.T) {
	for _, group := range [][]string{
		{"cancel", "cancels", "cancelled", "cancelling", "canceled"},
		{"refund", "refunds", "refunded", "refunding"},
		{"charge", "charges", "charged", "charging"},
		{"call", "calls", "called", "calling"},
		{"manager", "managers", "manager's"},
		{"company", "companies"},
	} {
		for _, w := range group[1:] {
			if stem(w) != stem(group[0]) {
				t.Errorf("stem(%s) = %s, stem(%s) = %s", w, stem(w), group[0], stem(group[0]))
			}
		}
	}
	if stem("bill") == stem("ball") || stem("cancel") == stem("can") {
		t.Error("different words share a stem")
	}
}

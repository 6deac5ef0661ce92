package redact

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// threeMinuteCall is a transcript of about three minutes: 60 turns of three seconds, caller and
// agent in turn, English and Chinese, with word times, and some personal data in a few turns.
func threeMinuteCall() []record.Turn {
	lines := []string{
		"hello thank you for calling how can I help you today",
		"hi I want to ask about my bill from last month it looks too high",
		"sure can I have your phone number please",
		"yes it is one three eight zero zero one three eight zero zero zero",
		"您好，请问您的身份证号是多少",
		"我的身份证号是 11010519491231002X 谢谢",
		"thank you I see two charges of 35 dollars on the 12th of November",
		"that is right I only made one call that day at 10:30 in the morning",
		"I can refund one of them to your card ending 1111 is that ok",
		"actually use my other card 4111 1111 1111 1111 expiry 12/27",
		"好的，请问还有别的问题吗",
		"没有了，谢谢你的帮助，再见",
	}
	var turns []record.Turn
	for i := range 60 {
		text := lines[i%len(lines)]
		if i >= len(lines) && i%len(lines) != 3 && i%len(lines) != 5 && i%len(lines) != 9 {
			text += fmt.Sprintf(" and order A%05d", i)
		}
		speaker := record.SpeakerAgent
		if i%2 == 1 {
			speaker = record.SpeakerCaller
		}
		start := t0.Add(time.Duration(i) * 3 * time.Second)
		var ws []record.Word
		for k, w := range strings.Fields(text) {
			ws = append(ws, record.Word{Text: w, Start: start.Add(time.Duration(k) * 200 * time.Millisecond),
				End: start.Add(time.Duration(k)*200*time.Millisecond + 180*time.Millisecond)})
		}
		turns = append(turns, record.Turn{Speaker: speaker, Text: text, Start: start, End: start.Add(3 * time.Second), Words: ws})
	}
	return turns
}

// BenchmarkTurns redacts a three-minute call, texts and words.
func BenchmarkTurns(b *testing.B) {
	turns := threeMinuteCall()
	r := New(Config{})
	b.ReportAllocs()
	for b.Loop() {
		r.Turns(turns)
	}
}

// BenchmarkText redacts one sentence with a spoken phone number.
func BenchmarkText(b *testing.B) {
	r := New(Config{})
	s := "hi I want to ask about my bill, my number is one three eight zero zero one three eight zero zero zero"
	b.ReportAllocs()
	for b.Loop() {
		r.Text(s)
	}
}

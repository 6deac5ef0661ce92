package rules

import (
	"fmt"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// BenchmarkEvaluate applies the demo rules to a three-minute call of 60 turns.
func BenchmarkEvaluate(b *testing.B) {
	s, err := Load("../configs/rules.yaml")
	if err != nil {
		b.Fatal(err)
	}
	c := call()
	c.Transcript = nil
	for i := range 60 {
		speaker := record.SpeakerAgent
		text := fmt.Sprintf("let me look at order %d for you, one moment please", i)
		if i%2 == 1 {
			speaker = record.SpeakerCaller
			text = fmt.Sprintf("I see a charge I do not recognise on the %dth, 我想问一下这个费用是怎么回事", i)
		}
		c.Transcript = append(c.Transcript, record.Turn{Speaker: speaker, Text: text, Start: t0.Add(time.Duration(i) * 3 * time.Second)})
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Evaluate(c)
	}
}

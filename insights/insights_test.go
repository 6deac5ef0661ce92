package insights

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

func call(start time.Time, f func(c *record.Call)) *record.Call {
	c := &record.Call{ID: start.Format("150405"), Times: record.Times{Start: start, End: start.Add(3 * time.Minute)}}
	f(c)
	return c
}

func TestCompute(t *testing.T) {
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return day.Add(time.Duration(h) * time.Hour) }
	calls := []*record.Call{
		// answered in 10 s, handled 2 min, analysed negative with a category
		call(at(9), func(c *record.Call) {
			c.Queue, c.WaitMs, c.AgentAnswer = "sales", 10000, c.Start.Add(time.Minute)
			c.Analysis = &record.Analysis{Status: record.AnalysisDone, Intent: "refund",
				Sentiment: record.Sentiment{Caller: -0.5}, Categories: []record.Category{{Name: "complaint"}}}
		}),
		// answered after 40 s: outside the service level
		call(at(9), func(c *record.Call) {
			c.Queue, c.WaitMs, c.AgentAnswer = "sales", 40000, c.Start.Add(2*time.Minute)
			c.Analysis = &record.Analysis{Status: record.AnalysisDone, Intent: "refund", Sentiment: record.Sentiment{Caller: 0.3}}
		}),
		// abandoned in the queue
		call(at(10), func(c *record.Call) { c.Queue, c.Disposition = "sales", record.DispositionAbandoned }),
		// the bot resolved it
		call(at(10), func(c *record.Call) {
			c.Path = []record.PathStep{{Node: "b", Type: "bot"}}
			c.Disposition = record.DispositionCompleted
		}),
		// the bot did not know: escalated, then abandoned
		call(at(11), func(c *record.Call) {
			c.Path = []record.PathStep{{Node: "b", Type: "bot"}, {Node: "q", Type: "queue"}}
			c.Queue, c.Disposition = "support", record.DispositionAbandoned
			c.Handoff = &record.Handoff{Reason: "low retrieval confidence", Transcript: []record.Turn{
				{Speaker: record.SpeakerCaller, Text: "Do you ship to Mars?"}, {Speaker: record.SpeakerBot, Text: "I don't know."}}}
		}),
		// outside the period
		call(day.Add(-time.Hour), func(c *record.Call) {}),
	}
	r := Compute(calls, day, day.Add(Day), Hour)
	if len(r.Buckets) != 24 {
		t.Fatalf("buckets = %d, want 24", len(r.Buckets))
	}
	if r.Calls != 5 || r.Answered != 2 || r.Abandoned != 2 {
		t.Errorf("calls/answered/abandoned = %d/%d/%d, want 5/2/2", r.Calls, r.Answered, r.Abandoned)
	}
	if want := 1.0 / 4; r.ServiceLevel != want { // 4 queued, 1 answered within 20 s
		t.Errorf("service level = %v, want %v", r.ServiceLevel, want)
	}
	if want := 90 * time.Second; r.AvgHandle != want { // 2 min and 1 min
		t.Errorf("avg handle = %v, want %v", r.AvgHandle, want)
	}
	if r.Analysed != 2 || r.AvgSentiment < -0.101 || r.AvgSentiment > -0.099 {
		t.Errorf("analysed %d, sentiment %v; want 2, -0.1", r.Analysed, r.AvgSentiment)
	}
	if len(r.Intents) != 1 || r.Intents[0] != (Count{"refund", 2}) || len(r.Categories) != 1 || r.Categories[0].Label != "complaint" {
		t.Errorf("intents %v categories %v", r.Intents, r.Categories)
	}
	if r.BotCalls != 2 || r.Contained != 1 || r.Containment() != 0.5 {
		t.Errorf("bot calls %d contained %d", r.BotCalls, r.Contained)
	}
	if len(r.Unanswered) != 1 || r.Unanswered[0].Label != "do you ship to mars" {
		t.Errorf("unanswered = %v", r.Unanswered)
	}
	b9 := r.Buckets[9]
	if b9.Calls != 2 || b9.Answered != 2 || b9.ServiceLevel != 0.5 || r.Buckets[10].Abandoned != 1 || r.Buckets[10].Other != 1 {
		t.Errorf("bucket 9 = %+v, bucket 10 = %+v", b9, r.Buckets[10])
	}
}

func TestComputeDays(t *testing.T) {
	since := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC) // truncated to the day
	r := Compute(nil, since, since.Add(7*Day), Day)
	if len(r.Buckets) != 8 || !r.Buckets[0].Start.Equal(since.Truncate(Day)) {
		t.Fatalf("buckets = %d from %v", len(r.Buckets), r.Buckets[0].Start)
	}
	if r.ServiceLevel != 0 || r.Containment() != 0 {
		t.Error("an empty period has no ratios")
	}
}

// A call going on is counted once it has ended; a bot call the server's crash cut short was
// not resolved by the bot.
func TestComputeInProgressAndInterrupted(t *testing.T) {
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	bot := []record.PathStep{{Node: "b", Type: "bot"}}
	calls := []*record.Call{
		call(day.Add(9*time.Hour), func(c *record.Call) { c.Path, c.Disposition = bot, record.DispositionInProgress }),
		call(day.Add(9*time.Hour), func(c *record.Call) { c.Path, c.Disposition = bot, record.DispositionInterrupted }),
	}
	r := Compute(calls, day, day.Add(Day), Hour)
	if r.Calls != 1 || r.BotCalls != 1 || r.Contained != 0 {
		t.Errorf("calls %d bot calls %d contained %d; want 1, 1, 0", r.Calls, r.BotCalls, r.Contained)
	}
}

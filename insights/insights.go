// Package insights turns stored call records into the figures supervisors read over a period:
// calls per hour or day, answered and abandoned, service level, handle time, the callers'
// sentiment, the top intents and categories, and how much the bot resolved alone (its
// containment) with the questions it could not answer.
//
// It owns the definitions of those figures (what counts as answered, abandoned, contained) so the
// /insights page, the JSON API and the CLI agree. It does not read the store or draw charts: the
// caller passes the calls, and package web/chart draws the report.
package insights

import (
	"sort"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// Bucket sizes of a report's time axis.
const (
	Hour = time.Hour
	Day  = 24 * time.Hour
)

// ServiceLevelWait is the service-level threshold: a queued caller answered within it counts as
// answered in time (the industry's common 80/20 goal uses 20 s).
const ServiceLevelWait = 20 * time.Second

// Report is what happened over a period.
type Report struct {
	Since   time.Time     `json:"since"`
	Until   time.Time     `json:"until"`
	Bucket  time.Duration `json:"bucket_ns"`
	Buckets []Bucket      `json:"buckets"` // in time order, one per Bucket from Since, empty ones included

	Calls     int `json:"calls"`
	Answered  int `json:"answered"`  // talked with an agent
	Abandoned int `json:"abandoned"` // hung up, or gave up on, while waiting for an agent
	// Queued callers answered by an agent within ServiceLevelWait, out of all queued callers.
	ServiceLevel float64 `json:"service_level"`
	// AvgHandle is the mean time agents spent with a caller (agent answer to end).
	AvgHandle time.Duration `json:"avg_handle_ns"`
	// AvgSentiment is the mean caller sentiment of the analysed calls (-1 … 1); Analysed counts them.
	AvgSentiment float64 `json:"avg_sentiment"`
	Analysed     int     `json:"analysed"`

	Intents    []Count `json:"intents"`    // most frequent first
	Categories []Count `json:"categories"` // most frequent first

	// The bot: calls that reached a bot node, those it resolved with no agent (contained), and the
	// questions it escalated for lack of an answer in the knowledge base, most frequent first.
	BotCalls   int     `json:"bot_calls"`
	Contained  int     `json:"contained"`
	Unanswered []Count `json:"unanswered"`
}

// Containment is the share of bot calls the bot resolved alone.
func (r *Report) Containment() float64 { return ratio(r.Contained, r.BotCalls) }

// Bucket is one slot of the time axis.
type Bucket struct {
	Start     time.Time `json:"start"`
	Calls     int       `json:"calls"`
	Answered  int       `json:"answered"`
	Abandoned int       `json:"abandoned"`
	Other     int       `json:"other"` // neither: served by the IVR or the bot, transferred out, failed
	// ServiceLevel, AvgHandle and AvgSentiment as in Report, over the bucket's calls.
	ServiceLevel float64       `json:"service_level"`
	AvgHandle    time.Duration `json:"avg_handle_ns"`
	AvgSentiment float64       `json:"avg_sentiment"`
	Analysed     int           `json:"analysed"`

	queued, inTime int
	handle         time.Duration
	handled        int
	sentiment      float64
}

// Count is a label and how often it occurred.
type Count struct {
	Label string `json:"label"`
	N     int    `json:"n"`
}

// Answered reports whether a call talked with an agent.
func Answered(c *record.Call) bool { return !c.AgentAnswer.IsZero() }

// Abandoned reports whether a caller was lost while waiting for an agent: hung up in the queue,
// or the queue timed out or had no agent.
func Abandoned(c *record.Call) bool {
	if Answered(c) {
		return false
	}
	switch c.Disposition {
	case record.DispositionAbandoned, record.DispositionTimeout, record.DispositionNoAgent, record.DispositionQueueFull:
		return true
	}
	return false
}

// BotCall reports whether the call reached a bot node.
func BotCall(c *record.Call) bool {
	for _, p := range c.Path {
		if p.Type == "bot" {
			return true
		}
	}
	return false
}

// Contained reports whether the bot resolved the call alone: it reached a bot, never queued for
// or reached an agent, was not transferred out, and did not fail.
func Contained(c *record.Call) bool {
	if !BotCall(c) || Answered(c) || c.Queue != "" || c.Handoff != nil || len(c.Transfers) > 0 {
		return false
	}
	switch c.Disposition {
	case record.DispositionFailed, record.DispositionRejected, record.DispositionInterrupted:
		return false
	}
	return true
}

// lowConfidence is the bot's handoff reason when the knowledge base had no answer.
const lowConfidence = "low retrieval confidence"

// UnansweredQuestion is the caller's last words before the bot escalated because the knowledge
// base had no answer, or "" when it did not.
func UnansweredQuestion(c *record.Call) string {
	if c.Handoff == nil || !strings.Contains(c.Handoff.Reason, lowConfidence) {
		return ""
	}
	turns := c.Handoff.Transcript
	if len(turns) == 0 {
		turns = c.Transcript
	}
	for i := len(turns) - 1; i >= 0; i-- {
		if turns[i].Speaker == record.SpeakerCaller && strings.TrimSpace(turns[i].Text) != "" {
			return strings.TrimSpace(turns[i].Text)
		}
	}
	return ""
}

// Compute builds the report of calls that started in [since, until), bucketed by bucket (Hour or
// Day; anything else is rounded to whole hours, at least one). Calls outside the period are
// ignored, so the caller may pass a superset.
func Compute(calls []*record.Call, since, until time.Time, bucket time.Duration) *Report {
	if bucket < Hour {
		bucket = Hour
	}
	bucket = bucket.Round(Hour)
	since = since.Truncate(bucket)
	r := &Report{Since: since, Until: until, Bucket: bucket}
	for t := since; t.Before(until); t = t.Add(bucket) {
		r.Buckets = append(r.Buckets, Bucket{Start: t})
	}
	intents, categories, unanswered := map[string]int{}, map[string]int{}, map[string]int{}
	var queued, inTime, handled int
	var handle time.Duration
	var sentiment float64
	for _, c := range calls {
		if c.Start.Before(since) || !c.Start.Before(until) {
			continue
		}
		if c.Disposition == record.DispositionInProgress {
			continue // counted once it has ended
		}
		b := &r.Buckets[int(c.Start.Sub(since)/bucket)]
		r.Calls++
		b.Calls++
		switch {
		case Answered(c):
			r.Answered++
			b.Answered++
			d := c.End.Sub(c.AgentAnswer)
			if d > 0 {
				handle += d
				handled++
				b.handle += d
				b.handled++
			}
		case Abandoned(c):
			r.Abandoned++
			b.Abandoned++
		default:
			b.Other++
		}
		if c.Queue != "" {
			queued++
			b.queued++
			if Answered(c) && time.Duration(c.WaitMs)*time.Millisecond <= ServiceLevelWait {
				inTime++
				b.inTime++
			}
		}
		if a := c.Analysis; a != nil && a.Status == record.AnalysisDone {
			r.Analysed++
			b.Analysed++
			sentiment += a.Sentiment.Caller
			b.sentiment += a.Sentiment.Caller
			if a.Intent != "" {
				intents[a.Intent]++
			}
			for _, cat := range a.Categories {
				categories[cat.Name]++
			}
		}
		if BotCall(c) {
			r.BotCalls++
			if Contained(c) {
				r.Contained++
			}
			if q := UnansweredQuestion(c); q != "" {
				unanswered[normalise(q)]++
			}
		}
	}
	r.ServiceLevel = ratio(inTime, queued)
	if handled > 0 {
		r.AvgHandle = handle / time.Duration(handled)
	}
	if r.Analysed > 0 {
		r.AvgSentiment = sentiment / float64(r.Analysed)
	}
	for i := range r.Buckets {
		b := &r.Buckets[i]
		b.ServiceLevel = ratio(b.inTime, b.queued)
		if b.handled > 0 {
			b.AvgHandle = b.handle / time.Duration(b.handled)
		}
		if b.Analysed > 0 {
			b.AvgSentiment = b.sentiment / float64(b.Analysed)
		}
	}
	r.Intents, r.Categories, r.Unanswered = top(intents), top(categories), top(unanswered)
	return r
}

// normalise folds the ways one question is written (case, trailing punctuation, spaces) together.
func normalise(q string) string {
	q = strings.ToLower(strings.Join(strings.Fields(q), " "))
	return strings.TrimRight(q, " ?.!？。！")
}

func top(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{k, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Label < out[j].Label
	})
	return out
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

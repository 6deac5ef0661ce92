package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func sampleCall(id string, start time.Time) *record.Call {
	c := &record.Call{ID: id, Vars: map[string]string{"lang": "zh-CN"}}
	c.Parties = record.Parties{From: "+8613800000000", To: "4000", FromURI: "sip:+8613800000000@198.51.100.7",
		ToURI: "sip:4000@hotline.example", SourceAddr: "198.51.100.7:5060"}
	c.Routing = record.Routing{Route: "main", Flow: "welcome", DialplanVersion: 3, DialplanHash: "abc123",
		Path: []record.PathStep{
			{Node: "greet", Type: "say", Edge: "next", At: start},
			{Node: "sales", Type: "queue", At: start.Add(4 * time.Second)},
		},
		Queue: "sales", Agent: "1001"}
	c.Times = record.Times{Start: start, Answer: start.Add(100 * time.Millisecond), AgentAnswer: start.Add(9 * time.Second),
		End: start.Add(60 * time.Second), WaitMs: 5000}
	c.Outcome = record.Outcome{Disposition: record.DispositionAnswered, HangupCause: "BYE", HangupBy: record.HangupByCaller, Codec: "PCMU"}
	return c
}

func assertCallEqual(t *testing.T, got, want *record.Call) {
	t.Helper()
	// Compare through JSON: decoded times lose the monotonic reading and location.
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("call record mismatch\n got %s\nwant %s", g, w)
	}
}

func TestCallRoundTrip(t *testing.T) {
	s, _ := openTemp(t)
	c := sampleCall("a84b4c76e66710@pc33.example", t0)
	if err := s.PutCall(c); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetCall(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertCallEqual(t, got, c)
	if !got.Start.Equal(c.Start) || !got.AgentAnswer.Equal(c.AgentAnswer) {
		t.Fatalf("times changed: %v %v", got.Start, got.AgentAnswer)
	}
}

func TestCallJSONIsSnakeCase(t *testing.T) {
	c := sampleCall("x", t0)
	c.Answer = time.Time{}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "from", "to", "from_uri", "to_uri", "source_addr", "dialplan_version",
		"dialplan_hash", "agent_answer", "wait_ms", "hangup_cause", "hangup_by"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if _, ok := m["answer"]; ok {
		t.Errorf("zero Answer should be omitted: %s", b)
	}
}

func TestGetCallNotFound(t *testing.T) {
	s, _ := openTemp(t)
	_, err := s.GetCall("nope")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestPutCallInvalid(t *testing.T) {
	s, _ := openTemp(t)
	for name, c := range map[string]*record.Call{
		"nil":        nil,
		"no id":      {Times: record.Times{Start: t0}},
		"zero start": {ID: "x"},
	} {
		if err := s.PutCall(c); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func TestPutCallReplacesWhenStartChanges(t *testing.T) {
	s, _ := openTemp(t)
	c := sampleCall("c1", t0)
	if err := s.PutCall(c); err != nil {
		t.Fatal(err)
	}
	c.Start = t0.Add(time.Hour)
	c.Disposition = record.DispositionAbandoned
	if err := s.PutCall(c); err != nil {
		t.Fatal(err)
	}
	all, err := s.ListCalls(record.CallQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Disposition != record.DispositionAbandoned || !all[0].Start.Equal(c.Start) {
		t.Fatalf("after replace: %d records, first %+v", len(all), all[0])
	}
}

func ids(cs []*record.Call) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func TestListCalls(t *testing.T) {
	s, _ := openTemp(t)
	// Insert out of order; c3a and c3b share a start time.
	for _, c := range []struct {
		id  string
		min int
	}{{"c3b", 3}, {"c1", 1}, {"c5", 5}, {"c3a", 3}, {"c2", 2}, {"c4", 4}} {
		if err := s.PutCall(sampleCall(c.id, t0.Add(time.Duration(c.min)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	tests := []struct {
		name string
		opt  record.CallQuery
		want []string
	}{
		{"all", record.CallQuery{}, []string{"c1", "c2", "c3a", "c3b", "c4", "c5"}},
		{"newest", record.CallQuery{Newest: true}, []string{"c5", "c4", "c3b", "c3a", "c2", "c1"}},
		{"limit", record.CallQuery{Limit: 2}, []string{"c1", "c2"}},
		{"newest limit", record.CallQuery{Newest: true, Limit: 2}, []string{"c5", "c4"}},
		{"since inclusive", record.CallQuery{Since: at(3)}, []string{"c3a", "c3b", "c4", "c5"}},
		{"until exclusive", record.CallQuery{Until: at(3)}, []string{"c1", "c2"}},
		{"range", record.CallQuery{Since: at(2), Until: at(4)}, []string{"c2", "c3a", "c3b"}},
		{"range newest", record.CallQuery{Since: at(2), Until: at(4), Newest: true}, []string{"c3b", "c3a", "c2"}},
		{"range newest limit", record.CallQuery{Since: at(2), Until: at(5), Newest: true, Limit: 3}, []string{"c4", "c3b", "c3a"}},
		{"until past end newest", record.CallQuery{Until: at(60), Newest: true, Limit: 1}, []string{"c5"}},
		{"since past end", record.CallQuery{Since: at(60)}, []string{}},
		{"until before start newest", record.CallQuery{Until: at(0), Newest: true}, []string{}},
		{"empty range", record.CallQuery{Since: at(4), Until: at(2)}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListCalls(tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if g := ids(got); !reflect.DeepEqual(g, tt.want) {
				t.Fatalf("got %v, want %v", g, tt.want)
			}
		})
	}
}

// BenchmarkPutCall measures one durable CDR write: a bbolt transaction with
// its fsyncs, which is what ending a call costs.
func BenchmarkPutCall(b *testing.B) {
	s, _ := openTemp(b)
	c := sampleCall("", t0)
	i := 0
	for b.Loop() {
		c.ID = fmt.Sprintf("bench-%d", i)
		c.Start = t0.Add(time.Duration(i) * time.Millisecond)
		i++
		if err := s.PutCall(c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutCallParallel shows throughput when many calls end at once:
// bbolt serialises writers, so each PutCall waits for the others' commits.
func BenchmarkPutCallParallel(b *testing.B) {
	s, _ := openTemp(b)
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			c := sampleCall(fmt.Sprintf("bench-%d", i), t0.Add(time.Duration(i)*time.Millisecond))
			if err := s.PutCall(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGetCall(b *testing.B) {
	s, _ := openTemp(b)
	for i := range 1000 {
		if err := s.PutCall(sampleCall(fmt.Sprintf("c%d", i), t0.Add(time.Duration(i)*time.Second))); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := s.GetCall("c500"); err != nil {
			b.Fatal(err)
		}
	}
}

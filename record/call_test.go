package record

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// The record's parts are embedded so that its JSON stays one flat object: the stored form and
// the API's form of every call written before the parts existed.
func TestCallJSONIsFlat(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	c := Call{ID: "c1", Vars: map[string]string{"lang": "en"}}
	c.From, c.To, c.FromURI, c.ToURI, c.SourceAddr = "1001", "4000", "sip:1001@h", "sip:4000@h", "192.0.2.1:5060"
	c.Route, c.Flow, c.DialplanVersion, c.DialplanHash, c.Queue, c.Agent = "main", "welcome", 3, "abc", "sales", "alice"
	c.Path = []PathStep{{Node: "greet", Type: "say", Edge: "next", At: at}}
	c.Start, c.Answer, c.End, c.AgentAnswer, c.WaitMs = at, at, at.Add(time.Minute), at.Add(time.Second), 900
	c.Disposition, c.HangupCause, c.HangupBy, c.Codec = DispositionAnswered, "bye", HangupByCaller, "PCMU"
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"id", "from", "to", "from_uri", "to_uri", "source_addr", "route", "flow", "dialplan_version",
		"dialplan_hash", "path", "queue", "agent", "start", "answer", "end", "agent_answer", "wait_ms", "disposition",
		"hangup_cause", "hangup_by", "codec", "vars"}
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("JSON keys\n got %v\nwant %v", got, want)
	}
	// And a record stored in that form reads back into the parts.
	var back Call
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Agent != "alice" || back.WaitMs != 900 || back.Codec != "PCMU" || back.From != "1001" || !back.End.Equal(c.End) {
		t.Fatalf("read back: %+v", back)
	}
}

package main

import (
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/redact"
	"github.com/hotline-cc/hotline/store"
	"github.com/hotline-cc/hotline/webhook"
)

// TestCloseInterrupted: the calls a crash left in progress are closed as interrupted at the next
// start, ending at their last checkpoint, where their recording stops, or when the server last
// noted it ran, whichever is latest, with call.ended in the outbox; a call that ended normally is left alone, and a second start closes nothing.
func TestCloseInterrupted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	inProgress := func(id string, start time.Time) *record.Call {
		c := &record.Call{ID: id}
		c.From, c.To, c.Queue, c.Agent = "13800000000", "5000", "support", "alice"
		c.Start, c.Answer, c.End = start, start, start.Add(10*time.Second)
		c.Path = []record.PathStep{{Node: "welcome", Type: "menu", Edge: "2", At: start}, {Node: "support", Type: "queue", At: start.Add(5 * time.Second)}}
		c.Disposition = record.DispositionInProgress
		return c
	}
	for _, c := range []*record.Call{inProgress("cut-1", t0), inProgress("cut-2", t0.Add(time.Minute))} {
		if err := st.CheckpointCall(c); err != nil {
			t.Fatal(err)
		}
	}
	// cut-2 was recorded 40 s, past its last checkpoint; Recover attached the file.
	if err := st.AddRecording("cut-2", record.Recording{File: "2026/12/07/cut-2.wav", Rate: 8000, Channels: 2,
		Start: t0.Add(time.Minute), End: t0.Add(time.Minute + 40*time.Second), Incomplete: true}); err != nil {
		t.Fatal(err)
	}
	// The server last noted it ran 25 s in: cut-1 went on past its last checkpoint till then at least.
	if err := st.MarkAlive(t0.Add(25 * time.Second)); err != nil {
		t.Fatal(err)
	}
	ended := inProgress("ended", t0.Add(2*time.Minute))
	ended.Disposition = record.DispositionAnswered
	if err := st.EndCall(ended); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// The start after the crash.
	st, err = store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hooks, err := webhook.NewDispatcher(webhook.Config{Endpoints: []webhook.Endpoint{{Name: "crm", URL: "http://127.0.0.1:9/hook", Secret: "test-secret-0123456789"}}}, st, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	a := &afterCall{st: st, redactor: redact.New(redact.Config{}), hooks: hooks, log: slog.Default()}
	n, err := a.closeInterrupted()
	if err != nil || n != 2 {
		t.Fatalf("closed %d, %v; want 2", n, err)
	}
	for id, end := range map[string]time.Time{"cut-1": t0.Add(25 * time.Second), "cut-2": t0.Add(time.Minute + 40*time.Second)} {
		c, err := st.GetCall(id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Disposition != record.DispositionInterrupted || c.HangupCause != record.HangupCauseRestart || !c.End.Equal(end) ||
			c.Queue != "support" || c.Agent != "alice" || len(c.Path) != 2 {
			t.Errorf("%s: %+v", id, c)
		}
		ev, err := st.WebhookEvent(webhook.EventID(record.EventCallEnded, id, 0))
		if err != nil {
			t.Errorf("%s: no call.ended event: %v", id, err)
			continue
		}
		var body struct {
			Data record.Call `json:"data"`
		}
		if err := json.Unmarshal(ev.Body, &body); err != nil || body.Data.Disposition != record.DispositionInterrupted {
			t.Errorf("%s: call.ended says %q (%v)", id, body.Data.Disposition, err)
		}
	}
	if c, _ := st.GetCall("cut-2"); len(c.Recordings) != 1 {
		t.Errorf("cut-2 has %d recordings, want its one", len(c.Recordings))
	}
	if c, _ := st.GetCall("ended"); c.Disposition != record.DispositionAnswered {
		t.Errorf("a call that ended was changed: %+v", c)
	}
	if n, err := a.closeInterrupted(); n != 0 || err != nil {
		t.Errorf("a second start closed %d (%v)", n, err)
	}
}

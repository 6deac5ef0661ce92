package dialplantest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
)

func TestCallerBot(t *testing.T) {
	ctx := context.Background()
	p := &dialplan.BotProfile{Name: "b", Greeting: dialplan.Text{All: "Hi"}, EscalateOn: []string{dialplan.EscalateRequest}, MaxTurns: 5}
	c := NewCaller(Say("where is my order"), Say("let me talk to a human"))
	res, err := c.Bot(ctx, dialplan.BotRequest{Profile: p})
	if err != nil || res.Outcome != dialplan.BotEscalate || res.Handoff == nil || !strings.Contains(res.Handoff.Summary, "human") {
		t.Errorf("escalation = %+v, %v", res, err)
	}
	// Without escalate_on request, asking for a person does not escalate.
	p.EscalateOn = nil
	c = NewCaller()
	c.Speech = []string{"agent please"}
	if res, _ := c.Bot(ctx, dialplan.BotRequest{Profile: p}); res.Outcome != dialplan.BotDone {
		t.Errorf("no escalate_on: %v", res.Outcome)
	}
	c = NewCaller(BotOutcome(dialplan.BotResult{Outcome: dialplan.BotError, Reason: "x"}))
	if res, _ := c.Bot(ctx, dialplan.BotRequest{Profile: p}); res.Outcome != dialplan.BotError {
		t.Errorf("scripted: %v", res.Outcome)
	}
}

func TestCallerReadInput(t *testing.T) {
	ctx := context.Background()
	c := NewCaller(Press("1"), Say("sales"), Silence())
	c.Speech = []string{"support"}
	for _, want := range []dialplan.Input{{Key: '1'}, {Speech: "support"}, {Speech: "sales"}, {}, {}} {
		if got, err := c.ReadInput(ctx, time.Second); err != nil || got != want {
			t.Errorf("ReadInput = %+v, %v; want %+v", got, err, want)
		}
	}
	want := []string{"key 1", `caller says "support"`, `caller says "sales"`, "key timeout", "key timeout"}
	if got := c.Events(); !slices.Equal(got, want) {
		t.Errorf("events:\n%s", strings.Join(got, "\n"))
	}
}

func TestCallerRecordTransferHTTP(t *testing.T) {
	ctx := context.Background()
	c := NewCaller(Press("#"), QueueOutcome(dialplan.QueueResult{Outcome: dialplan.QueueTimeout}))
	c.RecordBase = "/data"
	res, err := c.Record(ctx, dialplan.RecordRequest{Dir: "/data/rec", FinishKey: "#", MaxDuration: time.Minute})
	if err != nil || res.Path != "rec/simulated.wav" || res.EndedBy != "key" {
		t.Errorf("Record = %+v, %v", res, err)
	}
	tr, err := c.Transfer(ctx, dialplan.TransferRequest{Agent: "alice"})
	if err != nil || tr.Outcome != dialplan.QueueTimeout {
		t.Errorf("Transfer = %+v, %v", tr, err)
	}
	if _, err := c.Transfer(ctx, dialplan.TransferRequest{Number: "1", Trunk: &dialplan.Trunk{Name: "t"}}); err == nil {
		t.Error("external transfer without a scripted outcome succeeded")
	}
	if _, err := c.HTTP(ctx, dialplan.HTTPRequest{Method: "GET", URL: "http://x"}); err == nil {
		t.Error("HTTP without a script succeeded")
	}
	c.HTTPFunc = func(dialplan.HTTPRequest) (dialplan.HTTPResponse, error) {
		return dialplan.HTTPResponse{Status: 204}, nil
	}
	if r, err := c.HTTP(ctx, dialplan.HTTPRequest{Method: "GET", URL: "http://x"}); err != nil || r.Status != 204 {
		t.Errorf("HTTP = %+v, %v", r, err)
	}
	if err := c.Answer(); err != nil {
		t.Error(err)
	}
	want := []string{"record max=1m0s → simulated.wav (key)", "queue agent:alice max_wait=0s → timeout",
		"transfer 1 via t → error: dialplantest: the flow dials 1 but the script is empty", "http GET http://x → error: dialplantest: no HTTP response scripted for GET http://x",
		"http GET http://x → 204", "answer"}
	if got := c.Events(); !slices.Equal(got, want) {
		t.Errorf("events:\n%s", strings.Join(got, "\n"))
	}
	c = NewCaller(HangUp())
	if err := c.Answer(); !errors.Is(err, dialplan.ErrHangup) {
		t.Errorf("Answer after hang-up = %v", err)
	}
}

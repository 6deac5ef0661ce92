package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/record"
)

func demoKB(t *testing.T) *kb.Index {
	t.Helper()
	ix, err := kb.Open(context.Background(), kb.Options{Dir: "../configs/kb"})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// TestTextAnswersFromKB: the same embedded engine as on the phone answers a written question
// from the knowledge base, then a request for a person escalates with the handoff packet.
func TestTextAnswersFromKB(t *testing.T) {
	ix := demoKB(t)
	cfg := bot.Config{Dialog: dialog.NewRetrieval(ix, 0), KB: ix}
	tx := bot.NewText(cfg, profile(), "chat-1", nil)
	r := tx.Reply(context.Background(), "What are your opening hours?")
	if r.Result != nil || len(r.Lines) != 1 || !strings.Contains(r.Lines[0], "Monday to Friday") {
		t.Fatalf("reply %+v", r)
	}
	r = tx.Reply(context.Background(), "I want to talk to a person")
	if r.Result == nil || r.Result.Outcome != bot.OutcomeEscalate || r.Result.Handoff.Queue != "support" {
		t.Fatalf("escalation %+v", r)
	}
	if len(r.Lines) != 1 || !strings.Contains(r.Lines[0], "colleague") {
		t.Fatalf("transfer line %q", r.Lines)
	}
	if h := r.Result.Handoff; !strings.Contains(h.Summary, "opening hours") || len(h.Transcript) != 4 {
		t.Fatalf("handoff %+v", h)
	}
	if later := tx.Reply(context.Background(), "hello?"); len(later.Lines) != 0 {
		t.Fatalf("a bot that escalated answered again: %+v", later)
	}
}

// TestTextChineseAndLowConfidence: a Chinese question the knowledge base cannot answer gets
// the engine's "don't know" and the transfer line in Chinese.
func TestTextChineseAndLowConfidence(t *testing.T) {
	ix := demoKB(t)
	p := profile()
	p.EscalateOn = []string{bot.TriggerLowConfidence}
	tx := bot.NewText(bot.Config{Dialog: dialog.NewRetrieval(ix, 0), KB: ix}, p, "chat-2", nil)
	r := tx.Reply(context.Background(), "火星上的天气怎么样")
	if r.Result == nil || r.Result.Outcome != bot.OutcomeEscalate || r.Result.Reason != "low retrieval confidence" {
		t.Fatalf("reply %+v", r)
	}
	if last := r.Lines[len(r.Lines)-1]; last != "好的，我为您转接人工客服。" {
		t.Fatalf("transfer line %q", last)
	}
}

type failingDialog struct{ calls *int }

func (d failingDialog) Respond(context.Context, dialog.Request) (dialog.Stream, error) {
	*d.calls++
	return nil, errors.New("engine down")
}

// TestTextEngineFailure: an engine that fails is asked twice per message; two failed messages
// in a row hand over.
func TestTextEngineFailure(t *testing.T) {
	n := 0
	tx := bot.NewText(bot.Config{Dialog: failingDialog{&n}}, profile(), "chat-3", nil)
	r := tx.Reply(context.Background(), "hello")
	if r.Result != nil || n != 2 || !strings.Contains(r.Lines[0], "another way") {
		t.Fatalf("first failure %+v after %d tries", r, n)
	}
	r = tx.Reply(context.Background(), "hello again")
	if r.Result == nil || r.Result.Outcome != bot.OutcomeEscalate {
		t.Fatalf("second failure %+v", r)
	}
}

// TestTextRestoresThread: a conversation rebuilt from its stored turns keeps its context.
func TestTextRestoresThread(t *testing.T) {
	ix := demoKB(t)
	prior := []record.Turn{{Speaker: record.SpeakerCaller, Text: "where is my order"}, {Speaker: record.SpeakerBot, Text: "..."}}
	tx := bot.NewText(bot.Config{Dialog: dialog.NewRetrieval(ix, 0), KB: ix}, profile(), "chat-4", prior)
	r := tx.Reply(context.Background(), "agent please")
	if r.Result == nil || !strings.Contains(r.Result.Handoff.Summary, "where is my order") {
		t.Fatalf("restored handoff %+v", r.Result)
	}
}

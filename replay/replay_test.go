package replay_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/bot/openaitest"
	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/replay"
	"github.com/hotline-cc/hotline/replay/replaytest"
	"github.com/hotline-cc/hotline/store"
)

// storedConversations records the replaytest conversations, answered from the knowledge base
// as it is now, in a temporary store (with a call that never reached the bot), and reads
// them back as the command does.
func storedConversations(t *testing.T, dir string) []*record.Call {
	t.Helper()
	plan := replaytest.Setup(t, dir)
	st, err := store.Open(filepath.Join(dir, "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now().Add(-time.Hour)
	for _, c := range replaytest.Conversations(t, plan, start) {
		if err := st.PutCall(c); err != nil {
			t.Fatal(err)
		}
	}
	noBot := &record.Call{ID: "c-menu"}
	noBot.Start, noBot.End, noBot.Disposition = start, start.Add(time.Second), record.DispositionAbandoned
	if err := st.PutCall(noBot); err != nil {
		t.Fatal(err)
	}
	calls, err := st.ListCalls(record.CallQuery{Since: start.Add(-time.Minute)})
	if err != nil || len(calls) != 5 {
		t.Fatalf("stored calls: %d %v", len(calls), err)
	}
	return calls
}

func run(t *testing.T, dir string, calls []*record.Call, eng *replay.Engines) *replay.Report {
	t.Helper()
	plan := replaytest.Setup(t, t.TempDir()) // the candidate plan; its knowledge base is dir's
	rep, err := replay.Run(context.Background(), calls, replay.Options{Plan: plan, KBDir: filepath.Join(dir, "kb"),
		ChatBot: "assistant", Engines: eng})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func verdicts(rep *replay.Report) map[string]string {
	out := map[string]string{}
	for _, c := range rep.Conversations {
		out[c.ID] = c.Verdict
		if c.Error != "" {
			out[c.ID] = "error: " + c.Error
		}
	}
	return out
}

func TestKnowledgeBaseChangeFlipsTheAffectedConversations(t *testing.T) {
	dir := t.TempDir()
	calls := storedConversations(t, dir)

	// Unchanged, the candidate says what the stored bot said.
	rep := run(t, dir, calls, nil)
	want := map[string]string{"c-hours": replay.Same, "c-ship": replay.Same, "c-ret": replay.Same, "c-agent": replay.Same}
	if got := verdicts(rep); !equal(got, want) {
		t.Fatalf("unchanged: %v", got)
	}
	s := rep.Summary
	if s.Replayed != 4 || s.ContainedBefore != 3 || s.ContainedAfter != 3 || s.Regressed || s.ContainmentBefore != 0.75 {
		t.Fatalf("unchanged summary: %+v", s)
	}
	for _, c := range rep.Conversations {
		if c.ID == "c-agent" && (len(c.Turns) != 2 || !c.EscalatedAfter || c.Turns[1].After != "") {
			t.Errorf("escalated conversation: the turn in the queue is not the bot's, the agent's part is left out: %+v", c.Turns)
		}
		if c.ID == "c-ret" && (c.Channel != record.ChannelChat || c.Profile != "assistant") {
			t.Errorf("chat: %+v", c)
		}
		if c.ID == "c-hours" && (len(c.Turns) != 1 || len(c.Turns[0].Sentences) != 1 || !c.Turns[0].Sentences[0].Supported ||
			!strings.HasPrefix(c.Turns[0].Sentences[0].Passage, "hours.md#")) {
			t.Errorf("hours turn: %+v", c.Turns)
		}
	}

	// A changed shipping article changes only the shipping answer, which its passage supports.
	replaytest.WriteArticle(t, dir, "shipping.md", "# Shipping\n\n## Delivery times\nStandard delivery takes 1 working day within the Netherlands.\n")
	rep = run(t, dir, calls, nil)
	want["c-ship"] = replay.Different
	if got := verdicts(rep); !equal(got, want) {
		t.Fatalf("edited article: %v", got)
	}
	if s := rep.Summary; s.Regressed || s.Different != 1 || s.Unsupported != 0 {
		t.Fatalf("edited article summary: %+v", s)
	}
	ship := find(rep, "c-ship").Turns[0]
	if ship.After != "Standard delivery takes 1 working day within the Netherlands." || ship.Before == ship.After || ship.Unsupported {
		t.Fatalf("shipping turn: %+v", ship)
	}

	// Without it, the bot no longer knows: that conversation now escalates, and the replay regresses.
	replaytest.WriteArticle(t, dir, "shipping.md", "")
	replaytest.WriteArticle(t, dir, "gifts.md", "# Gift cards\n\n## Validity\nGift cards are valid for two years.\n")
	rep = run(t, dir, calls, nil)
	want["c-ship"] = replay.NowEscalates
	if got := verdicts(rep); !equal(got, want) {
		t.Fatalf("removed article: %v", got)
	}
	s = rep.Summary
	if !s.Regressed || s.ContainedAfter != 2 || s.NowEscalates != 1 || s.ContainmentAfter != 0.5 || len(s.Reasons) == 0 {
		t.Fatalf("removed article summary: %+v", s)
	}
	if c := find(rep, "c-ship"); !c.EscalatedAfter || c.ReasonAfter != "low retrieval confidence" {
		t.Fatalf("shipping conversation: %+v", c)
	}
}

// madeUp is a dialog engine that answers every question with a fact of its own.
type madeUp struct{}

func (madeUp) Respond(context.Context, dialog.Request) (dialog.Stream, error) {
	return dialog.NewStaticStream(dialog.Event{Text: "Every order ships free by drone on Sundays. "},
		dialog.Event{Text: "Our hotline is open Monday to Friday."}), nil
}

func TestAnswerWithoutAPassageIsUnsupported(t *testing.T) {
	dir := t.TempDir()
	calls := storedConversations(t, dir)
	eng := replay.NewEngines(dialog.Config{}, nil)
	eng.Dialog = func(*kb.Index) (dialog.Engine, error) { return madeUp{}, nil }
	rep := run(t, dir, calls, eng)
	s := rep.Summary
	// c-agent asks for a person and is handed over before the engine is asked.
	if !s.Regressed || s.Unsupported != 3 || s.Different != 3 || s.ContainedAfter != s.ContainedBefore {
		t.Fatalf("summary: %+v", s)
	}
	hours := find(rep, "c-hours").Turns[0]
	if len(hours.Sentences) != 2 || hours.Sentences[0].Supported || !hours.Sentences[1].Supported || !hours.Unsupported {
		t.Fatalf("hours sentences: %+v", hours.Sentences)
	}
}

func TestOverlapJudge(t *testing.T) {
	p := []kb.Hit{{Doc: "a.md", Heading: "Delivery", Text: "Standard delivery takes 2 to 3 working days."}, {Doc: "b.md", Heading: "周末", Text: "周六和周日我们休息。"}}
	o := replay.Overlap{Threshold: replay.DefaultThreshold}
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"Delivery takes 2 to 3 working days.", true},
		{"Delivery is free by drone on Sundays.", false},
		{"周六我们休息。", true},
		{"我们提供免费上门安装服务。", false},
		{"It is so.", true}, // no terms, no claim
	} {
		j, err := o.Judge(context.Background(), tc.s, p)
		if err != nil || j.Supported != tc.want {
			t.Errorf("%q: %+v %v, want supported=%v", tc.s, j, err, tc.want)
		}
	}
}

func TestUnknownProfile(t *testing.T) {
	plan := replaytest.Setup(t, t.TempDir())
	if _, err := replay.Run(context.Background(), nil, replay.Options{Plan: plan, Profile: "nobody"}); err == nil {
		t.Fatal("no error for an unknown profile")
	}
}

func find(rep *replay.Report, id string) replay.Conversation {
	for _, c := range rep.Conversations {
		if c.ID == id {
			return c
		}
	}
	return replay.Conversation{}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestLLMJudge(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	srv.Script(openaitest.Reply{Content: func(req openaitest.ChatRequest) string {
		if q := req.Messages[len(req.Messages)-1].Content; strings.Contains(q, "drone") && strings.Contains(q, "2 to 3 working days") {
			return "UNSUPPORTED"
		}
		return "Supported."
	}})
	var cfg config.Engines
	cfg.LLM.Backend, cfg.LLM.BaseURL, cfg.LLM.Model = "openai", srv.BaseURL(), "judge"
	j, err := replay.JudgeFor(replay.JudgeAuto, cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := []kb.Hit{{Doc: "a.md", Heading: "Delivery", Text: "Standard delivery takes 2 to 3 working days."}}
	if s, err := j.Judge(context.Background(), "Delivery is free by drone.", p); err != nil || s.Supported {
		t.Errorf("made up: %+v %v", s, err)
	}
	if s, err := j.Judge(context.Background(), "I can transfer you to a colleague.", p); err != nil || !s.Supported {
		t.Errorf("no claim: %+v %v", s, err)
	}
	if _, err := replay.JudgeFor(replay.JudgeLLM, config.Engines{}, 0); err == nil {
		t.Error("llm judge without a server")
	}
	if j, err := replay.JudgeFor("", config.Engines{}, 0); err != nil || j != (replay.Overlap{Threshold: replay.DefaultThreshold}) {
		t.Errorf("embedded default: %v %v", j, err)
	}
}

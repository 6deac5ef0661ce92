package dialplan_test

import (
	"context"
	"slices"
	"testing"

	"github.com/hotline-cc/hotline/dialplan"
	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

const keywordNodes = `      - id: a
        type: menu
        prompt: "Say sales or press 1."
        options: {"1": sales, "0": agent}
        keywords: {Sales: "1", "a person": "0", agent: "0", "人工": "0"}
        invalid_prompt: "Invalid."
        retries: 1
      - {id: sales, type: say, text: "Sales."}
      - {id: agent, type: say, text: "Agent."}
`

func TestMenuKeywords(t *testing.T) {
	f := mustFlow(t, keywordNodes)
	m := f.Node("a").(*dialplan.MenuNode)
	for utterance, want := range map[string]string{"I want SALES": "1", "talk to a person please": "0", "转人工": "0", "weather": ""} {
		if got := m.KeywordFor(utterance); got != want {
			t.Errorf("KeywordFor(%q) = %q, want %q", utterance, got, want)
		}
	}
	c := NewCaller(Say("the weather"), Say("sales please"))
	path, err := runFlow(t, f, c)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "path", path, []string{"a(menu) -1-> sales", "sales(say) -next-> "})
	wantLines(t, "events", c.Events(), []string{
		`say en-US "Say sales or press 1."`, `caller says "the weather"`, `say en-US "Invalid."`,
		`say en-US "Say sales or press 1."`, `caller says "sales please"`, `say en-US "Sales."`, "hangup normal",
	})
	// Keys still work, and take precedence over speech scripted later.
	c = NewCaller(Press("0"), Say("sales"))
	if path, _ := runFlow(t, f, c); path[0] != "a(menu) -0-> agent" {
		t.Errorf("key: path %q", path)
	}
}

// earCaller is a scripted caller whose Listen can refuse (a call no recognizer can hear).
type earCaller struct {
	*Caller
	hears   bool
	phrases []string
	stopped bool
}

func (c *earCaller) Listen(ctx context.Context, phrases []string) (func(), bool) {
	c.phrases = phrases
	if !c.hears {
		return func() {}, false
	}
	stop, _ := c.Caller.Listen(ctx, phrases)
	return func() { c.stopped = true; stop() }, true
}

func TestMenuKeywordsListen(t *testing.T) {
	f := mustFlow(t, keywordNodes)
	run := func(c *earCaller) string {
		var edge string
		err := dialplan.Run(context.Background(), f, c, func(s dialplan.Step) {
			if edge == "" {
				edge = s.Edge
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return edge
	}
	// A call that hears: the menu listens for its phrases while it runs, and stops after.
	c := &earCaller{Caller: NewCaller(Say("a person")), hears: true}
	if edge := run(c); edge != "0" || !c.stopped {
		t.Errorf("edge %q, stopped %v", edge, c.stopped)
	}
	if want := []string{"a person", "agent", "sales", "人工"}; !slices.Equal(c.phrases, want) {
		t.Errorf("listened for %q, want %q", c.phrases, want)
	}
	// A call no recognizer can hear answers keys only: the words are never asked for.
	c = &earCaller{Caller: NewCaller(Press("1"))}
	c.Speech = []string{"agent"}
	if edge := run(c); edge != "1" || len(c.Speech) != 1 {
		t.Errorf("keys only: edge %q, speech left %q", edge, c.Speech)
	}
}

func TestMenuKeywordsInvalid(t *testing.T) {
	wantLines(t, "errors", parseErrors(t, `      - id: a
        type: menu
        prompt: hi
        options: {"1": a}
        keywords: {sales: "2", "": "1", x: [1]}
`), []string{
		`test.yaml:16:27: node "a": keywords "sales": "2" is not an option (the value is the key of one of the options: 1)`,
		`test.yaml:16:32: node "a": keywords: a phrase must not be empty`,
		`test.yaml:16:44: node "a": keywords "x": a list is not an option (the value is the key of one of the options: 1)`,
	})
}

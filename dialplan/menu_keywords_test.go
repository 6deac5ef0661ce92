package dialplan_test

import (
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

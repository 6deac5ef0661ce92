package dialplan_test

import (
	"testing"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/dialplan/dialplantest"
)

func TestSayValid(t *testing.T) {
	f := mustFlow(t, `
      - {id: a, type: say, text: "Hello.", next: b}
      - id: b
        type: say
        text: {en-US: "Bye.", zh-CN: "再见。"}
`)
	b := f.Node("b").(*dialplan.SayNode)
	if b.Text.ByLang["zh-CN"] != "再见。" || len(b.Edges()) != 0 {
		t.Errorf("node b = %+v", b)
	}

	c := dialplantest.NewCaller()
	path, err := runFlow(t, f, c)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "path", path, []string{"a(say) -next-> b", "b(say) -next-> "})
	wantLines(t, "events", c.Events(), []string{`say en-US "Hello."`, `say en-US "Bye."`, "hangup normal"})

	// A text for every language is spoken in the call's language; a per-language text in its own.
	c = dialplantest.NewCaller()
	c.Lang = dialplan.LangZhCN
	if _, err := runFlow(t, f, c); err != nil {
		t.Fatal(err)
	}
	wantLines(t, "zh-CN events", c.Events(), []string{`say zh-CN "Hello."`, `say zh-CN "再见。"`, "hangup normal"})
}

func TestSayFallsBackToAnotherLanguage(t *testing.T) {
	f := mustFlow(t, `      - {id: a, type: say, text: {zh-CN: "你好"}}
`)
	c := dialplantest.NewCaller()
	if _, err := runFlow(t, f, c); err != nil {
		t.Fatal(err)
	}
	wantLines(t, "events", c.Events(), []string{`say zh-CN "你好"`, "hangup normal"})
}

func TestSayInvalid(t *testing.T) {
	got := parseErrors(t, `      - {id: a, type: say, txt: "Hello", next: b}
      - {id: b, type: say, text: {en-US: "Hi", fr-FR: "Salut"}}
      - {id: c, type: say, text: [Hello]}
      - {id: d, type: say, text: "", next: nowhere}
`)
	wantLines(t, "errors", got, []string{
		`test.yaml:12:9: node "a": missing required key "text"`,
		`test.yaml:12:28: node "a": unknown key "txt" (did you mean "text"?)`,
		`test.yaml:13:48: node "b": text: unknown language "fr-FR" (one of: en-US, zh-CN)`,
		`test.yaml:14:34: node "c": text must be a string or a mapping of language to string, not a list (write a string, or one string per language: {en-US: ..., zh-CN: ...})`,
		`test.yaml:15:34: node "d": text must not be empty`,
		`test.yaml:15:44: node "d": next → "nowhere": no such node`,
	})
}

func TestSayCallerHangsUp(t *testing.T) {
	f := mustFlow(t, `      - {id: a, type: say, text: "Hello.", next: b}
      - {id: b, type: say, text: "Still there?"}
`)
	c := dialplantest.NewCaller(dialplantest.HangUp())
	path, err := runFlow(t, f, c)
	if err != nil {
		t.Fatalf("a caller hanging up is a normal end, got %v", err)
	}
	wantLines(t, "path", path, []string{"a(say) --> "})
	wantLines(t, "events", c.Events(), []string{"caller hangs up"})
}

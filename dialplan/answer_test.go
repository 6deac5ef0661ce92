package dialplan_test

import (
	"testing"

	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

func TestAnswer(t *testing.T) {
	f := mustFlow(t, `      - {id: a, type: answer, next: b}
      - {id: b, type: hangup}
`)
	c := NewCaller()
	path, err := runFlow(t, f, c)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "path", path, []string{"a(answer) -next-> b", "b(hangup) -hangup-> "})
	wantLines(t, "events", c.Events(), []string{"answer", "hangup normal"})
}

func TestAnswerInvalid(t *testing.T) {
	wantLines(t, "errors", parseErrors(t, "      - {id: a, type: answer, next: b, text: hi}\n"), []string{
		`test.yaml:12:37: node "a": next → "b": no such node (did you mean "a"?)`,
		`test.yaml:12:40: node "a": unknown key "text" (did you mean "next"?)`,
	})
}

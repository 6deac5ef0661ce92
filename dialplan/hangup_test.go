package dialplan_test

import (
	"testing"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/dialplan/dialplantest"
)

func TestHangupValid(t *testing.T) {
	f := mustFlow(t, `      - {id: a, type: hangup, cause: busy}
      - {id: b, type: hangup}
`)
	if cause := f.Node("b").(*dialplan.HangupNode).Cause; cause != dialplan.CauseNormal {
		t.Errorf("default cause = %q", cause)
	}
	c := dialplantest.NewCaller()
	path, err := runFlow(t, f, c)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "path", path, []string{"a(hangup) -hangup-> "})
	wantLines(t, "events", c.Events(), []string{"hangup busy"})
	if cause, ok := c.HangupCause(); !ok || cause != "busy" {
		t.Errorf("HangupCause = %q, %v", cause, ok)
	}
}

func TestHangupInvalid(t *testing.T) {
	got := parseErrors(t, `      - {id: a, type: hangup, cause: bussy}
      - {id: b, type: hangup, cause: rude, next: a}
`)
	wantLines(t, "errors", got, []string{
		`test.yaml:12:38: node "a": cause: unknown value "bussy" (did you mean "busy"?)`,
		`test.yaml:13:38: node "b": cause: unknown value "rude" (one of: normal, busy, rejected, unavailable)`,
		`test.yaml:13:44: node "b": unknown key "next" (valid keys: id, type, cause)`,
	})
}

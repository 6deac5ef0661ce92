package engines

import (
	"context"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/dialog"
)

type seenDialog struct{ got dialog.Request }

func (s *seenDialog) Respond(_ context.Context, req dialog.Request) (dialog.Stream, error) {
	s.got = req
	return nil, nil
}

func TestRedactingDialogCleansCallerWordsOnly(t *testing.T) {
	next := &seenDialog{}
	eng := redactingDialog{next: next, redact: func(s string) string { return strings.ReplaceAll(s, "13800138000", "[PHONE]") }}
	hist := []dialog.Message{{Role: dialog.RoleCaller, Text: "call me on 13800138000"}, {Role: dialog.RoleBot, Text: "13800138000?"}}
	if _, err := eng.Respond(context.Background(), dialog.Request{History: hist}); err != nil {
		t.Fatal(err)
	}
	if got := next.got.History[0].Text; got != "call me on [PHONE]" {
		t.Errorf("caller message reached the model as %q", got)
	}
	if got := next.got.History[1].Text; got != "13800138000?" {
		t.Errorf("bot message changed to %q", got)
	}
	if hist[0].Text != "call me on 13800138000" {
		t.Error("the caller's history was changed in place")
	}
}

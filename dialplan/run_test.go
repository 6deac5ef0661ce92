package dialplan_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

func TestRunTrace(t *testing.T) {
	f := mustFlow(t, `      - {id: a, type: say, text: "Hi.", next: b}
      - {id: b, type: menu, prompt: "Choose.", options: {"1": c}}
      - {id: c, type: hangup, cause: rejected}
`)
	start := time.Now()
	var steps []dialplan.Step
	err := dialplan.Run(context.Background(), f, NewCaller(Press("1")), func(s dialplan.Step) { steps = append(steps, s) })
	if err != nil {
		t.Fatal(err)
	}
	want := []dialplan.Step{
		{Flow: "main", Node: "a", Type: "say", Edge: "next", Target: "b"},
		{Flow: "main", Node: "b", Type: "menu", Edge: "1", Target: "c"},
		{Flow: "main", Node: "c", Type: "hangup", Edge: "hangup"},
	}
	if len(steps) != len(want) {
		t.Fatalf("steps = %+v", steps)
	}
	for i, s := range steps {
		if s.At.Before(start) || (i > 0 && s.At.Before(steps[i-1].At)) {
			t.Errorf("step %d At = %v", i, s.At)
		}
		s.At = time.Time{}
		if s != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, s, want[i])
		}
	}
}

func TestRunStepBudget(t *testing.T) {
	f := mustFlow(t, `      - {id: a, type: say, text: "Ping.", next: b}
      - {id: b, type: say, text: "Pong.", next: a}
`)
	n := 0
	err := dialplan.Run(context.Background(), f, NewCaller(), func(dialplan.Step) { n++ })
	if !errors.Is(err, dialplan.ErrStepBudget) {
		t.Fatalf("err = %v, want ErrStepBudget", err)
	}
	if n != dialplan.MaxSteps {
		t.Errorf("ran %d steps, want %d", n, dialplan.MaxSteps)
	}
}

func TestRunContextDone(t *testing.T) {
	f := mustFlow(t, `      - {id: a, type: say, text: "Ping.", next: a}
`)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := dialplan.Run(ctx, f, NewCaller(), func(dialplan.Step) {
		if n++; n == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || n != 3 {
		t.Errorf("err = %v after %d steps, want context.Canceled after 3", err, n)
	}
}

func TestRunNodeError(t *testing.T) {
	f := mustFlow(t, `      - {id: a, type: say, text: "Hi.", next: b}
      - {id: b, type: menu, prompt: "Choose.", options: {"1": a}}
`)
	c := NewCaller(Answered("alice")) // the flow wants a key, not a queue outcome
	path, err := runFlow(t, f, c)
	if err == nil || !strings.Contains(err.Error(), `dialplan: flow "main" node "b": dialplantest:`) {
		t.Errorf("err = %v", err)
	}
	wantLines(t, "path", path, []string{"a(say) -next-> b", "b(menu) --> "})
	if _, hungUp := c.HangupCause(); hungUp {
		t.Error("Run must leave a failed call to its caller to end")
	}
}

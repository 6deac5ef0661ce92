package dialplan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that a rejected dialplan yields positioned errors, and that an
// accepted one is structurally sound and runs to an end.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"../configs/dialplan.yaml", "testdata/broken.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`version: 1
queues: {q: {members: [alice]}}
routes: [{name: r, flow: m}]
flows:
  m:
    start: a
    nodes:
      - {id: a, type: menu, prompt: {en-US: Hi, zh-CN: 你好}, options: {"1": b, "#": c}, nomatch: a}
      - {id: b, type: queue, queue: q, noagent: c, timeout: a}
      - {id: c, type: play, file: prompts/beep.wav, next: d}
      - &x {id: d, type: hangup}
`))
	f.Add([]byte("version: 1\nflows:\n  main:\n    start: a\n   nodes: x\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("version: 1\nroutes: [{name: r, flow: m}]\nflows: {m: {start: a, nodes: [{id: a, type: say, text: hi, next: a}]}}\n"))

	known := map[string]bool{"alice": true, "bob": true}
	f.Fuzz(func(t *testing.T, data []byte) {
		plan, warnings, err := Parse("fuzz.yaml", data, Options{KnownAgents: known, BaseDir: "testdata"})
		for _, w := range warnings {
			checkProblem(t, w, data)
		}
		if err != nil {
			if plan != nil {
				t.Fatal("a plan returned with errors")
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %v", err)
			}
			for _, e := range list {
				checkProblem(t, e, data)
			}
			return
		}
		if msg := checkPlan(plan); msg != "" {
			t.Fatalf("accepted plan is unsound: %s", msg)
		}
		for _, fl := range plan.Flows {
			err := Run(context.Background(), fl, silentCall{}, nil)
			if err != nil && !errors.Is(err, ErrStepBudget) {
				t.Fatalf("flow %q: %v", fl.Name, err)
			}
		}
	})
}

func checkProblem(t *testing.T, e *Error, data []byte) {
	t.Helper()
	// YAML breaks lines at \n, \r\n, \r, NEL, LS and PS.
	breaks := strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u0085", "\n", "\u2028", "\n", "\u2029", "\n")
	lines := strings.Count(breaks.Replace(string(data)), "\n") + 1
	if isUTF16(data) {
		lines = len(data) // line breaks are two bytes wide; only check that the line is plausible
	}
	if e.File != "fuzz.yaml" || e.Msg == "" || e.Line < 0 || e.Line > lines+1 {
		t.Fatalf("bad problem report: %+v", e)
	}
}

// checkPlan returns what is wrong with an accepted plan, or "".
func checkPlan(p *Plan) string {
	if len(p.Routes) == 0 || len(p.Flows) == 0 {
		return "no routes or no flows"
	}
	for _, r := range p.Routes {
		if p.Flows[r.Flow] == nil {
			return fmt.Sprintf("route %q: flow %q missing", r.Name, r.Flow)
		}
	}
	for name, fl := range p.Flows {
		if fl.Name != name || fl.Node(fl.Start) == nil || len(fl.Nodes) != len(fl.byID) {
			return fmt.Sprintf("flow %q: bad name, start or index", name)
		}
		for _, n := range fl.Nodes {
			if n.ID() == "" || fl.Node(n.ID()) != n {
				return fmt.Sprintf("flow %q: node %q not indexed", name, n.ID())
			}
			for _, e := range n.Edges() {
				if fl.Node(e.Target) == nil || fl.Target(n.ID(), e.Name) != e.Target {
					return fmt.Sprintf("flow %q node %q: edge %s → %q does not resolve", name, n.ID(), e.Name, e.Target)
				}
			}
			switch n := n.(type) {
			case *QueueNode:
				if n.Queue == nil || p.Queues[n.Queue.Name] != n.Queue {
					return fmt.Sprintf("node %q: queue not resolved", n.ID())
				}
			case *MenuNode:
				if n.Prompt.IsZero() || len(n.Options) == 0 || n.Timeout <= 0 {
					return fmt.Sprintf("node %q: incomplete menu", n.ID())
				}
			case *SayNode:
				if n.Text.IsZero() {
					return fmt.Sprintf("node %q: say without text", n.ID())
				}
			}
		}
	}
	for name, q := range p.Queues {
		if q.Name != name || len(q.Members) == 0 || q.RingTimeout <= 0 || q.MaxWait <= 0 {
			return fmt.Sprintf("queue %q incomplete", name)
		}
	}
	return ""
}

// silentCall is a caller who never presses a key and finds no agent.
type silentCall struct{}

func (silentCall) Context() context.Context                 { return context.Background() }
func (silentCall) Logger() *slog.Logger                     { return slog.New(slog.DiscardHandler) }
func (silentCall) Language() string                         { return LangEnUS }
func (silentCall) Vars() map[string]string                  { return nil }
func (silentCall) Play(context.Context, Prompt, bool) error { return nil }
func (silentCall) FlushDigits()                             {}
func (silentCall) Hangup(string) error                      { return nil }
func (silentCall) ReadDigit(context.Context, time.Duration) (rune, bool, error) {
	return 0, false, nil
}
func (silentCall) Queue(context.Context, QueueRequest) (QueueResult, error) {
	return QueueResult{Outcome: QueueNoAgent}, nil
}

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
	f.Add([]byte("version: 1\nsettings: {record: on_demand, record_announcement: {file: prompts/beep.wav}}\nqueues: {q: {members: [alice], record: never}}\nroutes: [{name: r, flow: m, record: always}]\nflows: {m: {start: a, nodes: [{id: a, type: queue, queue: q}]}}\n"))
	f.Add([]byte(`version: 1
settings:
  timezone: Asia/Shanghai
  calendars: {office: {hours: {mon-fri: "08:00-20:00", sat: "closed"}, holidays: ["2026-12-25"]}}
queues:
  q: {members: [alice], strategy: round_robin, max_length: 3, wrap_up: 5s, announce_every: 30s}
  s: {strategy: skills, skills: {billing: 2}}
trunks: {pstn: {host: h, allow: ["^1[0-9]{10}$"]}}
bots:
  b: {greeting: hi, knowledge_base: prompts, dtmf: {"0": agent}, escalate_queue: q, escalate_on: [request],
      tools: [{name: t, description: d, url: "http://x/${caller}", parameters: {type: object}}]}
routes:
  - {name: c, to: "1", calendar: office, when: closed, header: {name: X-A, pattern: "^a"}, flow: m}
  - {name: d, default: true, flow: m}
flows:
  m:
    start: a
    nodes:
      - {id: a, type: answer, next: h}
      - {id: h, type: http, url: "http://crm/${caller}", map: {n: a.b.0}, success: s, failure: g}
      - {id: s, type: set, vars: {x: "${n}"}, next: br}
      - {id: br, type: branch, cases: [{if: 'x == "1" || !open(office) && time < "12:00"', then: g}], else: bo}
      - {id: g, type: gather, var: d, prompt: "Enter ${x}", next: bo, timeout: t, invalid: t}
      - {id: bo, type: bot, profile: b, done: t, escalate: qq, error: vm}
      - {id: qq, type: queue, queue: q, priority: 3, full: t, noagent: vm}
      - {id: vm, type: voicemail, next: t}
      - {id: t, type: transfer, number: "13800000000", failed: r, error: go}
      - {id: r, type: record, max_duration: 5s, next: go}
      - {id: go, type: goto, flow: n}
  n:
    start: z
    nodes:
      - {id: z, type: menu, prompt: x, options: {"1": y}, keywords: {one: "1"}}
      - {id: y, type: transfer, queue: s}
`))
	f.Add([]byte("version: 1\nroutes: [{name: r, flow: m}]\nflows: {m: {start: a, nodes: [{id: a, type: branch, cases: [{if: '((((x', then: a}]}]}}\n"))
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
			case *GotoNode:
				if n.Flow == nil || p.Flows[n.FlowName] != n.Flow {
					return fmt.Sprintf("node %q: goto not resolved", n.ID())
				}
			case *BotNode:
				if n.Profile == nil || p.Bots[n.Profile.Name] != n.Profile {
					return fmt.Sprintf("node %q: bot profile not resolved", n.ID())
				}
			case *TransferNode:
				if (n.Number != "") != (n.Trunk != nil) {
					return fmt.Sprintf("node %q: number without trunk", n.ID())
				}
			case *BranchNode:
				for _, c := range n.Cases {
					if c.If == "" {
						return fmt.Sprintf("node %q: empty condition", n.ID())
					}
				}
			}
		}
	}
	for name, q := range p.Queues {
		if q.Name != name || (len(q.Members) == 0 && q.Strategy != StrategySkills) || q.RingTimeout <= 0 || q.MaxWait <= 0 {
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
func (silentCall) Vars() map[string]string                  { return map[string]string{} }
func (silentCall) Play(context.Context, Prompt, bool) error { return nil }
func (silentCall) FlushDigits()                             {}
func (silentCall) Hangup(string) error                      { return nil }
func (silentCall) ReadDigit(context.Context, time.Duration) (rune, bool, error) {
	return 0, false, nil
}
func (silentCall) Queue(context.Context, QueueRequest) (QueueResult, error) {
	return QueueResult{Outcome: QueueNoAgent}, nil
}

func (silentCall) Now() time.Time             { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) }
func (silentCall) Headers() map[string]string { return nil }
func (silentCall) Answer() error              { return nil }
func (silentCall) HTTP(context.Context, HTTPRequest) (HTTPResponse, error) {
	return HTTPResponse{}, errors.New("offline")
}
func (silentCall) Record(context.Context, RecordRequest) (RecordResult, error) {
	return RecordResult{EndedBy: "silence"}, nil
}
func (silentCall) Transfer(context.Context, TransferRequest) (TransferResult, error) {
	return TransferResult{Outcome: QueueNoAgent}, nil
}
func (silentCall) Bot(context.Context, BotRequest) (BotResult, error) {
	return BotResult{Outcome: BotError, Reason: "no bot"}, nil
}

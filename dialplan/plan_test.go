package dialplan_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

const demoFile = "../configs/dialplan.yaml"

func loadDemo(t *testing.T) *dialplan.Plan {
	t.Helper()
	p, warnings, err := dialplan.Load(demoFile, dialplan.Options{KnownAgents: agents})
	if err != nil {
		t.Fatalf("demo dialplan has errors:\n%v", err)
	}
	for _, w := range warnings {
		t.Errorf("demo dialplan warning: %v", w)
	}
	return p
}

// TestDemoGolden checks that the demo dialplan parses cleanly, into the plan testdata/demo.golden
// describes.
func TestDemoGolden(t *testing.T) {
	p := loadDemo(t)
	got := describe(p)
	const golden = "testdata/demo.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("demo plan differs from %s (run go test -update if the change is intended):\n%s", golden, got)
	}
}

// describe renders a plan as text, one line per route, queue and node.
func describe(p *dialplan.Plan) string {
	var b strings.Builder
	st := p.Settings
	fmt.Fprintf(&b, "settings language=%s voice=%q timezone=%s digit_timeout=%s inter_digit_timeout=%s http_timeout=%s record_max=%s\n",
		st.Language, st.Voice, st.Location, st.DigitTimeout, st.InterDigitTimeout, st.HTTPTimeout, st.RecordMax)
	fmt.Fprintf(&b, "record %s announcement file=%q\n", st.Record, st.RecordAnnouncement.File)
	describeText(&b, "announcement", st.RecordAnnouncement.Text)
	for _, name := range sortedKeys(st.Calendars) {
		c := st.Calendars[name]
		fmt.Fprintf(&b, "calendar %s timezone=%s", c.Name, c.Location)
		for d, ranges := range c.Hours {
			for _, r := range ranges {
				fmt.Fprintf(&b, " %s=%02d:%02d-%02d:%02d", time.Weekday(d).String()[:3], r.From/60, r.From%60, r.To/60, r.To%60)
			}
		}
		fmt.Fprintf(&b, " holidays=%s\n", strings.Join(sortedKeys(c.Holidays), ","))
	}
	for _, name := range sortedKeys(p.Queues) {
		q := p.Queues[name]
		fmt.Fprintf(&b, "queue %s members=%s strategy=%s skills=%v ring_timeout=%s max_wait=%s max_length=%d wrap_up=%s announce_every=%s hold_music=%q\n",
			q.Name, strings.Join(q.Members, ","), q.Strategy, q.Skills, q.RingTimeout, q.MaxWait, q.MaxLength, q.WrapUp, q.AnnounceEvery, q.HoldMusic)
		if q.Record != "" {
			fmt.Fprintf(&b, "    record %s\n", q.Record)
		}
	}
	for _, name := range sortedKeys(p.Trunks) {
		t := p.Trunks[name]
		fmt.Fprintf(&b, "trunk %s host=%s allow=%q\n", t.Name, t.Host, t.Allow)
	}
	for _, name := range sortedKeys(p.Bots) {
		bp := p.Bots[name]
		eq := ""
		if bp.EscalateQueue != nil {
			eq = bp.EscalateQueue.Name
		}
		fmt.Fprintf(&b, "bot %s language=%q kb=%s barge_in=%v min_barge_in=%s dtmf_barge_in=%v end_of_turn=%s min_speech=%s max_turns=%d max_duration=%s max_failed=%d dtmf=%v escalate_queue=%s escalate_on=%v\n",
			bp.Name, bp.Language, filepath.Base(bp.KnowledgeBase), bp.BargeIn, bp.MinBargeIn, bp.DTMFBargeIn, bp.EndOfTurnSilence,
			bp.MinSpeech, bp.MaxTurns, bp.MaxDuration, bp.MaxFailedTurns, bp.DTMF, eq, bp.EscalateOn)
		describeText(&b, "greeting", bp.Greeting)
		for _, tool := range bp.Tools {
			fmt.Fprintf(&b, "    tool %s %s %s timeout=%s params=%v\n", tool.Name, tool.Method, tool.URL, tool.Timeout, tool.Parameters)
		}
	}
	for _, r := range p.Routes {
		fmt.Fprintf(&b, "route %s", r.Name)
		for _, kv := range [][2]string{{"to", r.To}, {"to_prefix", r.ToPrefix}, {"to_pattern", r.ToPattern},
			{"from", r.From}, {"from_prefix", r.FromPrefix}, {"from_pattern", r.FromPattern}} {
			if kv[1] != "" {
				fmt.Fprintf(&b, " %s=%q", kv[0], kv[1])
			}
		}
		if r.Calendar != nil {
			fmt.Fprintf(&b, " calendar=%s/%s", r.Calendar.Name, r.When)
		}
		if r.Header != "" {
			fmt.Fprintf(&b, " header=%s:%q%q", r.Header, r.HeaderValue, r.HeaderPattern)
		}
		if r.Default {
			b.WriteString(" default")
		}
		fmt.Fprintf(&b, " → %s (%s) record=%s\n", r.Flow, r.Language, r.Record)
	}
	for _, name := range sortedKeys(p.Flows) {
		f := p.Flows[name]
		fmt.Fprintf(&b, "flow %s start=%s\n", f.Name, f.Start)
		for _, n := range f.Nodes {
			fmt.Fprintf(&b, "  %s %s", n.ID(), n.Type())
			for _, e := range n.Edges() {
				fmt.Fprintf(&b, " %s→%s", e.Name, e.Target)
			}
			b.WriteString("\n")
			switch n := n.(type) {
			case *dialplan.SayNode:
				describeText(&b, "text", n.Text)
			case *dialplan.PlayNode:
				fmt.Fprintf(&b, "    file %s\n", n.File)
			case *dialplan.MenuNode:
				fmt.Fprintf(&b, "    timeout %s retries %d\n", n.Timeout, n.Retries)
				describeText(&b, "prompt", n.Prompt)
				describeText(&b, "invalid_prompt", n.InvalidPrompt)
				describeText(&b, "timeout_prompt", n.TimeoutPrompt)
				for _, k := range sortedKeys(n.Keywords) {
					fmt.Fprintf(&b, "    keyword %q → %s\n", k, n.Keywords[k])
				}
			case *dialplan.QueueNode:
				fmt.Fprintf(&b, "    queue %s max_wait %s priority %d announce %v\n", n.Queue.Name, n.MaxWait, n.Priority, n.Announce)
			case *dialplan.HTTPNode:
				fmt.Fprintf(&b, "    %s %s timeout %s body %q\n", n.Method, n.URL, n.Timeout, n.Body)
				for _, m := range n.Map {
					fmt.Fprintf(&b, "    map %s ← %s\n", m.Name, m.Value)
				}
			case *dialplan.BranchNode:
				for _, c := range n.Cases {
					fmt.Fprintf(&b, "    if %s → %s\n", c.If, c.Then.Target)
				}
			case *dialplan.GotoNode:
				fmt.Fprintf(&b, "    flow %s\n", n.FlowName)
			case *dialplan.BotNode:
				fmt.Fprintf(&b, "    profile %s\n", n.Profile.Name)
			case *dialplan.RecordNode:
				fmt.Fprintf(&b, "    dir %s max %s beep %v finish %q silence %s var %s\n", filepath.Base(n.Dir), n.MaxDuration, n.Beep, n.FinishOnKey, n.Silence, n.Var)
				describeText(&b, "prompt", n.Prompt)
			case *dialplan.SetNode:
				for _, a := range n.Vars {
					fmt.Fprintf(&b, "    set %s = %q\n", a.Name, a.Value)
				}
			case *dialplan.GatherNode:
				fmt.Fprintf(&b, "    var %s length %d-%d terminator %q timeout %s inter %s\n", n.Var, n.MinLength, n.MaxLength, n.Terminator, n.Timeout, n.InterDigitTimeout)
				describeText(&b, "prompt", n.Prompt)
			case *dialplan.TransferNode:
				fmt.Fprintf(&b, "    agent %q number %q max_wait %s\n", n.Agent, n.Number, n.MaxWait)
			case *dialplan.HangupNode:
				fmt.Fprintf(&b, "    cause %s\n", n.Cause)
			}
		}
	}
	return b.String()
}

func describeText(b *strings.Builder, what string, t dialplan.Text) {
	if t.All != "" {
		fmt.Fprintf(b, "    %s %q\n", what, t.All)
	}
	for _, lang := range sortedKeys(t.ByLang) {
		fmt.Fprintf(b, "    %s %s %q\n", what, lang, t.ByLang[lang])
	}
}

func sortedKeys[V any, M ~map[string]V](m M) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestDemoPlanFields(t *testing.T) {
	p := loadDemo(t)
	src, err := os.ReadFile(demoFile)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(src)
	if p.Hash != hex.EncodeToString(sum[:]) || string(p.Source) != string(src) || p.File != demoFile || p.Version != 0 {
		t.Errorf("Hash %s, File %s, Version %d, Source %d bytes", p.Hash, p.File, p.Version, len(p.Source))
	}
	q := p.Queues["support"]
	if q.Strategy != dialplan.StrategyLongestIdle || q.RingTimeout != 15*time.Second || q.MaxWait != 2*time.Minute || q.HoldMusic != "" {
		t.Errorf("queue support = %+v", q)
	}
}

func TestDemoRoutes(t *testing.T) {
	p := loadDemo(t)
	tests := []struct{ to, route, flow, lang string }{
		{"4008009999", "hotline-zh", "main-zh", "zh-CN"},
		{"4008001234", "hotline", "main", "en-US"},
		{"4008005555", "hotline-prefix", "main", "en-US"},
		{"1234", "demo-ext", "main", "en-US"},
		{"12345", "", "", ""},
		{"999", "", "", ""},
	}
	for _, tt := range tests {
		r, f, ok := p.Route(tt.to, "13800138000")
		if tt.route == "" {
			if ok {
				t.Errorf("Route(%s) = %s, want no route", tt.to, r.Name)
			}
			continue
		}
		if !ok || r.Name != tt.route || f.Name != tt.flow || r.Language != tt.lang {
			t.Errorf("Route(%s) = %v %v %v, want %s %s %s", tt.to, r, f, ok, tt.route, tt.flow, tt.lang)
		}
	}
}

// TestDemoBilingual runs the Mandarin hotline end to end: greeting, an invalid key, hours, an agent.
func TestDemoBilingual(t *testing.T) {
	p := loadDemo(t)
	r, f, _ := p.Route("4008009999", "")
	c := NewCaller(Press("5"), Press("1"), BargeIn("0"), Answered("alice"))
	c.Lang = r.Language
	path, err := runFlow(t, f, c)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "path", path, []string{
		"greet(say) -next-> menu",
		"menu(menu) -1-> hours",
		"hours(say) -next-> menu",
		"menu(menu) -0-> agent",
		"agent(queue) -next-> goodbye",
		"goodbye(hangup) -hangup-> ",
	})
	wantLines(t, "events", c.Events(), []string{
		`say zh-CN "欢迎致电热线演示。"`,
		`say zh-CN "查询营业时间请按1，人工服务请按0。"`,
		"key 5",
		`say zh-CN "对不起，您的选择无效。"`,
		`say zh-CN "查询营业时间请按1，人工服务请按0。"`,
		"key 1",
		`say zh-CN "我们每天早上8点到晚上8点营业。"`,
		`say zh-CN "查询营业时间请按1，人工服务请按0。" (barge-in 0)`,
		"key 0",
		"queue support max_wait=2m0s → answered alice",
		"hangup normal",
	})
}

// TestBrokenDialplan checks that every error is reported, in file order, with its position and hint.
func TestBrokenDialplan(t *testing.T) {
	p, _, err := dialplan.Load("testdata/broken.yaml", dialplan.Options{KnownAgents: agents})
	if p != nil {
		t.Error("a plan with errors must not be returned")
	}
	wantLines(t, "errors", errorStrings(t, err), []string{
		`testdata/broken.yaml:4:13: settings: language: unknown value "en-us" (did you mean "en-US"?)`,
		`testdata/broken.yaml:5:18: settings: digit_timeout: duration "5" has no unit (write 5s)`,
		`testdata/broken.yaml:8:22: queue "support": members: unknown agent "bobb" (did you mean "bob"?)`,
		`testdata/broken.yaml:8:28: queue "support": members: agent "alice" listed twice (first listed at line 8)`,
		`testdata/broken.yaml:9:15: queue "support": strategy: unknown value "longest-idle" (did you mean "longest_idle"?)`,
		`testdata/broken.yaml:10:5: queue "support": unknown key "ring_timout" (did you mean "ring_timeout"?)`,
		`testdata/broken.yaml:14:16: route "hotline": to and to_prefix cannot both be set; a route matches one way`,
		`testdata/broken.yaml:15:11: route "hotline": flow "mian": no such flow (did you mean "main"?)`,
		`testdata/broken.yaml:16:11: route "hotline": duplicate route name (first defined at line 12)`,
		"testdata/broken.yaml:17:17: route \"hotline\": to_pattern: invalid regular expression: missing closing ]: `[0-9{3}$`",
		`testdata/broken.yaml:21:12: flow "main": start "gret": no such node (did you mean "greet"?)`,
		`testdata/broken.yaml:24:15: node "greet": unknown node type "sya" (did you mean "say"?)`,
		`testdata/broken.yaml:30:36: node "menu": option "3" → "salse": no such node (did you mean "sales"?)`,
		`testdata/broken.yaml:30:43: node "menu": option "12" is not a phone key (a key is one of 0-9, "*" or "#"; quote "*" and "#")`,
		`testdata/broken.yaml:31:18: node "menu": timeout: duration "5" has no unit (write 5s)`,
		`testdata/broken.yaml:32:18: node "menu": retries must be a whole number, not "two"`,
		`testdata/broken.yaml:35:16: node "sales": queue "suport": no such queue (did you mean "support"?)`,
		`testdata/broken.yaml:37:13: node "sales": duplicate node id (first defined at line 33)`,
		`testdata/broken.yaml:39:16: node "sales": cause: unknown value "rude" (one of: normal, busy, rejected, unavailable)`,
		`testdata/broken.yaml:42:15: node "goodbye": file: file "nope.wav" not found (paths are relative to testdata)`,
		`testdata/broken.yaml:43:5: flow "main": unknown key "ending" (valid keys: start, nodes)`,
		`testdata/broken.yaml:44:1: unknown key "flow" (did you mean "flows"?)`,
	})
	var e *dialplan.Error
	if !errors.As(err, &e) || e.Line != 4 || e.Column != 13 || e.Hint != `did you mean "en-US"?` {
		t.Errorf("errors.As: first error = %+v", e)
	}
}

func TestSyntaxError(t *testing.T) {
	tests := []struct{ name, src, want string }{{
		name: "mis-indented key",
		src:  "version: 1\nflows:\n  main:\n    start: a\n   nodes: x\n",
		want: "d.yaml:5: invalid YAML: did not find expected key",
	}, {
		name: "missing colon",
		src:  "version: 1\nroutes:\n  - name: x\n    flow\n",
		want: "d.yaml:4: invalid YAML: could not find expected ':'",
	}, {
		name: "tab",
		src:  "version: 1\nflows:\n  main:\n\tstart: a\n",
		want: "d.yaml:4: invalid YAML: found character that cannot start any token (indent with spaces, not tabs)",
	}, {
		name: "unclosed quote",
		src:  "version: 1\nflows:\n  main:\n    start: \"a\n    nodes: []\n",
		want: "d.yaml:4: invalid YAML: found unexpected end of stream",
	}, {
		name: "list item out of line, after a multi-line value",
		src:  "version: 1\nroutes:\n  - {name: x,\n     flow: main}\n  - name: y\n   - name: z\n",
		want: "d.yaml:6: invalid YAML: did not find expected '-' indicator",
	}, {
		name: "unknown alias",
		src:  "version: 1\nsettings: *defaults\n",
		want: "d.yaml:2: invalid YAML: unknown anchor 'defaults' referenced",
	}, {
		name: "empty",
		src:  "# nothing yet\n",
		want: "d.yaml: the dialplan is empty (start with: version: 1)",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := dialplan.Parse("d.yaml", []byte(tt.src), dialplan.Options{})
			wantLines(t, "errors", errorStrings(t, err), []string{tt.want})
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, _, err := dialplan.Load("testdata/no-such-file.yaml", dialplan.Options{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}

// TestStrictness checks unknown and missing keys and wrong kinds at every level of the file.
func TestStrictness(t *testing.T) {
	src := `version: 2
colour: blue
settings:
  langauge: zh-CN
  digit_timeout: -5s
queues:
  support:
    members: []
    max_wait: [1]
  empty: ~
routes:
  - name: r
    flow: main
    language: zh-TW
    from: "100"
    from_pattern: "("
  - {flow: main, to_prefix: "4"}
  - just-a-string
flows:
  main:
    start: a
    nodes:
      - {id: a, type: say, text: hi}
      - {type: say, text: hi}
      - {id: b, text: hi}
      - {id: c, type: dance}
      - not-a-node
      - {id: d, type: say, text: hi, next: {a: b}}
      - {id: "", type: say, text: hi}
  other:
    nodes: []
  third: [a]
`
	_, _, err := dialplan.Parse("s.yaml", []byte(src), dialplan.Options{})
	wantLines(t, "errors", errorStrings(t, err), []string{
		`s.yaml:1:10: unsupported version 2 (this hotline reads version 1)`,
		`s.yaml:2:1: unknown key "colour" (valid keys: version, settings, queues, trunks, bots, flows, routes)`,
		`s.yaml:4:3: settings: unknown key "langauge" (did you mean "language"?)`,
		`s.yaml:5:18: settings: digit_timeout: duration must be positive, not -5s`,
		`s.yaml:8:14: queue "support": members must not be empty (list the agent ids that answer this queue)`,
		`s.yaml:9:15: queue "support": max_wait must be a duration, not a list`,
		`s.yaml:10:10: queue "empty": a queue must be a mapping, not nothing`,
		`s.yaml:14:15: route "r": language: unknown value "zh-TW" (did you mean "zh-CN"?)`,
		`s.yaml:16:19: route "r": from_pattern: invalid regular expression: missing closing ): ` + "`(`",
		`s.yaml:16:19: route "r": from and from_pattern cannot both be set; a route matches one way`,
		`s.yaml:17:5: route 2: missing required key "name"`,
		`s.yaml:18:5: route 3: a route must be a mapping, not "just-a-string"`,
		`s.yaml:24:9: flow "main": missing required key "id"`,
		`s.yaml:25:9: node "b": missing required key "type"`,
		`s.yaml:26:23: node "c": unknown node type "dance" (known types: answer, bot, branch, gather, goto, hangup, http, menu, play, queue, record, say, set, transfer, voicemail)`,
		`s.yaml:27:9: flow "main": a node must be a mapping, not "not-a-node"`,
		`s.yaml:28:44: node "d": next must be a string, not a mapping`,
		`s.yaml:29:14: flow "main": id must not be empty`,
		`s.yaml:31:5: flow "other": missing required key "start"`,
		`s.yaml:31:12: flow "other": nodes must not be empty`,
		`s.yaml:32:10: flow "third": a flow must be a mapping, not a list`,
	})
}

func TestWarnings(t *testing.T) {
	src := `version: 1
queues:
  idle: {members: [alice]}
routes:
  - {name: all, flow: main}
  - {name: shadowed, to: "1", flow: main}
flows:
  main:
    start: a
    nodes:
      - {id: a, type: say, text: hi, next: b}
      - {id: b, type: hangup}
      - {id: lost, type: say, text: hi, next: a}
  spare:
    start: x
    nodes:
      - {id: x, type: hangup}
`
	p, warnings, err := dialplan.Parse("w.yaml", []byte(src), dialplan.Options{})
	if err != nil || p == nil {
		t.Fatalf("warnings must not fail the parse: %v", err)
	}
	var got []string
	for _, w := range warnings {
		got = append(got, w.Error())
	}
	wantLines(t, "warnings", got, []string{
		`w.yaml:3:3: queue "idle" is not used by any queue, transfer or bot`,
		`w.yaml:6:5: route "shadowed" never matches: route "all" (line 5) before it takes all its calls`,
		`w.yaml:13:14: node "lost": unreachable: no path from start "a" leads here`,
		`w.yaml:14:3: flow "spare" is not used by any route or goto`,
	})
}

func TestNamesAreNotFormatStrings(t *testing.T) {
	src := "version: 1\nroutes: [{name: \"100%s\", flow: nope}]\nflows: {m: {start: a, nodes: [{id: a, type: hangup}]}}\n"
	_, _, err := dialplan.Parse("p.yaml", []byte(src), dialplan.Options{})
	wantLines(t, "errors", errorStrings(t, err), []string{`p.yaml:2:32: route "100%s": flow "nope": no such flow`})
}

func TestRouteMatching(t *testing.T) {
	src := `version: 1
routes:
  - {name: vip, from_prefix: "+861", to: "100", flow: main}
  - {name: pattern, from_pattern: "^9+$", flow: main}
  - {name: exact-caller, from: "42", flow: main}
  - {name: rest, flow: main}
flows:
  main:
    start: a
    nodes:
      - {id: a, type: hangup}
`
	p, _, err := dialplan.Parse("r.yaml", []byte(src), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ to, from, want string }{
		{"100", "+8613800138000", "vip"},
		{"101", "+8613800138000", "rest"},
		{"100", "999", "pattern"},
		{"100", "42", "exact-caller"},
		{"100", "421", "rest"},
	}
	for _, tt := range tests {
		r, _, ok := p.Route(tt.to, tt.from)
		if !ok || r.Name != tt.want {
			t.Errorf("Route(%s, %s) = %v, want %s", tt.to, tt.from, r, tt.want)
		}
	}
}

func TestAgentsNotCheckedWithoutKnownAgents(t *testing.T) {
	src := header + "      - {id: a, type: queue, queue: support}\n"
	src = strings.Replace(src, "[alice, bob]", "[carol]", 1)
	if _, _, err := dialplan.Parse("a.yaml", []byte(src), dialplan.Options{}); err != nil {
		t.Errorf("nil KnownAgents: %v", err)
	}
	_, _, err := dialplan.Parse("a.yaml", []byte(src), dialplan.Options{KnownAgents: map[string]bool{}})
	wantLines(t, "errors", errorStrings(t, err), []string{
		`a.yaml:4:15: queue "support": members: unknown agent "carol" (agents are defined in hotline.yaml)`,
	})
}

func TestQueueNames(t *testing.T) {
	p := loadDemo(t)
	names := p.QueueNames()
	if len(names) != len(p.Queues) || !slices.IsSorted(names) {
		t.Fatalf("queue names %v", names)
	}
	var none *dialplan.Plan
	if none.QueueNames() != nil {
		t.Fatal("a nil plan has queues")
	}
}

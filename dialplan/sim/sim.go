// Package sim is the dialplan's dry-run simulator: it routes a scripted call through a plan and runs
// its flow against a scripted caller (package dialplantest), without audio or network, and reports
// the path node by node: prompts as the caller would hear them, variables, and which edge was taken
// and why. `hotline simulate` prints a Trace; the web API returns it as JSON.
package sim

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/dialplan/dialplantest"
)

// Script is the simulated call.
type Script struct {
	To      string            `json:"to"`
	From    string            `json:"from"`
	At      time.Time         `json:"at"`                // when the call arrives; zero means now
	Headers map[string]string `json:"headers,omitempty"` // SIP headers of the INVITE
	CallID  string            `json:"call_id,omitempty"` // default "sim-1"
	// DTMF has one entry per time the flow waits for keys, such as "1" or "3#"; "" lets the wait time
	// out. A caller who runs out of entries stays silent.
	DTMF []string `json:"dtmf,omitempty"`
	// Say are the caller's utterances, in order, for bot nodes and menus with keywords.
	Say []string `json:"say,omitempty"`
	// HTTP answers http nodes: the first reply whose URL prefixes the request's URL. A request no reply
	// matches fails (the node follows failure) unless HTTPFunc answers it.
	HTTP []HTTPReply `json:"http,omitempty"`
	// HTTPFunc answers requests HTTP does not (the CLI uses it for the built-in demo CRM).
	HTTPFunc func(dialplan.HTTPRequest) (dialplan.HTTPResponse, error) `json:"-"`
	// Queue is how queue and transfer attempts end: answered (default), noagent, timeout or full.
	Queue string `json:"queue,omitempty"`
	// Agent is who answers when Queue is answered; default "agent".
	Agent string `json:"agent,omitempty"`
}

// HTTPReply is a scripted answer to http nodes.
type HTTPReply struct {
	URL    string `json:"url"` // a prefix of the request URL
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// Trace is the simulated call's path.
type Trace struct {
	To       string    `json:"to"`
	From     string    `json:"from"`
	At       time.Time `json:"at"`
	Route    string    `json:"route,omitempty"`     // the route taken; "" when the call is refused
	RouteWhy string    `json:"route_why,omitempty"` // what the route matched on
	Flow     string    `json:"flow,omitempty"`
	Language string    `json:"language,omitempty"`
	Record   string    `json:"record,omitempty"` // the route's recording policy: always, never, on_demand
	Steps    []Step    `json:"steps"`
	End      string    `json:"end"`              // how the call ended
	Unused   []string  `json:"unused,omitempty"` // script input the call never asked for
	Error    string    `json:"error,omitempty"`  // the flow failed
}

// Step is one node the call ran.
type Step struct {
	Flow    string            `json:"flow"`
	Node    string            `json:"node"`
	Type    string            `json:"type"`
	Prompts []string          `json:"prompts,omitempty"` // what the caller heard, in the call's language
	Events  []string          `json:"events,omitempty"`  // everything else that happened: keys, http, queue…
	Vars    map[string]string `json:"vars"`              // call variables after the node
	Edge    string            `json:"edge,omitempty"`
	Target  string            `json:"target,omitempty"` // next node; "" when the call ended here
	Why     string            `json:"why,omitempty"`
}

// Simulate runs the script's call through plan.
func Simulate(plan *dialplan.Plan, s Script) (Trace, error) {
	if plan == nil {
		return Trace{}, errors.New("simulate: no plan")
	}
	at := s.At
	if at.IsZero() {
		at = time.Now()
	}
	tr := Trace{To: s.To, From: s.From, At: at, Steps: []Step{}}
	route, flow, ok := plan.Select(&dialplan.Facts{To: s.To, From: s.From, Headers: s.Headers, Time: at})
	if !ok {
		tr.End = "refused: no route matches (403 Forbidden)"
		return tr, nil
	}
	tr.Route, tr.RouteWhy, tr.Flow = route.Name, describeRoute(route, at), flow.Name
	tr.Language, tr.Record = route.Language, route.Record
	if tr.Language == "" {
		tr.Language = plan.Settings.Language
	}

	var actions []dialplantest.Action
	for _, d := range s.DTMF {
		if d == "" {
			actions = append(actions, dialplantest.Silence())
		} else {
			actions = append(actions, dialplantest.Press(d))
		}
	}
	outcome, err := queueOutcome(s.Queue)
	if err != nil {
		return tr, err
	}
	agent := s.Agent
	if agent == "" {
		agent = "agent"
	}
	qres := dialplan.QueueResult{Outcome: outcome}
	if outcome == dialplan.QueueAnswered {
		qres.Agent = agent
	}
	callID := s.CallID
	if callID == "" {
		callID = "sim-1"
	}
	c := dialplantest.NewCaller(actions...)
	c.Lang = tr.Language
	c.Clock = at
	c.Hdrs = s.Headers
	c.Speech = append([]string(nil), s.Say...)
	c.QueueDefault = &qres
	if abs, err := filepath.Abs(filepath.Dir(plan.File)); err == nil && plan.File != "" {
		c.RecordBase = abs // recordings show relative to the plan, as its recordings_dir is written
	}
	c.Variables = map[string]string{"caller": s.From, "called": s.To, "call_id": callID}
	c.HTTPFunc = func(req dialplan.HTTPRequest) (dialplan.HTTPResponse, error) {
		for _, r := range s.HTTP {
			if strings.HasPrefix(req.URL, r.URL) {
				return dialplan.HTTPResponse{Status: r.Status, Body: []byte(r.Body)}, nil
			}
		}
		if s.HTTPFunc != nil {
			return s.HTTPFunc(req)
		}
		return dialplan.HTTPResponse{}, errors.New("offline: no scripted response")
	}

	seen := 0
	runErr := dialplan.Run(context.Background(), flow, c, func(st dialplan.Step) {
		events := c.Events()
		step := Step{Flow: st.Flow, Node: st.Node, Type: st.Type, Edge: st.Edge, Target: st.Target,
			Vars: maps.Clone(c.Variables)}
		for _, e := range events[seen:] {
			if p, ok := promptText(e); ok {
				step.Prompts = append(step.Prompts, p)
			} else if !strings.HasPrefix(e, "hangup ") {
				step.Events = append(step.Events, e)
			}
		}
		seen = len(events)
		step.Why = why(plan, st, step, c)
		tr.Steps = append(tr.Steps, step)
	})
	events := c.Events()
	cause, ended := c.HangupCause()
	switch {
	case runErr != nil:
		tr.Error = runErr.Error()
		tr.End = "failed"
	case ended:
		tr.End = "hung up by the hotline (" + cause + ")"
	default:
		tr.End = "caller hung up"
	}
	for _, a := range c.Unused() {
		if a.String() != "queue "+qres.Outcome.String() {
			tr.Unused = append(tr.Unused, a.String())
		}
	}
	for _, u := range c.Speech {
		tr.Unused = append(tr.Unused, fmt.Sprintf("say %q", u))
	}
	for _, e := range events[seen:] {
		if len(tr.Steps) > 0 && !strings.HasPrefix(e, "hangup ") {
			last := &tr.Steps[len(tr.Steps)-1]
			last.Events = append(last.Events, e)
		}
	}
	return tr, nil
}

func queueOutcome(s string) (dialplan.QueueOutcome, error) {
	switch s {
	case "", "answered":
		return dialplan.QueueAnswered, nil
	case "noagent":
		return dialplan.QueueNoAgent, nil
	case "timeout":
		return dialplan.QueueTimeout, nil
	case "full":
		return dialplan.QueueFull, nil
	}
	return 0, fmt.Errorf("simulate: queue outcome %q: want answered, noagent, timeout or full", s)
}

// promptText extracts the text of a `say en-US "..."` or `play file` event.
func promptText(e string) (string, bool) {
	if rest, ok := strings.CutPrefix(e, "say "); ok {
		if _, text, ok := strings.Cut(rest, " "); ok {
			if i := strings.LastIndex(text, `"`); i > 0 {
				q := text[:i+1]
				var s string
				if _, err := fmt.Sscanf(q, "%q", &s); err == nil {
					return s, true
				}
			}
		}
	}
	if rest, ok := strings.CutPrefix(e, "play "); ok {
		return "[" + rest + "]", true
	}
	return "", false
}

// why explains the edge a node took.
func why(plan *dialplan.Plan, st dialplan.Step, step Step, c *dialplantest.Caller) string {
	n := plan.Flows[st.Flow].Node(st.Node)
	switch n := n.(type) {
	case *dialplan.BranchNode:
		return n.Explain(c, st.Edge)
	case *dialplan.GotoNode:
		return "continue in flow " + n.FlowName
	case *dialplan.SetNode:
		var names []string
		for _, a := range n.Vars {
			names = append(names, a.Name+"="+step.Vars[a.Name])
		}
		return "set " + strings.Join(names, ", ")
	case *dialplan.HTTPNode:
		return "http_status " + step.Vars["http_status"]
	case *dialplan.SayNode, *dialplan.PlayNode, *dialplan.AnswerNode:
		return ""
	case *dialplan.HangupNode:
		return "hangup " + n.Cause
	case *dialplan.TransferNode:
		if n.Number != "" && n.Trunk != nil && st.Edge == dialplan.EdgeError && len(step.Events) == 0 {
			if num := dialplan.Expand(c, plan.Settings.Location, n.Number); !n.Trunk.Allows(num) {
				return fmt.Sprintf("trunk %s does not allow %q: not dialled", n.Trunk.Name, num)
			}
		}
	}
	for i := len(step.Events) - 1; i >= 0; i-- {
		e := step.Events[i]
		if !strings.HasPrefix(e, "flush ") {
			return e
		}
	}
	return ""
}

// describeRoute says what a route matched on.
func describeRoute(r *dialplan.Route, at time.Time) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, fmt.Sprintf("%s=%q", k, v))
		}
	}
	add("to", r.To)
	add("to_prefix", r.ToPrefix)
	add("to_pattern", r.ToPattern)
	add("from", r.From)
	add("from_prefix", r.FromPrefix)
	add("from_pattern", r.FromPattern)
	if r.ToExists != nil {
		parts = append(parts, fmt.Sprintf("to_exists=%v", *r.ToExists))
	}
	if r.FromExists != nil {
		parts = append(parts, fmt.Sprintf("from_exists=%v", *r.FromExists))
	}
	if r.Header != "" {
		parts = append(parts, fmt.Sprintf("header %s", r.Header))
	}
	if r.Calendar != nil {
		parts = append(parts, fmt.Sprintf("calendar %s is %s at %s", r.Calendar.Name, r.When,
			at.In(r.Calendar.Location).Format("Mon 2006-01-02 15:04 MST")))
	}
	if r.Default {
		return "default route (no other route matched)"
	}
	if len(parts) == 0 {
		return "matches every call"
	}
	return strings.Join(parts, ", ")
}

// Format renders a trace for people, one line per node with its prompts and events indented.
func Format(t Trace) string {
	var b strings.Builder
	fmt.Fprintf(&b, "call from %s to %s at %s\n", orDash(t.From), orDash(t.To), t.At.Format(time.RFC3339))
	if t.Route == "" {
		fmt.Fprintf(&b, "%s\n", t.End)
		return b.String()
	}
	fmt.Fprintf(&b, "route %s (%s) → flow %s, language %s", t.Route, t.RouteWhy, t.Flow, t.Language)
	if t.Record != "" && t.Record != dialplan.RecordNever {
		fmt.Fprintf(&b, ", recorded %s", t.Record)
	}
	b.WriteString("\n")
	flow := t.Flow
	for i, s := range t.Steps {
		if s.Flow != flow {
			fmt.Fprintf(&b, "  -- flow %s --\n", s.Flow)
			flow = s.Flow
		}
		fmt.Fprintf(&b, "%3d. %s (%s)\n", i+1, s.Node, s.Type)
		for _, p := range s.Prompts {
			fmt.Fprintf(&b, "       says: %s\n", p)
		}
		for _, e := range s.Events {
			fmt.Fprintf(&b, "       %s\n", e)
		}
		edge := s.Edge
		if edge == "" {
			edge = "(none)"
		}
		target := s.Target
		if target == "" {
			target = "end"
		}
		line := fmt.Sprintf("       → %s → %s", edge, target)
		if s.Why != "" {
			line += "  (" + s.Why + ")"
		}
		b.WriteString(line + "\n")
		if changed := changedVars(t.Steps, i); changed != "" {
			fmt.Fprintf(&b, "       vars: %s\n", changed)
		}
	}
	if t.Error != "" {
		fmt.Fprintf(&b, "error: %s\n", t.Error)
	}
	fmt.Fprintf(&b, "end: %s\n", t.End)
	if len(t.Unused) > 0 {
		fmt.Fprintf(&b, "not used: %s\n", strings.Join(t.Unused, ", "))
	}
	return b.String()
}

// changedVars lists the variables step i set or changed.
func changedVars(steps []Step, i int) string {
	var prev map[string]string
	if i > 0 {
		prev = steps[i-1].Vars
	}
	var out []string
	for _, k := range sortedKeys(steps[i].Vars) {
		v := steps[i].Vars[k]
		if i == 0 && (k == "caller" || k == "called" || k == "call_id") {
			continue
		}
		if old, ok := prev[k]; !ok || old != v {
			out = append(out, fmt.Sprintf("%s=%q", k, v))
		}
	}
	return strings.Join(out, " ")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"strings"

	"github.com/hotline-cc/hotline/democrm"
	"github.com/hotline-cc/hotline/dialplan/sim"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// cmdSimulate runs a dry-run call through the dialplan and prints its path.
func (e *Env) Simulate(args []string) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "server configuration (for the dialplan path and agents)")
	dpPath := fs.String("dialplan", "", "dialplan file (default: the configuration's, else configs/dialplan.yaml)")
	to := fs.String("to", "", "called number")
	from := fs.String("from", "", "caller number")
	at := fs.String("at", "", `when the call arrives, such as 2026-12-25T20:00+08:00 (default now; without a zone: the plan's timezone)`)
	dtmf := fs.String("dtmf", "", `keys, one comma-separated entry per wait, such as "1,3#" ("" entries time out)`)
	var says, headers, replies listFlag
	fs.Var(&says, "say", "something the caller says to a bot or a menu (repeatable)")
	fs.Var(&headers, "header", `a SIP header of the INVITE, "Name: value" (repeatable)`)
	fs.Var(&replies, "http", `answer http nodes whose URL starts with PREFIX: "PREFIX=JSON" (repeatable)`)
	queue := fs.String("queue", "answered", "how queue and transfer attempts end: answered, noagent, timeout or full")
	liveHTTP := fs.Bool("live-http", false, "send http nodes' requests for real (default: offline)")
	demoCRM := fs.Bool("demo-crm", true, "answer /demo/crm/ requests with the built-in demo CRM, offline")
	asJSON := fs.Bool("json", false, "print the trace as JSON")
	if err := fs.Parse(args); err != nil {
		return exitConfig
	}
	plan, _, code := e.loadPlanForTool(*cfgPath, *dpPath)
	if plan == nil {
		return code
	}

	script := sim.Script{To: *to, From: *from, Say: says, Queue: *queue}
	if *at != "" {
		t, err := sim.ParseTime(*at, plan.Settings.Location)
		if err != nil {
			fmt.Fprintf(e.Stderr, "hotline: -at: %v\n", err)
			return exitConfig
		}
		script.At = t
	}
	if *dtmf != "" {
		script.DTMF = strings.Split(*dtmf, ",")
	}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			fmt.Fprintf(e.Stderr, "hotline: -header %q: want \"Name: value\"\n", h)
			return exitConfig
		}
		if script.Headers == nil {
			script.Headers = map[string]string{}
		}
		script.Headers[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	for _, r := range replies {
		prefix, body, ok := strings.Cut(r, "=")
		if !ok {
			fmt.Fprintf(e.Stderr, "hotline: -http %q: want PREFIX=JSON\n", r)
			return exitConfig
		}
		script.HTTP = append(script.HTTP, sim.HTTPReply{URL: prefix, Status: 200, Body: body})
	}
	handlers := map[string]http.Handler{}
	if *demoCRM {
		handlers["/demo/crm/"] = democrm.Handler()
	}
	script.HTTPFunc = sim.Offline(handlers, *liveHTTP)

	trace, err := sim.Simulate(plan, script)
	if err != nil {
		fmt.Fprintf(e.Stderr, "hotline: %v\n", err)
		return exitConfig
	}
	if *asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(trace)
	} else {
		fmt.Fprint(e.Stdout, sim.Format(trace))
	}
	if trace.Error != "" {
		return exitFail
	}
	return exitOK
}

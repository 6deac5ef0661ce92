package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/democrm"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/dialplan/sim"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// cmdSimulate runs a dry-run call through the dialplan and prints its path.
func cmdSimulate(args []string) int {
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
	plan, _, code := loadPlanForTool(*cfgPath, *dpPath)
	if plan == nil {
		return code
	}

	script := sim.Script{To: *to, From: *from, Say: says, Queue: *queue}
	if *at != "" {
		t, err := parseAt(*at, plan.Settings.Location)
		if err != nil {
			fmt.Fprintf(os.Stderr, "hotline: -at: %v\n", err)
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
			fmt.Fprintf(os.Stderr, "hotline: -header %q: want \"Name: value\"\n", h)
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
			fmt.Fprintf(os.Stderr, "hotline: -http %q: want PREFIX=JSON\n", r)
			return exitConfig
		}
		script.HTTP = append(script.HTTP, sim.HTTPReply{URL: prefix, Status: 200, Body: body})
	}
	script.HTTPFunc = offlineHTTP(*liveHTTP, *demoCRM)

	trace, err := sim.Simulate(plan, script)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hotline: %v\n", err)
		return exitConfig
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(trace)
	} else {
		fmt.Print(sim.Format(trace))
	}
	if trace.Error != "" {
		return exitFail
	}
	return exitOK
}

// offlineHTTP answers the simulator's http requests that no -http reply matched: the demo CRM
// in-process, real requests with -live-http, and otherwise a failure (the node's failure edge).
func offlineHTTP(live, demoCRM bool) func(dialplan.HTTPRequest) (dialplan.HTTPResponse, error) {
	crm := democrm.Handler()
	return func(req dialplan.HTTPRequest) (dialplan.HTTPResponse, error) {
		if u, err := url.Parse(req.URL); err == nil && demoCRM && strings.HasPrefix(u.Path, "/demo/crm/") {
			var body io.Reader
			if req.Body != "" {
				body = strings.NewReader(req.Body)
			}
			rec := httptest.NewRecorder()
			crm.ServeHTTP(rec, httptest.NewRequest(req.Method, req.URL, body))
			return dialplan.HTTPResponse{Status: rec.Code, Body: rec.Body.Bytes()}, nil
		}
		if live {
			return dialplan.DoHTTP(context.Background(), req)
		}
		return dialplan.HTTPResponse{}, fmt.Errorf("offline: no reply for %s (give -http or -live-http)", req.URL)
	}
}

// parseAt reads a time with or without seconds and zone; without a zone it is in loc.
func parseAt(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time like 2026-12-25T20:00+08:00", s)
}

package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
)

// Offline answers the simulator's http requests that no scripted reply matched: a request whose
// URL path starts with one of handlers' prefixes is served by that handler in-process (the demo
// CRM, say); any other is sent for real when live is set, and fails otherwise (the node's failure
// edge), so a dry run touches no network unless asked to.
func Offline(handlers map[string]http.Handler, live bool) func(dialplan.HTTPRequest) (dialplan.HTTPResponse, error) {
	return func(req dialplan.HTTPRequest) (dialplan.HTTPResponse, error) {
		if u, err := url.Parse(req.URL); err == nil {
			for prefix, h := range handlers {
				if !strings.HasPrefix(u.Path, prefix) {
					continue
				}
				var body io.Reader
				if req.Body != "" {
					body = strings.NewReader(req.Body)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(req.Method, req.URL, body))
				return dialplan.HTTPResponse{Status: rec.Code, Body: rec.Body.Bytes()}, nil
			}
		}
		if live {
			return dialplan.DoHTTP(context.Background(), req)
		}
		return dialplan.HTTPResponse{}, fmt.Errorf("offline: no reply for %s (give a scripted reply, or run live)", req.URL)
	}
}

// ParseTime reads when a simulated call arrives: RFC 3339 with or without seconds, or a local
// date and time (2026-12-25T20:00, 2026-12-25 20:00, 2026-12-25) in loc.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.Local
	}
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

// ScriptJSON is a script as the web API takes it: the Script's fields, with the arrival time as
// text that ParseTime reads (a time without a zone is in the plan's timezone).
type ScriptJSON struct {
	To      string            `json:"to"`
	From    string            `json:"from"`
	At      string            `json:"at"`
	Headers map[string]string `json:"headers"`
	DTMF    []string          `json:"dtmf"`
	Say     []string          `json:"say"`
	HTTP    []HTTPReply       `json:"http"`
	Queue   string            `json:"queue"`
	Agent   string            `json:"agent"`
}

// ParseScript reads a ScriptJSON (empty input is an empty script); times without a zone are in loc.
func ParseScript(raw []byte, loc *time.Location) (Script, error) {
	var in ScriptJSON
	if len(strings.TrimSpace(string(raw))) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return Script{}, fmt.Errorf("script: %w", err)
		}
	}
	s := Script{To: in.To, From: in.From, Headers: in.Headers, DTMF: in.DTMF, Say: in.Say, HTTP: in.HTTP, Queue: in.Queue, Agent: in.Agent}
	if in.At != "" {
		at, err := ParseTime(in.At, loc)
		if err != nil {
			return Script{}, fmt.Errorf("script: at: %w", err)
		}
		s.At = at
	}
	return s, nil
}

package sim

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
)

func TestOffline(t *testing.T) {
	crm := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		_, _ = w.Write([]byte(r.Method + " " + r.URL.Path))
	})
	do := Offline(map[string]http.Handler{"/demo/crm/": crm}, false)
	res, err := do(dialplan.HTTPRequest{Method: "POST", URL: "http://127.0.0.1:8080/demo/crm/customers?x=1", Body: "{}"})
	if err != nil || res.Status != 201 || string(res.Body) != "POST /demo/crm/customers" {
		t.Fatalf("in-process: %+v %v", res, err)
	}
	if _, err := do(dialplan.HTTPRequest{Method: "GET", URL: "http://crm.example/customers"}); err == nil || !strings.Contains(err.Error(), "offline") {
		t.Fatalf("elsewhere, offline: %v", err)
	}
}

func TestParseTimeAndScript(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	for in, want := range map[string]string{
		"2026-12-25T20:00+08:00":    "2026-12-25T12:00:00Z",
		"2026-12-25T20:00:30+08:00": "2026-12-25T12:00:30Z",
		"2026-12-25T20:00":          "2026-12-25T12:00:00Z",
		"2026-12-25 20:00":          "2026-12-25T12:00:00Z",
		"2026-12-25":                "2026-12-24T16:00:00Z",
	} {
		got, err := ParseTime(in, sh)
		if err != nil || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("%s: %v %v, want %s", in, got.UTC(), err, want)
		}
	}
	if _, err := ParseTime("Christmas", sh); err == nil {
		t.Error("accepted a word")
	}
	s, err := ParseScript([]byte(`{"to": "4000", "from": "1", "at": "2026-12-25 20:00", "dtmf": ["1", ""],
		"http": [{"url": "http://crm/", "status": 200, "body": "{}"}]}`), sh)
	if err != nil || s.To != "4000" || len(s.DTMF) != 2 || len(s.HTTP) != 1 || s.At.UTC().Hour() != 12 {
		t.Fatalf("script %+v %v", s, err)
	}
	if _, err := ParseScript([]byte(`{"to": "4000", "dtfm": ["1"]}`), sh); err == nil || !strings.Contains(err.Error(), "dtfm") {
		t.Fatalf("unknown field: %v", err)
	}
	if s, err := ParseScript(nil, sh); err != nil || s.To != "" {
		t.Fatalf("empty: %+v %v", s, err)
	}
}

// FuzzParseScript: whatever the editor or an API client sends as a script is refused with an error
// or read; it never panics.
func FuzzParseScript(f *testing.F) {
	f.Add([]byte(`{"to": "4000", "from": "1", "at": "2026-12-25 20:00", "dtmf": ["1", ""], "say": ["agent"]}`))
	f.Add([]byte(`{"http": [{"url": "http://crm/", "status": 200, "body": "{}"}], "queue": "timeout"}`))
	f.Add([]byte(`{"at": "2026-12-25T20:00+08:00"`))
	f.Add([]byte(``))
	sh, _ := time.LoadLocation("Asia/Shanghai")
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseScript(b, sh)
		if err != nil && s.To != "" {
			t.Fatalf("an error and a script: %v %+v", err, s)
		}
	})
}

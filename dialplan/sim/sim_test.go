package sim

import (
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/democrm"
	"github.com/hotline-cc/hotline/dialplan"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func demoPlan(t *testing.T) *dialplan.Plan {
	t.Helper()
	p, _, err := dialplan.Load("../../configs/dialplan.yaml", dialplan.Options{KnownAgents: map[string]bool{"alice": true, "bob": true}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// demoCRM answers http nodes with the demo CRM, in process.
func demoCRM(req dialplan.HTTPRequest) (dialplan.HTTPResponse, error) {
	rec := httptest.NewRecorder()
	democrm.Handler().ServeHTTP(rec, httptest.NewRequest(req.Method, req.URL, nil))
	return dialplan.HTTPResponse{Status: rec.Code, Body: rec.Body.Bytes()}, nil
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse("2006-01-02T15:04Z07:00", s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestDemoGolden simulates the demo hotline's main paths and compares the printed traces with
// testdata/<name>.golden.
func TestDemoGolden(t *testing.T) {
	plan := demoPlan(t)
	tests := []struct {
		name   string
		script Script
		want   []string // nodes the call must pass, in order
	}{
		{"open-support", Script{To: "4008005678", From: "13900000000", At: at(t, "2026-12-24T10:00+08:00"), DTMF: []string{"2"}},
			[]string{"lookup", "welcome-known", "care-menu", "support", "goodbye"}},
		{"after-hours-voicemail", Script{To: "4008005678", From: "13900000000", At: at(t, "2026-12-24T21:00+08:00"), DTMF: []string{"#"}},
			[]string{"closed", "message", "voicemail", "thanks", "goodbye"}},
		{"holiday", Script{To: "4008005679", From: "13800000000", At: at(t, "2026-12-25T20:00+08:00"), DTMF: []string{"1", "3#"}},
			[]string{"closed", "message", "voicemail", "thanks", "goodbye"}},
		{"bot-escalates", Script{To: "4008005678", From: "13700000000", At: at(t, "2026-12-24T10:00+08:00"), DTMF: []string{"4"},
			Say: []string{"I want an agent"}, Queue: "noagent"},
			[]string{"lookup", "welcome", "care-menu", "assistant", "support", "busy", "message", "voicemail", "thanks", "goodbye"}},
		{"crm-gold-order-and-agent", Script{To: "4008005678", From: "13800000000", At: at(t, "2026-12-26T10:00+08:00"), DTMF: []string{"3", "0"}},
			[]string{"lookup", "welcome-known", "care-menu", "order-check", "order-status", "care-menu", "by-tier", "vip-support", "goodbye"}},
		{"crm-down", Script{To: "4008005678", From: "13800000000", At: at(t, "2026-12-24T10:00+08:00"), DTMF: []string{"1"},
			HTTP: []HTTPReply{{URL: "http://127.0.0.1:8080/", Status: 503}}},
			[]string{"lookup", "welcome", "care-menu", "sales", "goodbye"}},
		{"spoken-keyword-zh", Script{To: "4008005679", From: "13800000000", At: at(t, "2026-12-24T10:00+08:00"), Say: []string{"我要转人工"}},
			[]string{"lookup", "welcome-known", "care-menu", "by-tier", "vip-support", "goodbye"}},
		{"main-no-agent", Script{To: "4008001234", From: "13800000000", At: at(t, "2026-12-25T20:00+08:00"), DTMF: []string{"0"}, Queue: "noagent"},
			[]string{"greet", "menu", "agent", "sorry", "goodbye"}},
		{"no-route", Script{To: "999", From: "1", At: at(t, "2026-12-24T10:00+08:00")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.script.HTTPFunc = demoCRM
			tr, err := Simulate(plan, tt.script)
			if err != nil {
				t.Fatal(err)
			}
			var nodes []string
			for _, s := range tr.Steps {
				nodes = append(nodes, s.Node)
			}
			if strings.Join(nodes, ",") != strings.Join(tt.want, ",") {
				t.Errorf("path = %s, want %s", strings.Join(nodes, ","), strings.Join(tt.want, ","))
			}
			if tr.Error != "" {
				t.Errorf("error: %s", tr.Error)
			}
			got := Format(tr)
			golden := filepath.Join("testdata", tt.name+".golden")
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
				t.Errorf("trace differs from %s (run go test -update if intended):\n%s", golden, got)
			}
		})
	}
}

func TestTraceJSON(t *testing.T) {
	tr, err := Simulate(demoPlan(t), Script{To: "4008005678", From: "13800000000", At: at(t, "2026-12-24T10:00+08:00"),
		DTMF: []string{"2"}, HTTPFunc: demoCRM})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	var back Trace
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Route != "care" || len(back.Steps) != len(tr.Steps) || back.Steps[1].Prompts[0] != "Welcome back, Li Wei." ||
		back.Steps[0].Vars["customer_tier"] != "gold" || back.Steps[0].Edge != "success" {
		t.Errorf("round trip: %s", data)
	}
}

func TestSimulateErrors(t *testing.T) {
	if _, err := Simulate(nil, Script{}); err == nil {
		t.Error("nil plan accepted")
	}
	if _, err := Simulate(demoPlan(t), Script{To: "4008001234", Queue: "lost"}); err == nil || !strings.Contains(err.Error(), "lost") {
		t.Errorf("bad queue outcome: %v", err)
	}
	// A loop the step budget ends is reported in the trace, not as an error.
	src := "version: 1\nroutes: [{name: r, flow: m}]\nflows: {m: {start: a, nodes: [{id: a, type: set, vars: {x: y}, next: a}]}}\n"
	p, _, err := dialplan.Parse("l.yaml", []byte(src), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Simulate(p, Script{To: "1"})
	if err != nil || !strings.Contains(tr.Error, "step budget") || tr.End != "failed" || len(tr.Steps) != dialplan.MaxSteps {
		t.Errorf("loop: err %v, trace error %q end %q steps %d", err, tr.Error, tr.End, len(tr.Steps))
	}
}

// TestSimulateExternalTransfer: a transfer to a number ends as the script's queue outcome says, and a
// number a template expands to that the trunk does not allow is shown as not dialled.
func TestSimulateExternalTransfer(t *testing.T) {
	src := `version: 1
trunks:
  pstn: {host: "sip.carrier.example", allow: ["^138[0-9]{8}$"]}
routes:
  - {name: out, to: "1", flow: out}
  - {name: fraud, to: "2", flow: fraud}
flows:
  out:
    start: xfer
    nodes:
      - {id: xfer, type: transfer, number: "13800138000", next: end, failed: sorry, error: sorry}
      - {id: sorry, type: say, text: "Sorry.", next: end}
      - {id: end, type: hangup}
  fraud:
    start: set
    nodes:
      - {id: set, type: set, vars: {target: "0044201234567"}, next: xfer}
      - {id: xfer, type: transfer, number: "${target}", trunk: pstn, next: end, failed: end, error: sorry}
      - {id: sorry, type: say, text: "Sorry.", next: end}
      - {id: end, type: hangup}
`
	plan, _, err := dialplan.Parse("t.yaml", []byte(src), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		script    Script
		edge, why string
	}{
		{Script{To: "1", From: "139"}, "next", "transfer 13800138000 via pstn max_wait=30s → answered"},
		{Script{To: "1", From: "139", Queue: "timeout"}, "failed", "transfer 13800138000 via pstn max_wait=30s → timeout"},
		{Script{To: "2", From: "139"}, "error", `trunk pstn does not allow "0044201234567": not dialled`},
	} {
		tr, err := Simulate(plan, tt.script)
		if err != nil {
			t.Fatal(err)
		}
		var step Step
		for _, s := range tr.Steps {
			if s.Node == "xfer" {
				step = s
			}
		}
		if step.Edge != tt.edge || step.Why != tt.why {
			t.Errorf("to %s queue %q: edge %q why %q; want %q, %q", tt.script.To, tt.script.Queue, step.Edge, step.Why, tt.edge, tt.why)
		}
	}
}

package dialplan_test

import (
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/dialplan"
)

func TestSRTPPolicy(t *testing.T) {
	p, warnings, err := dialplan.Parse("s.yaml", []byte(`version: 1
settings: {srtp: optional}
queues:
  billing: {members: [alice], srtp: required}
  sales: {members: [alice]}
trunks:
  pstn: {host: sip.carrier.example, allow: ["^1"], srtp: required}
  pbx: {host: pbx.example, allow: ["^2"]}
routes:
  - {name: secure, to: "1", flow: main, srtp: required}
  - {name: clear, to: "2", flow: main, srtp: off}
  - {name: plain, default: true, flow: main}
flows:
  main:
    start: a
    nodes:
      - {id: a, type: queue, queue: billing, next: b}
      - {id: b, type: queue, queue: sales}
`), dialplan.Options{KnownAgents: agents})
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Parse: %v %v", err, warnings)
	}
	got := map[string]string{"settings": p.Settings.SRTP, "trunk pstn": p.Trunks["pstn"].SRTP, "trunk pbx": p.Trunks["pbx"].SRTP,
		"queue billing": p.Queues["billing"].SRTP, "queue sales": p.Queues["sales"].SRTP}
	for _, r := range p.Routes {
		got["route "+r.Name] = r.SRTP
	}
	for k, want := range map[string]string{"settings": "optional", "trunk pstn": "required", "trunk pbx": "off",
		"route secure": "required", "route clear": "off", "route plain": "optional",
		"queue billing": "required", "queue sales": ""} {
		if got[k] != want {
			t.Errorf("%s srtp = %q, want %q", k, got[k], want)
		}
	}
}

func TestSRTPPolicyDefaultAndErrors(t *testing.T) {
	p, _, err := dialplan.Parse("s.yaml", []byte("version: 1\nroutes: [{name: r, flow: main}]\nflows: {main: {start: a, nodes: [{id: a, type: hangup}]}}\n"), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Settings.SRTP != dialplan.SRTPOff || p.Routes[0].SRTP != dialplan.SRTPOff {
		t.Errorf("default srtp: settings %q route %q, want off", p.Settings.SRTP, p.Routes[0].SRTP)
	}
	for in, want := range map[string]string{
		"routes: [{name: r, flow: main, srtp: true}]":    `srtp: "true" is not an srtp policy`,
		"routes: [{name: r, flow: main, srtp: yes}]":     `unknown value "yes"`,
		"routes: [{name: r, flow: main, srtp: requird}]": `unknown value "requird"`,
	} {
		_, _, err := dialplan.Parse("s.yaml", []byte("version: 1\n"+in+"\nflows: {main: {start: a, nodes: [{id: a, type: hangup}]}}\n"), dialplan.Options{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", in, err, want)
		}
	}
}

package main

import (
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/admission"
	"github.com/hotline-cc/hotline/config"
	hsip "github.com/hotline-cc/hotline/sip"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The defence's settings reach the screen (extra scanners added to the built-in list, the
// rate, the exempt networks), and its counters are exported by reason and scope.
func TestDefenceWiringAndMetrics(t *testing.T) {
	cfg, err := config.Parse("hotline.yaml", []byte("defence:\n  extra_scanners: [evil-dialer]\n  invite: {per_second: 1, burst: 1}\n  exempt: [10.9.0.0/16]\n"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	adm := newAdmission(cfg, func() int { return 0 }, log)
	src := netip.MustParseAddr("192.0.2.1")
	for _, ua := range []string{"friendly-scanner", "evil-dialer/2"} {
		if v := adm.Check(admission.Request{Src: src, UserAgent: []byte(ua)}); v.Action != admission.Drop {
			t.Errorf("%s: %+v, want dropped", ua, v)
		}
	}
	adm.Check(admission.Request{Src: src, Method: admission.Invite})
	if v := adm.Check(admission.Request{Src: src, Method: admission.Invite}); v.Reason != admission.InviteRate {
		t.Errorf("second INVITE: %+v, want the rate limit", v)
	}
	exempt := netip.MustParseAddr("10.9.1.1")
	for range 3 {
		if v := adm.Check(admission.Request{Src: exempt, Method: admission.Invite}); v.Action != admission.Pass {
			t.Errorf("exempt network: %+v", v)
		}
	}
	reg := hsip.NewRegistrar(registrarConfig(cfg), nil, log)
	c := newDefenceCollector(defence{adm: adm, reg: reg})
	r := prometheus.NewRegistry()
	r.MustRegister(c)
	want := `# HELP hotline_sip_refused_total SIP requests refused before the SIP stack, by reason: scanner (dropped in silence), invite_rate and register_rate (the source's bucket was empty: 503 or dropped), max_calls and overload (new calls answered 503).
# TYPE hotline_sip_refused_total counter
hotline_sip_refused_total{reason="invite_rate"} 1
hotline_sip_refused_total{reason="max_calls"} 0
hotline_sip_refused_total{reason="overload"} 0
hotline_sip_refused_total{reason="register_rate"} 0
hotline_sip_refused_total{reason="scanner"} 2
# HELP hotline_register_blocked Registration blocks in force, by scope (user, address).
# TYPE hotline_register_blocked gauge
hotline_register_blocked{scope="address"} 0
hotline_register_blocked{scope="user"} 0
`
	if err := testutil.GatherAndCompare(r, strings.NewReader(want), "hotline_sip_refused_total", "hotline_register_blocked"); err != nil {
		t.Error(err)
	}
}

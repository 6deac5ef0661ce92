package config

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestDefenceDefaults(t *testing.T) {
	c, err := load(t, "log_level: info\n")
	if err != nil {
		t.Fatal(err)
	}
	d := c.Defence
	if d.Invite != (Rate{10, 20}) || d.Register != (Rate{10, 40}) || d.OverRate != "reject" || !*d.ExemptTrunks ||
		d.MaxCalls != 4000 || d.RetryAfter.D() != 5*time.Second || d.Overload.MaxSendJitter.D() != 20*time.Millisecond || d.Overload.Sustain != 2 ||
		d.Overload.MinCalls != 100 || d.RegisterFailures != 5 || d.RegisterSprayUsers != 5 || d.RegisterFailWindow.D() != time.Minute {
		t.Errorf("defaults %+v", d)
	}
	if got := c.ExemptNetworks(); len(got) != 2 || got[0] != netip.MustParsePrefix("127.0.0.0/8") {
		t.Errorf("default exempt networks %v, want loopback", got)
	}
}

func TestDefenceKeys(t *testing.T) {
	c, err := load(t, `defence:
  extra_scanners: [evil-dialer]
  invite: {per_second: 0}
  register: {per_second: 2.5, burst: 5}
  retry_after: 2s
  over_rate: drop
  exempt: []
  exempt_trunks: false
  max_calls: 0
  overload: {max_send_jitter: 0, max_sched_latency: 5ms, min_calls: 10, window: 2s}
`)
	if err != nil {
		t.Fatal(err)
	}
	d := c.Defence
	if d.Invite.PerSecond != 0 || d.Register != (Rate{2.5, 5}) || d.OverRate != "drop" || len(c.ExemptNetworks()) != 0 ||
		*d.ExemptTrunks || d.MaxCalls != 0 || d.Overload.MaxSendJitter != 0 || d.Overload.MaxSchedLatency.D() != 5*time.Millisecond ||
		d.Overload.Window.D() != 2*time.Second {
		t.Errorf("%+v", d)
	}
	c, err = load(t, "defence:\n  invite: {burst: 50}\n")
	if err != nil || c.Defence.Invite != (Rate{10, 50}) {
		t.Errorf("burst alone: %+v %v, want the default rate with burst 50", c.Defence.Invite, err)
	}
	c, err = load(t, "defence:\n  exempt: [10.0.0.0/8, 192.0.2.7, '2001:db8::1/32']\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("2001:db8::/32")}
	if got := c.ExemptNetworks(); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("networks %v, want %v", got, want)
	}
}

func TestDefenceInvalid(t *testing.T) {
	_, err := load(t, `defence:
  extra_scanners: [x]
  invite: {per_second: -1}
  register: {per_second: 3, burst: 0}
  over_rate: ignore
  exempt: [10.0.0.0/33, nonsense]
  max_calls: -5
  overload:
    max_send_jitter: 1s
    window: 10ms
  register_spray_users: 1
`)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`:2: defence.extra_scanners: "x" is too short`,
		`:3: defence.invite.per_second -1`,
		`:4: defence.register.burst 0`,
		`:5: defence.over_rate "ignore"`,
		`:6: defence.exempt: "10.0.0.0/33" is not a network`,
		`:6: defence.exempt: "nonsense" is not a network`,
		`:7: defence.max_calls -5`,
		`:9: defence.overload.max_send_jitter 1s`,
		`:10: defence.overload.window 10ms`,
		`:11: defence.register_spray_users 1`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := load(t, "defence: {flood: 3}\n"); err == nil || !strings.Contains(err.Error(), "unknown key flood") {
		t.Errorf("unknown key: %v", err)
	}
}

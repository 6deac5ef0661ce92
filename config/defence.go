package config

import (
	"net/netip"
	"strings"
	"time"
)

// Defence configures scanner and flood defence (the admission package) and the registrar's
// brute-force blocks. Every key has a default; the section may be left out.
//
//	defence:
//	  extra_scanners: [evil-dialer]   # User-Agent names dropped in silence, besides the built-in list
//	  invite: {per_second: 10, burst: 20}     # per source address
//	  register: {per_second: 10, burst: 40}
//	  over_rate: reject               # reject (503 with Retry-After) or drop (no response)
//	  exempt: [127.0.0.0/8, ::1/128]  # networks never rate limited (the dialplan's trunks are exempt too)
//	  max_calls: 4000                 # calls in progress; beyond, new calls get 503 (0: no limit)
//	  overload: {max_send_jitter: 20ms, sustain: 2, min_calls: 100}
//	  register_failures: 5            # failures for one user from one address block that user there
//	  register_spray_users: 5         # failures for this many users from one address block the address
//	  register_fail_window: 1m
type Defence struct {
	// Scanners replaces the built-in list of scanner User-Agents when given; ExtraScanners adds to it.
	Scanners      []string `yaml:"scanners"`
	ExtraScanners []string `yaml:"extra_scanners"`
	Invite        Rate     `yaml:"invite"`
	Register      Rate     `yaml:"register"`
	OverRate      string   `yaml:"over_rate"`
	Exempt        []string `yaml:"exempt"`
	// ExemptTrunks exempts the addresses of the dialplan's trunks (default true).
	ExemptTrunks *bool    `yaml:"exempt_trunks"`
	MaxCalls     int      `yaml:"max_calls"`
	RetryAfter   Duration `yaml:"retry_after"`
	Overload     Overload `yaml:"overload"`

	RegisterFailures   int      `yaml:"register_failures"`
	RegisterSprayUsers int      `yaml:"register_spray_users"`
	RegisterFailWindow Duration `yaml:"register_fail_window"`
}

// Rate is a token bucket per source address: per_second tokens a second, up to burst.
// per_second: 0 turns the limit off.
type Rate struct {
	PerSecond float64 `yaml:"per_second"`
	Burst     int     `yaml:"burst"`
}

// Overload is the guard that refuses new calls while the media path is measurably late.
type Overload struct {
	// MaxSendJitter: refuse new calls while the last window's p99 deviation of the RTP send
	// interval from 20 ms is above it for Sustain windows in a row (0 turns it off). The default,
	// 20ms, is a whole frame: a packet that late makes phones' jitter buffers stretch or drop it,
	// which callers hear. The product's engineering target is 1 ms; where the bench shows a box
	// meets it with room to spare, a lower figure protects that.
	MaxSendJitter Duration `yaml:"max_send_jitter"`
	// Sustain: how many windows in a row must be over the limit before new calls are refused
	// (default 2): one late window is a hiccup (a GC cycle, another process), not overload.
	Sustain int `yaml:"sustain"`
	// MinCalls: the guard judges only windows with at least this many calls' worth of RTP; with
	// fewer calls, calls are not what makes the box late, and refusing them would not help.
	MinCalls int `yaml:"min_calls"`
	// MaxSchedLatency: refuse new calls while the Go scheduler's p99 latency is above it (0, the
	// default: not checked).
	MaxSchedLatency Duration `yaml:"max_sched_latency"`
	Window          Duration `yaml:"window"` // default 1s
	Hold            Duration `yaml:"hold"`   // keep refusing at least this long after tripping; default 3s
}

// Defaults of the defence. Rates: one phone places a call every few seconds at most, and an
// office behind one NAT address rarely more than one a second, so 10 INVITEs a second with a
// burst of 20 leaves room for people and none for a flood; a PBX or SBC that concentrates calls
// is a trunk or an exempt network. REGISTER is twice per registration (the challenge): 100 phones
// behind one address re-registering every minute are ~3.3 a second; the burst of 40 absorbs a
// router restart's storm, past it phones are told when to retry.
var (
	defaultInvite   = Rate{PerSecond: 10, Burst: 20}
	defaultRegister = Rate{PerSecond: 10, Burst: 40}
	defaultExempt   = []string{"127.0.0.0/8", "::1/128"}
)

const (
	defaultMaxCalls       = 4000
	defaultMaxSendJitter  = 20 * time.Millisecond
	defaultOverloadWindow = time.Second
)

func (c *Config) defenceDefaults() {
	d := &c.Defence
	// Each key on its own: invite: {burst: 50} keeps the default rate; per_second: 0 turns it off.
	for _, r := range []struct {
		key      string
		rate     *Rate
		fallback Rate
	}{{"invite", &d.Invite, defaultInvite}, {"register", &d.Register, defaultRegister}} {
		if c.line("defence", r.key, "per_second") == 0 {
			r.rate.PerSecond = r.fallback.PerSecond
		}
		if c.line("defence", r.key, "burst") == 0 {
			r.rate.Burst = r.fallback.Burst
		}
	}
	if d.OverRate == "" {
		d.OverRate = "reject"
	}
	if c.line("defence", "exempt") == 0 {
		d.Exempt = defaultExempt
	}
	if d.ExemptTrunks == nil {
		yes := true
		d.ExemptTrunks = &yes
	}
	if c.line("defence", "max_calls") == 0 {
		d.MaxCalls = defaultMaxCalls
	}
	if d.RetryAfter == 0 {
		d.RetryAfter = Duration(5 * time.Second)
	}
	o := &d.Overload
	if c.line("defence", "overload", "max_send_jitter") == 0 {
		o.MaxSendJitter = Duration(defaultMaxSendJitter)
	}
	if o.MinCalls == 0 {
		o.MinCalls = 100
	}
	if o.Sustain == 0 {
		o.Sustain = 2
	}
	if o.Window == 0 {
		o.Window = Duration(defaultOverloadWindow)
	}
	if o.Hold == 0 {
		o.Hold = Duration(3 * time.Second)
	}
	if d.RegisterFailures == 0 {
		d.RegisterFailures = 5
	}
	if d.RegisterSprayUsers == 0 {
		d.RegisterSprayUsers = 5
	}
	if d.RegisterFailWindow == 0 {
		d.RegisterFailWindow = Duration(time.Minute)
	}
}

// ExemptNetworks parses defence.exempt (validated at load).
func (c *Config) ExemptNetworks() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range c.Defence.Exempt {
		if p, err := parseNetwork(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// parseNetwork reads a CIDR, or a bare address as a network of one.
func parseNetwork(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, err
	}
	return p.Masked(), nil
}

func (c *Config) validateDefence(bad func(line int, format string, args ...any)) {
	d := c.Defence
	for _, list := range []struct {
		key   string
		names []string
	}{{"scanners", d.Scanners}, {"extra_scanners", d.ExtraScanners}} {
		for _, n := range list.names {
			if len(strings.TrimSpace(n)) < 3 {
				bad(c.line("defence", list.key), "defence.%s: %q is too short to name a scanner (it would match real phones)", list.key, n)
			}
		}
	}
	for _, r := range []struct {
		key  string
		rate Rate
	}{{"invite", d.Invite}, {"register", d.Register}} {
		switch {
		case r.rate.PerSecond < 0 || r.rate.PerSecond != r.rate.PerSecond:
			bad(c.line("defence", r.key, "per_second"), "defence.%s.per_second %v: want 0 (no limit) or more", r.key, r.rate.PerSecond)
		case r.rate.PerSecond > 0 && r.rate.Burst < 1:
			bad(c.line("defence", r.key), "defence.%s.burst %d: want at least 1 with per_second %v", r.key, r.rate.Burst, r.rate.PerSecond)
		}
	}
	if d.OverRate != "reject" && d.OverRate != "drop" {
		bad(c.line("defence", "over_rate"), "defence.over_rate %q: use reject (503 with Retry-After) or drop (no response)", d.OverRate)
	}
	for _, n := range d.Exempt {
		if _, err := parseNetwork(n); err != nil {
			bad(c.line("defence", "exempt"), "defence.exempt: %q is not a network (write 10.0.0.0/8, 2001:db8::/32 or one address)", n)
		}
	}
	if d.MaxCalls < 0 {
		bad(c.line("defence", "max_calls"), "defence.max_calls %d: want 0 (no limit) or more", d.MaxCalls)
	}
	if d.RetryAfter < 0 || d.RetryAfter.D() > time.Hour {
		bad(c.line("defence", "retry_after"), "defence.retry_after %v: want 1s to 1h", d.RetryAfter.D())
	}
	o := d.Overload
	if o.MaxSendJitter < 0 || o.MaxSendJitter.D() > 40*time.Millisecond {
		bad(c.line("defence", "overload", "max_send_jitter"), "defence.overload.max_send_jitter %v: want 0 (off) to 40ms", o.MaxSendJitter.D())
	}
	if o.Sustain < 0 || o.Sustain > 60 {
		bad(c.line("defence", "overload", "sustain"), "defence.overload.sustain %d: want 1 to 60 windows", o.Sustain)
	}
	if o.MaxSchedLatency < 0 {
		bad(c.line("defence", "overload", "max_sched_latency"), "defence.overload.max_sched_latency %v: want 0 (off) or more", o.MaxSchedLatency.D())
	}
	if o.MinCalls < 1 {
		bad(c.line("defence", "overload", "min_calls"), "defence.overload.min_calls %d: want 1 or more", o.MinCalls)
	}
	if o.Window.D() < 100*time.Millisecond || o.Window.D() > time.Minute {
		bad(c.line("defence", "overload", "window"), "defence.overload.window %v: want 100ms to 1m", o.Window.D())
	}
	if o.Hold < 0 {
		bad(c.line("defence", "overload", "hold"), "defence.overload.hold %v: want 0 or more", o.Hold.D())
	}
	if d.RegisterFailures < 1 {
		bad(c.line("defence", "register_failures"), "defence.register_failures %d: want 1 or more", d.RegisterFailures)
	}
	if d.RegisterSprayUsers < 2 {
		bad(c.line("defence", "register_spray_users"), "defence.register_spray_users %d: want 2 or more (1 would block the address for one user's failures)", d.RegisterSprayUsers)
	}
	if d.RegisterFailWindow < 0 {
		bad(c.line("defence", "register_fail_window"), "defence.register_fail_window %v: want more than 0", d.RegisterFailWindow.D())
	}
}

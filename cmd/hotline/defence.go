package main

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/admission"
	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/dialplan/live"
	hsip "github.com/hotline-cc/hotline/sip"
	"github.com/prometheus/client_golang/prometheus"
)

// defence is the scanner and flood defence as the server runs it: the admission screen the SIP
// server calls for each request, and the registrar whose brute-force blocks it reports.
type defence struct {
	adm *admission.Admission
	reg *hsip.Registrar
}

// newAdmission builds the screen from hotline.yaml's defence: section. calls counts the calls in
// progress, for max_calls.
func newAdmission(cfg *config.Config, calls func() int, log *slog.Logger) *admission.Admission {
	d := cfg.Defence
	scanners := d.Scanners
	if len(scanners) == 0 {
		scanners = admission.DefaultScanners
	}
	scanners = append(slices.Clone(scanners), d.ExtraScanners...)
	o := d.Overload
	window := o.Window.D()
	log.Info("scanner and flood defence", "scanners", len(scanners), "invite_per_second", d.Invite.PerSecond, "invite_burst", d.Invite.Burst,
		"register_per_second", d.Register.PerSecond, "register_burst", d.Register.Burst, "over_rate", d.OverRate,
		"exempt", strings.Join(d.Exempt, ","), "exempt_trunks", *d.ExemptTrunks, "max_calls", d.MaxCalls,
		"overload_max_send_jitter", o.MaxSendJitter.D().String(), "overload_max_sched_latency", o.MaxSchedLatency.D().String())
	return admission.New(admission.Config{
		Scanners:     scanners,
		Invite:       admission.Rate{PerSecond: d.Invite.PerSecond, Burst: d.Invite.Burst},
		Register:     admission.Rate{PerSecond: d.Register.PerSecond, Burst: d.Register.Burst},
		DropOverRate: d.OverRate == "drop",
		Exempt:       cfg.ExemptNetworks(),
		MaxCalls:     d.MaxCalls,
		RetryAfter:   d.RetryAfter.D(),
		Guard: admission.GuardConfig{MaxSendJitter: o.MaxSendJitter.D(), MaxSchedLatency: o.MaxSchedLatency.D(),
			// 50 packets a second per call.
			MinIntervals: uint64(float64(o.MinCalls) * 50 * window.Seconds()), Every: window, Hold: o.Hold.D(), Sustain: o.Sustain},
	}, admission.Options{Calls: calls, Probe: admission.NewMediaProbe(), Log: log})
}

// registrarConfig is the registrar's brute-force settings from the defence: section.
func registrarConfig(cfg *config.Config) hsip.RegistrarConfig {
	d := cfg.Defence
	return hsip.RegistrarConfig{Realm: cfg.SIP.Realm, MaxFailures: d.RegisterFailures, SprayUsers: d.RegisterSprayUsers,
		FailWindow: d.RegisterFailWindow.D()}
}

// watchTrunks keeps the dialplan's trunk addresses exempt from rate limits: resolved at start,
// when the dialplan changes, and every few minutes (a carrier's DNS may move).
// With exempt_trunks: false it does nothing.
func watchTrunks(ctx context.Context, plans *live.Manager, adm *admission.Admission, log *slog.Logger, on bool) {
	if !on {
		return
	}
	const every, refresh = 5 * time.Second, 5 * time.Minute
	t := time.NewTicker(every)
	defer t.Stop()
	var seen any
	var resolved time.Time
	for {
		plan := plans.Current()
		if plan != seen || time.Since(resolved) > refresh {
			seen, resolved = plan, time.Now()
			var addrs []netip.Addr
			for _, name := range plan.TrunkNames() {
				addrs = append(addrs, resolveTrunk(ctx, plan.Trunks[name].Host, name, log)...)
			}
			adm.SetTrusted(addrs)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func resolveTrunk(ctx context.Context, hostport, name string, log *slog.Logger) []netip.Addr {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		log.Warn("trunk address not resolved: its calls are rate limited like anyone's", "trunk", name, "host", host, "error", err)
		return nil
	}
	for i := range ips {
		ips[i] = ips[i].Unmap()
	}
	return ips
}

// defenceCollector exports the defence's counters.
type defenceCollector struct {
	d                                            defence
	refused, sources, overloaded, jitter, blocks *prometheus.Desc
	blocked, trips, overflowed, sched            *prometheus.Desc
}

func newDefenceCollector(d defence) defenceCollector {
	return defenceCollector{d: d,
		refused: prometheus.NewDesc("hotline_sip_refused_total",
			"SIP requests refused before the SIP stack, by reason: scanner (dropped in silence), invite_rate and register_rate "+
				"(the source's bucket was empty: 503 or dropped), max_calls and overload (new calls answered 503).", []string{"reason"}, nil),
		sources:    prometheus.NewDesc("hotline_admission_sources", "Source addresses with a rate-limit bucket.", nil, nil),
		overflowed: prometheus.NewDesc("hotline_admission_overflow_total", "Requests limited by the shared bucket because the table of sources was full.", nil, nil),
		overloaded: prometheus.NewDesc("hotline_overload_refusing", "1 while the overload guard refuses new calls.", nil, nil),
		trips:      prometheus.NewDesc("hotline_overload_trips_total", "Times the overload guard started refusing new calls.", nil, nil),
		jitter: prometheus.NewDesc("hotline_overload_send_jitter_p99_seconds",
			"The overload guard's last measurement: p99 deviation of the RTP send interval from 20 ms over its window.", nil, nil),
		sched: prometheus.NewDesc("hotline_overload_sched_latency_p99_seconds",
			"The overload guard's last measurement: p99 Go scheduler latency over its window.", nil, nil),
		blocks: prometheus.NewDesc("hotline_register_blocks_total",
			"Registration brute-force blocks started, by scope: user (one user on one address) or address (failures for many users).", []string{"scope"}, nil),
		blocked: prometheus.NewDesc("hotline_register_blocked", "Registration blocks in force, by scope (user, address).", []string{"scope"}, nil),
	}
}

func (c defenceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.refused, c.sources, c.overflowed, c.overloaded, c.trips, c.jitter, c.sched, c.blocks, c.blocked} {
		ch <- d
	}
}

func (c defenceCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.d.adm.Stats()
	for _, r := range admission.Reasons() {
		ch <- prometheus.MustNewConstMetric(c.refused, prometheus.CounterValue, float64(s.Refused[r]), r.String())
	}
	ch <- prometheus.MustNewConstMetric(c.sources, prometheus.GaugeValue, float64(s.Sources))
	ch <- prometheus.MustNewConstMetric(c.overflowed, prometheus.CounterValue, float64(s.Overflowed))
	over := 0.0
	if s.Overloaded {
		over = 1
	}
	ch <- prometheus.MustNewConstMetric(c.overloaded, prometheus.GaugeValue, over)
	ch <- prometheus.MustNewConstMetric(c.trips, prometheus.CounterValue, float64(s.GuardTrips))
	ch <- prometheus.MustNewConstMetric(c.jitter, prometheus.GaugeValue, s.Health.SendJitter.Seconds())
	ch <- prometheus.MustNewConstMetric(c.sched, prometheus.GaugeValue, s.Health.SchedLatency.Seconds())
	b := c.d.reg.BlockStats()
	ch <- prometheus.MustNewConstMetric(c.blocks, prometheus.CounterValue, float64(b.UserBlocks), "user")
	ch <- prometheus.MustNewConstMetric(c.blocks, prometheus.CounterValue, float64(b.AddressBlocks), "address")
	ch <- prometheus.MustNewConstMetric(c.blocked, prometheus.GaugeValue, float64(b.BlockedUsers), "user")
	ch <- prometheus.MustNewConstMetric(c.blocked, prometheus.GaugeValue, float64(b.BlockedAddresses), "address")
}

package admission

import (
	"io"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// clock is a fake clock the tests move by hand.
type clock struct{ t atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.t.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *clock) now() time.Time      { return time.Unix(0, c.t.Load()) }
func (c *clock) add(d time.Duration) { c.t.Add(int64(d)) }
func addr(s string) netip.Addr       { return netip.MustParseAddr(s) }
func invite(src string) Request {
	return Request{Src: addr(src), Method: Invite, UserAgent: []byte("Yealink SIP-T46S")}
}
func register(src string) Request             { return Request{Src: addr(src), Method: Register} }
func newTest(cfg Config, c *clock) *Admission { return New(cfg, Options{Now: c.now}) }

func TestScannerUserAgents(t *testing.T) {
	a := newTest(Config{Scanners: DefaultScanners}, newClock())
	for _, ua := range []string{"friendly-scanner", "sipcli/v1.8", "VaxSIPUserAgent/3.1", "SIPVicious 0.3.4", "sundayddr", "iWar", "SIVuS",
		"smap 0.6.0", "Gulp", "sip-scan", "FRIENDLY-SCANNER"} {
		v := a.Check(Request{Src: addr("192.0.2.1"), Method: Other, UserAgent: []byte(ua)})
		if v.Action != Drop || v.Reason != Scanner {
			t.Errorf("User-Agent %q: %+v, want dropped as a scanner", ua, v)
		}
	}
	for _, ua := range []string{"", "Yealink SIP-T46S 66.86.0.15", "baresip v3.10.1", "Asmap/1.0", "sipsak 0.9.8", "PortSIP VoIP SDK 11.2",
		"Linphone/5.2 (belle-sip/5.2)", "Zoiper rv2.10", "iWarp-Phone 2", "Gulpfiction"} {
		v := a.Check(Request{Src: addr("192.0.2.1"), Method: Invite, UserAgent: []byte(ua)})
		if v.Action != Pass {
			t.Errorf("User-Agent %q: %+v, want passed", ua, v)
		}
	}
	if got := a.Stats().Refused[Scanner]; got != 11 {
		t.Errorf("scanner refusals counted %d, want 11", got)
	}
	// A configured list replaces the default one.
	a = newTest(Config{Scanners: []string{"evil-dialer"}}, newClock())
	if v := a.Check(Request{Method: Other, UserAgent: []byte("friendly-scanner")}); v.Action != Pass {
		t.Errorf("friendly-scanner with a list without it: %+v", v)
	}
	if v := a.Check(Request{Method: Other, UserAgent: []byte("Evil-Dialer 2")}); v.Action != Drop {
		t.Errorf("configured name: %+v", v)
	}
}

func TestBucketPerSource(t *testing.T) {
	c := newClock()
	a := newTest(Config{Invite: Rate{PerSecond: 10, Burst: 20}, Register: Rate{PerSecond: 2, Burst: 4}}, c)
	for i := range 20 {
		if v := a.Check(invite("192.0.2.1")); v.Action != Pass {
			t.Fatalf("invite %d within the burst: %+v", i, v)
		}
	}
	v := a.Check(invite("192.0.2.1"))
	if v.Action != Reject || v.Reason != InviteRate || v.RetryAfter != 1 {
		t.Fatalf("invite past the burst: %+v, want 503 Retry-After 1 (a token in 100 ms)", v)
	}
	// Another source has its own bucket; REGISTER has its own.
	if v := a.Check(invite("192.0.2.2")); v.Action != Pass {
		t.Errorf("another source: %+v", v)
	}
	for range 4 {
		a.Check(register("192.0.2.1"))
	}
	if v := a.Check(register("192.0.2.1")); v.Reason != RegisterRate {
		t.Errorf("register past its burst: %+v", v)
	}
	// In-dialog requests (re-INVITEs) and other methods are not limited.
	if v := a.Check(Request{Src: addr("192.0.2.1"), Method: Invite, InDialog: true}); v.Action != Pass {
		t.Errorf("re-invite: %+v", v)
	}
	if v := a.Check(Request{Src: addr("192.0.2.1"), Method: Other}); v.Action != Pass {
		t.Errorf("options: %+v", v)
	}
	// Refill: 100 ms is one token, 2 s the whole burst.
	c.add(100 * time.Millisecond)
	if v := a.Check(invite("192.0.2.1")); v.Action != Pass {
		t.Errorf("after 100 ms: %+v", v)
	}
	if v := a.Check(invite("192.0.2.1")); v.Action != Reject {
		t.Errorf("second after 100 ms: %+v", v)
	}
	c.add(2 * time.Second)
	n := 0
	for a.Check(invite("192.0.2.1")).Action == Pass {
		n++
	}
	if n != 20 {
		t.Errorf("after 2 s %d passed, want the burst of 20", n)
	}
	s := a.Stats()
	if s.Refused[InviteRate] != 3 || s.Refused[RegisterRate] != 1 {
		t.Errorf("refusals %v", s.Refused)
	}
}

func TestBucketIPv6Prefix(t *testing.T) {
	a := newTest(Config{Invite: Rate{PerSecond: 1, Burst: 2}}, newClock())
	a.Check(invite("2001:db8:1:2::1"))
	a.Check(invite("2001:db8:1:2::ffff"))
	if v := a.Check(invite("2001:db8:1:2:aaaa::9")); v.Action != Reject {
		t.Errorf("a third address of the same /64: %+v, want it to share the bucket", v)
	}
	if v := a.Check(invite("2001:db8:1:3::1")); v.Action != Pass {
		t.Errorf("another /64: %+v", v)
	}
}

func TestBucketDrop(t *testing.T) {
	a := newTest(Config{Invite: Rate{PerSecond: 1, Burst: 1}, DropOverRate: true}, newClock())
	a.Check(invite("192.0.2.1"))
	if v := a.Check(invite("192.0.2.1")); v.Action != Drop || v.Reason != InviteRate {
		t.Errorf("%+v, want dropped", v)
	}
}

func TestExempt(t *testing.T) {
	a := newTest(Config{Invite: Rate{PerSecond: 1, Burst: 1}, Exempt: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}}, newClock())
	a.SetTrusted([]netip.Addr{addr("198.51.100.7")})
	for _, src := range []string{"10.1.2.3", "198.51.100.7", "::ffff:10.1.9.9"} {
		for i := range 50 {
			if v := a.Check(invite(src)); v.Action != Pass {
				t.Fatalf("%s invite %d: %+v, want exempt", src, i, v)
			}
		}
	}
	a.Check(invite("10.2.0.1"))
	if v := a.Check(invite("10.2.0.1")); v.Action != Reject {
		t.Errorf("outside the network: %+v", v)
	}
	// A dialplan reload replaces the trunks.
	a.SetTrusted(nil)
	a.Check(invite("198.51.100.7"))
	if v := a.Check(invite("198.51.100.7")); v.Action != Reject {
		t.Errorf("former trunk: %+v", v)
	}
	// Scanners are dropped even from exempt sources.
	if v := a.Check(Request{Src: addr("10.1.2.3"), Method: Invite, UserAgent: []byte("friendly-scanner")}); v.Action != Pass {
		// (no scanner list configured in this test)
		t.Errorf("no list: %+v", v)
	}
}

func TestBucketTableBounded(t *testing.T) {
	c := newClock()
	a := newTest(Config{Invite: Rate{PerSecond: 1, Burst: 2}, MaxSources: 100}, c)
	src := func(i int) Request {
		return invite(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}).String())
	}
	for i := range 100 {
		a.Check(src(i))
	}
	if n := a.Stats().Sources; n != 100 {
		t.Fatalf("%d buckets, want 100", n)
	}
	// The table is full: new sources share the overflow bucket (burst 2).
	passed := 0
	for i := 100; i < 110; i++ {
		if a.Check(src(i)).Action == Pass {
			passed++
		}
	}
	if passed != 2 || a.Stats().Sources != 100 {
		t.Errorf("with a full table %d new sources passed, %d buckets; want 2 (the overflow burst), 100", passed, a.Stats().Sources)
	}
	// Idle buckets expire once full again (2 s at 1/s), and new sources get their own.
	c.add(3 * time.Second)
	if v := a.Check(src(500)); v.Action != Pass {
		t.Errorf("after expiry: %+v", v)
	}
	if n := a.Stats().Sources; n != 1 {
		t.Errorf("%d buckets after the idle ones expired, want 1", n)
	}
}

func TestMaxCalls(t *testing.T) {
	calls := 0
	a := New(Config{MaxCalls: 3, RetryAfter: 7 * time.Second}, Options{Now: newClock().now, Calls: func() int { return calls }})
	calls = 2
	if v := a.Check(invite("192.0.2.1")); v.Action != Pass {
		t.Errorf("2 calls: %+v", v)
	}
	calls = 3
	if v := a.Check(invite("192.0.2.1")); v.Action != Reject || v.Reason != MaxCalls || v.RetryAfter != 7 {
		t.Errorf("3 calls: %+v", v)
	}
	if v := a.Check(register("192.0.2.1")); v.Action != Pass {
		t.Errorf("register at the call limit: %+v", v)
	}
}

type fakeProbe struct{ h Health }

func (p *fakeProbe) Sample() Health { return p.h }

func TestGuard(t *testing.T) {
	c := newClock()
	p := &fakeProbe{}
	a := New(Config{Guard: GuardConfig{MaxSendJitter: time.Millisecond, Every: time.Second, Hold: 3 * time.Second}},
		Options{Now: c.now, Probe: p})
	p.h = Health{SendJitter: 500 * time.Microsecond, Intervals: 10000}
	if v := a.Check(invite("192.0.2.1")); v.Action != Pass {
		t.Fatalf("healthy: %+v", v)
	}
	// Worse, but within the window: not sampled yet.
	p.h = Health{SendJitter: 2 * time.Millisecond, Intervals: 10000}
	if v := a.Check(invite("192.0.2.1")); v.Action != Pass {
		t.Fatalf("before the next sample: %+v", v)
	}
	c.add(time.Second)
	if v := a.Check(invite("192.0.2.1")); v.Action != Pass {
		t.Fatalf("one late window (a hiccup, Sustain 2): %+v", v)
	}
	c.add(time.Second)
	if v := a.Check(invite("192.0.2.1")); v.Action != Reject || v.Reason != Overload {
		t.Fatalf("overloaded: %+v", v)
	}
	if v := a.Check(Request{Src: addr("192.0.2.1"), Method: Invite, InDialog: true}); v.Action != Pass {
		t.Errorf("re-invite of an established call while overloaded: %+v", v)
	}
	// Healthy again, but held for 3 s after the last bad sample.
	p.h = Health{SendJitter: 250 * time.Microsecond, Intervals: 10000}
	c.add(time.Second)
	if v := a.Check(invite("192.0.2.1")); v.Reason != Overload {
		t.Errorf("within the hold: %+v", v)
	}
	c.add(2 * time.Second)
	if v := a.Check(invite("192.0.2.1")); v.Action != Pass {
		t.Errorf("after the hold: %+v", v)
	}
	// Too few intervals to judge: a bad figure from two calls does not trip it.
	p.h = Health{SendJitter: 5 * time.Millisecond, Intervals: 100}
	c.add(time.Second)
	if v := a.Check(invite("192.0.2.1")); v.Action != Pass {
		t.Errorf("few intervals: %+v", v)
	}
	s := a.Stats()
	if s.GuardTrips != 1 || s.Refused[Overload] != 2 || s.Overloaded {
		t.Errorf("stats %+v", s)
	}
}

func TestJitterP99(t *testing.T) {
	h := make(media.HistogramCounts, 241)
	h[80] = 500 // [20, 20.25) ms
	h[79] = 490 // [19.75, 20) ms
	h[84] = 5   // [21, 21.25) ms: 1 ms off
	h[75] = 5   // [18.75, 19) ms
	if got := jitterP99(h); got != 250*time.Microsecond {
		t.Errorf("1 %% late: p99 %v, want 250µs", got)
	}
	h[84], h[75] = 10, 10
	if got := jitterP99(h); got != 1250*time.Microsecond {
		t.Errorf("2 %% 1 ms off: p99 %v, want 1.25ms", got)
	}
	h[240] = 1000
	if got := jitterP99(h); got != 40*time.Millisecond+250*time.Microsecond { // the overflow bucket, 60 ms up, is 40 ms off
		t.Errorf("half overflow: %v", got)
	}
	if got := jitterP99(make(media.HistogramCounts, 241)); got != 0 {
		t.Errorf("empty: %v", got)
	}
}

func TestMediaProbe(t *testing.T) {
	p := NewMediaProbe()
	h := p.Sample()
	if h.Intervals != 0 {
		t.Errorf("a second sample right after the first counts %d intervals", h.Intervals)
	}
}

// BenchmarkCheck is the admission check of an INVITE that passes, from 1,000 sources, with every
// check on.
func BenchmarkCheck(b *testing.B) {
	a := New(Config{Scanners: DefaultScanners, Invite: Rate{PerSecond: 1e9, Burst: 1e9}, MaxCalls: 1 << 20,
		Guard: GuardConfig{MaxSendJitter: 10 * time.Millisecond}},
		Options{Calls: func() int { return 10 }, Probe: NewMediaProbe()})
	reqs := make([]Request, 1000)
	for i := range reqs {
		reqs[i] = Request{Src: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), Method: Invite,
			UserAgent: []byte("Yealink SIP-T46S 66.86.0.15")}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if a.Check(reqs[i%len(reqs)]).Action != Pass {
			b.Fatal("refused")
		}
	}
}

// BenchmarkCheckRefused is the cost of refusing a flood from one source (info logging on, so
// after the first line each refusal is only counted).
func BenchmarkCheckRefused(b *testing.B) {
	a := New(Config{Invite: Rate{PerSecond: 1, Burst: 1}}, Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	r := Request{Src: netip.MustParseAddr("192.0.2.1"), Method: Invite}
	a.Check(r)
	b.ReportAllocs()
	for b.Loop() {
		if a.Check(r).Action != Reject {
			b.Fatal("passed")
		}
	}
}

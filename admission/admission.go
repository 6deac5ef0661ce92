package admission

import (
	"context"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"time"
)

// Method is the kind of request, as far as admission cares.
type Method uint8

const (
	Other Method = iota // every other method: only the scanner check applies
	Invite
	Register
	methods
)

func (m Method) String() string {
	switch m {
	case Invite:
		return "INVITE"
	case Register:
		return "REGISTER"
	}
	return "other"
}

// Request is what admission looks at: read from the datagram before the SIP stack parses it.
type Request struct {
	Src    netip.Addr
	Method Method
	// InDialog: the To header has a tag (a re-INVITE, or a REGISTER refresh is not: REGISTER has
	// no dialog). In-dialog requests belong to calls already admitted and are not limited.
	InDialog  bool
	UserAgent []byte
}

// Action is what to do with a request.
type Action uint8

const (
	Pass   Action = iota
	Drop          // no response at all
	Reject        // 503 Service Unavailable with Retry-After
)

// Reason says why a request was not passed; it labels the refusal counters.
type Reason uint8

const (
	NoReason     Reason = iota
	Scanner             // a scanner's User-Agent
	InviteRate          // the source's INVITE bucket is empty
	RegisterRate        // the source's REGISTER bucket is empty
	MaxCalls            // the server is at its limit of calls in progress
	Overload            // the media path is overloaded
	reasons
)

// Reasons lists every reason, for metrics.
func Reasons() []Reason { return []Reason{Scanner, InviteRate, RegisterRate, MaxCalls, Overload} }

func (r Reason) String() string {
	switch r {
	case Scanner:
		return "scanner"
	case InviteRate:
		return "invite_rate"
	case RegisterRate:
		return "register_rate"
	case MaxCalls:
		return "max_calls"
	case Overload:
		return "overload"
	}
	return "none"
}

// Verdict is the answer to a request.
type Verdict struct {
	Action Action
	Reason Reason
	// RetryAfter is for Reject's Retry-After header, whole seconds, at least 1.
	RetryAfter int
}

// Config is the defence's settings; zero values are off (see config/defence.go for the defaults).
type Config struct {
	Scanners []string
	Invite   Rate
	Register Rate
	// DropOverRate drops requests beyond a bucket in silence instead of answering 503.
	DropOverRate bool
	// Exempt networks are not rate limited (trunk addresses are added with SetTrusted).
	Exempt []netip.Prefix
	// MaxSources caps the bucket table (default 65536).
	MaxSources int
	// MaxCalls refuses new calls while this many are in progress (0: no limit).
	MaxCalls int
	// RetryAfter is the Retry-After of refusals for MaxCalls and Overload (default 5 s).
	RetryAfter time.Duration
	Guard      GuardConfig
}

// Options are the parts the server wires in.
type Options struct {
	Calls func() int // calls in progress, for MaxCalls
	Probe Probe      // the overload guard's measurement (nil: no guard)
	Log   *slog.Logger
	Now   func() time.Time // the clock (tests set their own)
}

// Admission screens requests. It is safe for concurrent use.
type Admission struct {
	cfg      Config
	opt      Options
	scanners scanners
	buckets  *buckets
	guard    *guard
	trusted  atomic.Pointer[map[netip.Addr]struct{}]
	stats    [reasons]atomic.Uint64
	logs     [reasons]rateLog
}

// New builds the screen.
func New(cfg Config, opt Options) *Admission {
	if cfg.MaxSources <= 0 {
		cfg.MaxSources = 65536
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 5 * time.Second
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	for i, p := range cfg.Exempt {
		cfg.Exempt[i] = p.Masked()
	}
	a := &Admission{cfg: cfg, opt: opt, scanners: newScanners(cfg.Scanners),
		buckets: newBuckets(cfg.Invite, cfg.Register, cfg.MaxSources), guard: newGuard(cfg.Guard, opt.Probe)}
	a.guard.onTrip = func(h Health, on bool) {
		if on {
			opt.Log.Warn("overload: refusing new calls", "send_jitter_p99", h.SendJitter.String(), "intervals", h.Intervals,
				"sched_latency_p99", h.SchedLatency.String())
		} else {
			opt.Log.Info("overload over: accepting new calls", "send_jitter_p99", h.SendJitter.String(),
				"sched_latency_p99", h.SchedLatency.String())
		}
	}
	a.trusted.Store(&map[netip.Addr]struct{}{})
	return a
}

// SetTrusted replaces the addresses exempt from rate limits besides the configured networks: the
// dialplan's trunks (set again when the dialplan is reloaded).
func (a *Admission) SetTrusted(addrs []netip.Addr) {
	m := make(map[netip.Addr]struct{}, len(addrs))
	for _, ad := range addrs {
		m[ad.Unmap()] = struct{}{}
	}
	a.trusted.Store(&m)
}

// exempt reports whether src is a trunk or in an exempt network.
func (a *Admission) exempt(src netip.Addr) bool {
	if _, ok := (*a.trusted.Load())[src]; ok {
		return true
	}
	for _, p := range a.cfg.Exempt {
		if p.Contains(src) {
			return true
		}
	}
	return false
}

// Check screens one request.
func (a *Admission) Check(r Request) Verdict {
	if name := a.scanners.match(r.UserAgent); name != "" {
		return a.refuse(r, Verdict{Action: Drop, Reason: Scanner}, name)
	}
	if r.Method == Other || r.InDialog {
		return Verdict{}
	}
	src := r.Src.Unmap()
	var now int64
	if a.buckets.limited(r.Method) && !a.exempt(src) {
		now = a.opt.Now().UnixNano()
		if ok, wait := a.buckets.take(bucketAddr(src), r.Method, now); !ok {
			reason := InviteRate
			if r.Method == Register {
				reason = RegisterRate
			}
			v := Verdict{Action: Reject, Reason: reason, RetryAfter: seconds(wait)}
			if a.cfg.DropOverRate {
				v.Action = Drop
			}
			return a.refuse(r, v, "")
		}
	}
	if r.Method != Invite {
		return Verdict{}
	}
	if a.cfg.MaxCalls > 0 && a.opt.Calls != nil && a.opt.Calls() >= a.cfg.MaxCalls {
		return a.refuse(r, Verdict{Action: Reject, Reason: MaxCalls, RetryAfter: seconds(a.cfg.RetryAfter)}, "")
	}
	if a.guard.probe != nil && a.cfg.Guard.enabled() {
		if now == 0 {
			now = a.opt.Now().UnixNano()
		}
		if a.guard.check(now) {
			return a.refuse(r, Verdict{Action: Reject, Reason: Overload, RetryAfter: seconds(a.cfg.RetryAfter)}, "")
		}
	}
	return Verdict{}
}

// bucketAddr is the address a source is limited as: itself for IPv4, its /64 for IPv6, since one
// subscriber (and one attacker) holds a whole /64 and would otherwise have 2^64 buckets.
func bucketAddr(a netip.Addr) netip.Addr {
	if !a.Is6() {
		return a
	}
	p, _ := a.Prefix(64)
	return p.Addr()
}

func seconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}

// refuse counts and logs a refusal: every one at debug, and at info at most once per logEvery per
// reason, with how many there were since, so a flood does not flood the log.
func (a *Admission) refuse(r Request, v Verdict, scanner string) Verdict {
	a.stats[v.Reason].Add(1)
	log := a.opt.Log
	n, due := a.logs[v.Reason].due(a.opt.Now().UnixNano())
	if !due && !log.Enabled(context.Background(), slog.LevelDebug) {
		return v // a flood costs a counter, not a log line
	}
	attrs := []any{"reason", v.Reason.String(), "src", r.Src.String(), "method", r.Method.String()}
	if scanner != "" {
		attrs = append(attrs, "scanner", scanner)
	}
	if due {
		log.Info("sip requests refused", append(attrs, "refused_since_last_line", n, "dropped", v.Action == Drop)...)
	} else {
		log.Debug("sip request refused", attrs...)
	}
	return v
}

// Stats are the refusal counts since start, by reason, and the state of the defences.
type Stats struct {
	Refused    map[Reason]uint64
	Sources    int    // buckets held
	Overflowed uint64 // requests limited by a shared overflow bucket (the table was full)
	Overloaded bool
	GuardTrips uint64
	Health     Health // the guard's latest sample
}

// Stats reads the counters.
func (a *Admission) Stats() Stats {
	s := Stats{Refused: map[Reason]uint64{}, Sources: a.buckets.size(), Overloaded: a.guard.overloaded.Load(),
		GuardTrips: a.guard.trips.Load(), Health: *a.guard.last.Load()}
	for _, r := range Reasons() {
		s.Refused[r] = a.stats[r].Load()
	}
	a.buckets.mu.Lock()
	s.Overflowed = a.buckets.overflows
	a.buckets.mu.Unlock()
	return s
}

// logEvery is the least time between info lines about refusals of one reason.
const logEvery = int64(10 * time.Second)

// rateLog lets one log line through per logEvery and counts the others.
type rateLog struct {
	last   atomic.Int64
	missed atomic.Uint64
}

func (l *rateLog) due(now int64) (uint64, bool) {
	last := l.last.Load()
	if now-last < logEvery || !l.last.CompareAndSwap(last, now) {
		l.missed.Add(1)
		return 0, false
	}
	return l.missed.Swap(0) + 1, true
}

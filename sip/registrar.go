package sip

import (
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	gsip "github.com/emiago/sipgo/sip"
)

// Credentials looks up the digest secret (HA1) of a SIP user.
type Credentials interface {
	HA1(user string) (ha1 string, ok bool)
}

// Binding is one registered contact of a user.
type Binding struct {
	User      string
	Contact   gsip.Uri // as the phone announced it
	Source    string   // where the REGISTER came from (ip:port): reachable through NAT
	Transport string
	Expires   time.Time
}

// RegistrarConfig configures digest-authenticated registration.
type RegistrarConfig struct {
	Realm      string
	MinExpires time.Duration // default 60 s
	MaxExpires time.Duration // default 3600 s
	// MaxFailures failed authentications for one user (a wrong digest, a malformed Authorization
	// header) from one IP within FailWindow of the first of them block that user from that IP for
	// FailWindow from the last: its REGISTERs get 403 Too Many Failed Attempts without a challenge,
	// while the other users behind the same address (a NAT) still register. A success neither
	// counts nor resets the count, so one known password buys no guesses at others. Default: 5
	// within a minute.
	MaxFailures int
	FailWindow  time.Duration
	// SprayUsers: failures for this many distinct users from one IP within FailWindow (someone
	// trying user names, or one password on many users) block the whole address for FailWindow,
	// every user. Default 5.
	SprayUsers int
}

// BlockStats are the registrar's brute-force blocks: started since start, and in force now.
type BlockStats struct {
	UserBlocks, AddressBlocks      uint64 // blocks started: of one user on an address, of a whole address
	BlockedUsers, BlockedAddresses int    // (address, user) pairs and addresses blocked now
}

// Registrar accepts REGISTER with digest auth and keeps one binding per user.
type Registrar struct {
	cfg    RegistrarConfig
	creds  Credentials
	nonces *nonceSource
	log    *slog.Logger
	now    func() time.Time // the clock: time.Now (tests set their own)

	mu       sync.Mutex
	bindings map[string]*Binding
	fails    map[string]*failures // by IP: failures for any user; users and blocks of the address
	// userFails counts failures and blocks by (IP, user).
	userFails  map[userKey]*failures
	userBlocks uint64
	addrBlocks uint64
	onChange   func(user string, b *Binding)
}

type failures struct {
	count        int
	first        time.Time
	blockedUntil time.Time
	users        map[string]struct{} // of an address: the distinct users that failed (up to SprayUsers)
}

type userKey struct{ ip, user string }

// maxFailEntries bounds each failure table; entries leave a minute (FailWindow) after they start.
const maxFailEntries = 100000

// NewRegistrar returns a registrar checking passwords against creds.
func NewRegistrar(cfg RegistrarConfig, creds Credentials, log *slog.Logger) *Registrar {
	if cfg.MinExpires == 0 {
		cfg.MinExpires = 60 * time.Second
	}
	if cfg.MaxExpires == 0 {
		cfg.MaxExpires = time.Hour
	}
	if cfg.MaxFailures == 0 {
		cfg.MaxFailures = 5
	}
	if cfg.FailWindow == 0 {
		cfg.FailWindow = time.Minute
	}
	if cfg.SprayUsers == 0 {
		cfg.SprayUsers = 5
	}
	return &Registrar{
		cfg: cfg, creds: creds, log: log, now: time.Now,
		nonces:    newNonceSource(5 * time.Minute),
		bindings:  map[string]*Binding{},
		fails:     map[string]*failures{},
		userFails: map[userKey]*failures{},
	}
}

// OnChange sets a callback for registrations and expiries (b == nil: gone).
func (r *Registrar) OnChange(f func(user string, b *Binding)) { r.onChange = f }

// Lookup returns the live binding of user.
func (r *Registrar) Lookup(user string) (*Binding, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.bindings[user]
	if !ok || r.now().After(b.Expires) {
		return nil, false
	}
	cp := *b
	return &cp, true
}

// Expire removes bindings whose time is up; the server calls it periodically.
func (r *Registrar) Expire() {
	now := r.now()
	var gone []string
	r.mu.Lock()
	for u, b := range r.bindings {
		if now.After(b.Expires) {
			delete(r.bindings, u)
			gone = append(gone, u)
		}
	}
	for ip, f := range r.fails {
		if now.After(f.blockedUntil) && now.Sub(f.first) > r.cfg.FailWindow {
			delete(r.fails, ip)
		}
	}
	for k, f := range r.userFails {
		if now.After(f.blockedUntil) && now.Sub(f.first) > r.cfg.FailWindow {
			delete(r.userFails, k)
		}
	}
	r.mu.Unlock()
	for _, u := range gone {
		r.log.Info("registration expired", "user", u)
		if r.onChange != nil {
			r.onChange(u, nil)
		}
	}
}

func sourceIP(src string) string {
	host, _, err := net.SplitHostPort(src)
	if err != nil {
		return src
	}
	return host
}

// blocked says whether user is throttled on ip after repeated failures, and how widely: "user"
// (that user from that address) or "address" (every user from it); "" when not.
func (r *Registrar) blocked(ip, user string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if f := r.fails[ip]; f != nil && now.Before(f.blockedUntil) {
		return "address"
	}
	if f := r.userFails[userKey{ip, user}]; f != nil && now.Before(f.blockedUntil) {
		return "user"
	}
	return ""
}

// fail counts a failed authentication for user from ip, and blocks the user on that address, or
// the address, when that was one too many; it returns what it blocked ("user", "address" or "").
func (r *Registrar) fail(ip, user string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	k := userKey{ip, user}
	uf := r.userFails[k]
	if uf == nil && len(r.userFails) >= maxFailEntries || r.fails[ip] == nil && len(r.fails) >= maxFailEntries {
		// A flood of failures from ever new addresses (spoofed UDP needs no answer to send a
		// malformed Authorization header) must not grow the tables without bound; the admission
		// screen's rate limits keep real sources from getting here.
		r.log.Debug("register: failure not tracked: failure tables full", "ip", ip)
		return ""
	}
	if uf == nil || now.Sub(uf.first) > r.cfg.FailWindow {
		uf = &failures{first: now}
		r.userFails[k] = uf
	}
	uf.count++
	af := r.fails[ip]
	if af == nil || now.Sub(af.first) > r.cfg.FailWindow {
		af = &failures{first: now, users: map[string]struct{}{}}
		r.fails[ip] = af
	}
	af.count++
	if len(af.users) < r.cfg.SprayUsers {
		af.users[user] = struct{}{}
	}
	if len(af.users) >= r.cfg.SprayUsers {
		fresh := !now.Before(af.blockedUntil)
		af.blockedUntil = now.Add(r.cfg.FailWindow)
		if fresh {
			r.addrBlocks++
			return "address"
		}
		return ""
	}
	if uf.count >= r.cfg.MaxFailures {
		fresh := !now.Before(uf.blockedUntil)
		uf.blockedUntil = now.Add(r.cfg.FailWindow)
		if fresh {
			r.userBlocks++
			return "user"
		}
	}
	return ""
}

// BlockStats reads the brute-force blocks.
func (r *Registrar) BlockStats() BlockStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	s := BlockStats{UserBlocks: r.userBlocks, AddressBlocks: r.addrBlocks}
	for _, f := range r.fails {
		if now.Before(f.blockedUntil) {
			s.BlockedAddresses++
		}
	}
	for _, f := range r.userFails {
		if now.Before(f.blockedUntil) {
			s.BlockedUsers++
		}
	}
	return s
}

// failed counts a failure and logs the block it started.
func (r *Registrar) failed(log *slog.Logger, ip, user string) {
	switch r.fail(ip, user) {
	case "user":
		log.Warn("register: user blocked on this address after failed attempts", "user", user, "ip", ip,
			"failures", r.cfg.MaxFailures, "for", r.cfg.FailWindow.String(), "scope", "user")
	case "address":
		log.Warn("register: address blocked: failed attempts for many users", "ip", ip, "users", r.cfg.SprayUsers,
			"for", r.cfg.FailWindow.String(), "scope", "address")
	}
}

// Handle answers one REGISTER request.
func (r *Registrar) Handle(req *gsip.Request, tx gsip.ServerTransaction) {
	src := req.Source()
	ip := sourceIP(src)
	log := r.log.With("call_id", callID(req), "src", src)
	to := req.To()
	if to == nil {
		respond(tx, req, 400, "Missing To")
		return
	}
	// An address-of-record or a contact we could never call (RFC 4475 unksm2).
	if !sipScheme(to.Address.Scheme) {
		respond(tx, req, 416, "Unsupported URI Scheme")
		return
	}
	if c := req.Contact(); c != nil && !c.Address.Wildcard && !sipScheme(c.Address.Scheme) {
		respond(tx, req, 416, "Unsupported URI Scheme")
		return
	}
	user := to.Address.User
	if scope := r.blocked(ip, user); scope != "" {
		log.Debug("register refused: too many failed attempts", "user", user, "scope", scope)
		respond(tx, req, 403, "Too Many Failed Attempts")
		return
	}
	authz := req.GetHeader("Authorization")
	// A scheme other than Digest is ignored: we challenge with ours (RFC 4475 regaut01).
	if authz != nil && !isDigest(authz.Value()) {
		authz = nil
	}
	if authz == nil {
		r.sendChallenge(tx, req, false)
		return
	}
	cred, err := parseDigest(authz.Value())
	if err != nil {
		log.Warn("register: bad authorization header", "error", err)
		r.failed(log, ip, user)
		respond(tx, req, 400, "Bad Authorization Header")
		return
	}
	valid, stale := r.nonces.check(cred.Nonce, r.now())
	if !valid {
		r.sendChallenge(tx, req, false)
		return
	}
	ha1, ok := r.creds.HA1(cred.Username)
	if !ok || cred.Username != user || (cred.Realm != "" && cred.Realm != r.cfg.Realm) || !verifyDigest(cred, ha1, "REGISTER") {
		log.Warn("register: authentication failed", "user", cred.Username)
		r.failed(log, ip, user)
		respond(tx, req, 403, "Forbidden")
		return
	}
	if stale {
		r.sendChallenge(tx, req, true)
		return
	}

	// Expiry: Contact's expires param, else Expires header, else the default.
	expires := 3600
	if h := req.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil {
			expires = n
		}
	}
	contact := req.Contact()
	if contact == nil {
		// A REGISTER without Contact queries bindings.
		respond(tx, req, 200, "OK")
		return
	}
	if contact.Params != nil {
		if v, ok := contact.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(v); err == nil {
				expires = n
			}
		}
	}
	if contact.Address.Wildcard || expires == 0 {
		r.mu.Lock()
		_, had := r.bindings[user]
		delete(r.bindings, user)
		r.mu.Unlock()
		log.Info("unregistered", "user", user)
		res := gsip.NewResponseFromRequest(req, 200, "OK", nil)
		_ = tx.Respond(res)
		if had && r.onChange != nil {
			r.onChange(user, nil)
		}
		return
	}
	exp := time.Duration(expires) * time.Second
	if exp < r.cfg.MinExpires {
		res := gsip.NewResponseFromRequest(req, 423, "Interval Too Brief", nil)
		res.AppendHeader(gsip.NewHeader("Min-Expires", strconv.Itoa(int(r.cfg.MinExpires/time.Second))))
		_ = tx.Respond(res)
		return
	}
	if exp > r.cfg.MaxExpires {
		exp = r.cfg.MaxExpires
	}
	b := &Binding{User: user, Contact: contact.Address, Source: src, Transport: req.Transport(), Expires: r.now().Add(exp)}
	r.mu.Lock()
	_, had := r.bindings[user]
	r.bindings[user] = b
	r.mu.Unlock()
	if !had {
		log.Info("registered", "user", user, "contact", contact.Address.String(), "expires", exp.String())
	}
	res := gsip.NewResponseFromRequest(req, 200, "OK", nil)
	c := contact.Clone()
	c.Params = gsip.NewParams()
	c.Params.Add("expires", strconv.Itoa(int(exp/time.Second)))
	res.AppendHeader(c)
	_ = tx.Respond(res)
	if r.onChange != nil {
		r.onChange(user, b)
	}
}

func (r *Registrar) sendChallenge(tx gsip.ServerTransaction, req *gsip.Request, stale bool) {
	res := gsip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
	res.AppendHeader(gsip.NewHeader("WWW-Authenticate", challenge(r.cfg.Realm, r.nonces.make(r.now()), stale)))
	_ = tx.Respond(res)
}

func respond(tx gsip.ServerTransaction, req *gsip.Request, code int, reason string) {
	_ = tx.Respond(gsip.NewResponseFromRequest(req, code, reason, nil))
}

func callID(req *gsip.Request) string {
	if c := req.CallID(); c != nil {
		return c.Value()
	}
	return ""
}

func sipScheme(s string) bool { return strings.EqualFold(s, "sip") || strings.EqualFold(s, "sips") }

// isDigest: the Authorization header is a Digest one (well-formed or not).
func isDigest(h string) bool {
	scheme, _, _ := strings.Cut(strings.TrimSpace(h), " ")
	return strings.EqualFold(scheme, "Digest")
}

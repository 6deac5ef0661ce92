package sip

import (
	"bytes"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/admission"
)

// Admitter screens requests before they cost anything (the admission package: scanners,
// per-source rate limits, the call limit, the overload guard).
type Admitter interface {
	Check(r admission.Request) admission.Verdict
}

// screenDatagram is guardConn's screen: it reads what admission needs from a UDP datagram without
// parsing it into a message, and answers a refusal itself (503 with Retry-After), statelessly, so
// a flood never reaches the transaction layer. It reports whether the datagram was consumed.
func (s *Server) screenDatagram(conn net.PacketConn, msg []byte, from net.Addr) bool {
	a := s.cfg.Admission
	if a == nil {
		return false
	}
	if bytes.HasPrefix(msg, []byte("ACK ")) && bytes.Contains(msg, []byte(rejectTag)) {
		return true // the ACK of one of our stateless 503s: no transaction to give it to
	}
	r, branch, ok := peekRequest(msg)
	if !ok {
		return false // a response, a keep-alive: not ours to screen
	}
	if u, ok := from.(*net.UDPAddr); ok {
		r.Src = u.AddrPort().Addr().Unmap()
	} else if ap, err := netip.ParseAddrPort(from.String()); err == nil {
		r.Src = ap.Addr().Unmap()
	}
	var tx uint64
	if r.Method == admission.Invite && !r.InDialog && len(branch) > 0 {
		tx = txKey(r.Src, branch)
		if s.admitted.retransmission(tx, time.Now().UnixNano()) {
			return false // the stack knows this transaction and absorbs the copy
		}
	}
	v := a.Check(r)
	if v.Action == admission.Pass && tx != 0 {
		s.admitted.add(tx, time.Now().UnixNano())
	}
	switch v.Action {
	case admission.Drop:
		return true
	case admission.Reject:
		if resp := serviceUnavailable(msg, v.RetryAfter); resp != nil {
			_, _ = conn.WriteTo(resp, from)
		}
		return true
	}
	return false
}

// admitParsed screens a request that came over a stream transport (TCP), which guardConn does not
// see, after the stack parsed it. It answers a refusal and reports whether the request may go on.
func (s *Server) admitParsed(req *gsip.Request, tx gsip.ServerTransaction) bool {
	a := s.cfg.Admission
	if a == nil || req.Transport() == "UDP" {
		return true // UDP was screened as a datagram
	}
	r := admission.Request{Method: admission.Other}
	switch req.Method {
	case gsip.INVITE:
		r.Method = admission.Invite
	case gsip.REGISTER:
		r.Method = admission.Register
	}
	if to := req.To(); to != nil && to.Params != nil {
		if tag, ok := to.Params.Get("tag"); ok && tag != "" {
			r.InDialog = true
		}
	}
	if h := req.GetHeader("User-Agent"); h != nil {
		r.UserAgent = []byte(h.Value())
	}
	if ap, err := netip.ParseAddrPort(req.Source()); err == nil {
		r.Src = ap.Addr().Unmap()
	}
	v := a.Check(r)
	switch v.Action {
	case admission.Drop:
		return false // no response: the stack's transaction times out
	case admission.Reject:
		res := gsip.NewResponseFromRequest(req, 503, "Service Unavailable", nil)
		res.AppendHeader(gsip.NewHeader("Retry-After", strconv.Itoa(v.RetryAfter)))
		_ = tx.Respond(res)
		return false
	}
	return true
}

// peekRequest reads a request's method, whether its To has a tag, its User-Agent and the branch of
// its top Via. ok is false for what is not a request (responses, keep-alives). It allocates nothing.
func peekRequest(msg []byte) (r admission.Request, branch []byte, ok bool) {
	sp := bytes.IndexByte(msg, ' ')
	if sp <= 0 || bytes.HasPrefix(msg, []byte("SIP/")) {
		return r, nil, false
	}
	switch string(msg[:sp]) { // no allocation: the compiler compares in place
	case "INVITE":
		r.Method = admission.Invite
	case "REGISTER":
		r.Method = admission.Register
	}
	rest := msg
	for {
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			return r, branch, true
		}
		rest = rest[nl+1:]
		line := rest
		if e := bytes.IndexByte(line, '\n'); e >= 0 {
			line = line[:e]
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			return r, branch, true // end of the headers
		}
		if c := line[0] | 0x20; c != 'u' && c != 't' && c != 'v' {
			continue // only User-Agent, To and Via matter
		}
		name, val, found := bytes.Cut(line, []byte(":"))
		if !found {
			continue
		}
		name = bytes.TrimSpace(name)
		switch {
		case bytes.EqualFold(name, []byte("user-agent")):
			r.UserAgent = bytes.TrimSpace(val)
		case bytes.EqualFold(name, []byte("to")) || bytes.EqualFold(name, []byte("t")):
			r.InDialog = hasTag(val)
		case branch == nil && (bytes.EqualFold(name, []byte("via")) || bytes.EqualFold(name, []byte("v"))):
			branch = viaBranch(val)
		}
	}
}

// viaBranch is the branch parameter of the first Via in a header value ("" if none).
func viaBranch(val []byte) []byte {
	if c := bytes.IndexByte(val, ','); c >= 0 {
		val = val[:c]
	}
	i := bytes.Index(val, []byte("branch="))
	if i < 0 {
		return []byte{}
	}
	b := val[i+len("branch="):]
	if e := bytes.IndexAny(b, "; \t\r"); e >= 0 {
		b = b[:e]
	}
	return b
}

// txKey identifies an INVITE transaction by its source and branch (FNV-1a): a copy from another
// address is another transaction.
func txKey(src netip.Addr, branch []byte) uint64 {
	h := uint64(14695981039346656037)
	a := src.As16()
	for _, c := range a {
		h = (h ^ uint64(c)) * 1099511628211
	}
	for _, c := range branch {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h | 1 // never 0, which means none
}

// admitted remembers, for a few seconds, the INVITE transactions the screen let through, so that
// their retransmissions (sent while our 100 Trying is on its way: when the server is busiest)
// reach the stack, which absorbs them, instead of being refused as new calls by a bucket or a
// guard that has tripped since. Each gets a few such passes, so a copy replayed at will is
// screened again; the table is bounded.
type admitted struct {
	mu        sync.Mutex
	m         map[uint64]admittedTx
	lastSweep int64
}

type admittedTx struct {
	expires int64
	left    uint8 // retransmissions still let through
}

const (
	admittedTTL     = int64(8 * time.Second) // Timer A doubles from 500 ms: copies at 0.5, 1.5, 3.5, 7.5 s
	admittedMax     = 65536
	admittedRetrans = 8
)

func (a *admitted) add(key uint64, now int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[uint64]admittedTx{}
	}
	if now-a.lastSweep > int64(time.Second) {
		a.lastSweep = now
		for k, tx := range a.m {
			if now > tx.expires {
				delete(a.m, k)
			}
		}
	}
	if len(a.m) < admittedMax {
		a.m[key] = admittedTx{expires: now + admittedTTL, left: admittedRetrans}
	}
}

// retransmission reports whether key is an admitted transaction with passes left, and takes one.
func (a *admitted) retransmission(key uint64, now int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	tx, ok := a.m[key]
	if !ok || now > tx.expires || tx.left == 0 {
		return false
	}
	tx.left--
	a.m[key] = tx
	return true
}

// hasTag reports whether a To header value has a tag parameter (outside the <URI>, whose own
// parameters are the URI's).
func hasTag(val []byte) bool {
	if i := bytes.LastIndexByte(val, '>'); i >= 0 {
		val = val[i+1:]
	}
	for {
		i := bytes.IndexByte(val, ';')
		if i < 0 {
			return false
		}
		val = val[i+1:]
		p := bytes.TrimLeft(val, " \t")
		if len(p) >= 4 && bytes.EqualFold(p[:3], []byte("tag")) && (p[3] == '=' || p[3] == ' ') {
			return true
		}
	}
}

// rejectTag is the To tag of the stateless 503s, by which their ACKs are known.
const rejectTag = ";tag=hl503-admission"

// serviceUnavailable builds a stateless 503 with Retry-After for a request, echoing its Via, From,
// Call-ID and CSeq and its To with a tag of ours, as a final response must. Without a Via there is
// nowhere to answer.
func serviceUnavailable(msg []byte, retryAfter int) []byte {
	var b bytes.Buffer
	b.Grow(len(msg)/2 + 128)
	b.WriteString("SIP/2.0 503 Service Unavailable\r\n")
	hasVia := false
	rest := msg
	for first := true; ; first = false {
		nl := bytes.IndexByte(rest, '\n')
		line := rest
		if nl >= 0 {
			line = rest[:nl]
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 && !first {
			break
		}
		if !first {
			name, val, ok := bytes.Cut(line, []byte(":"))
			if ok {
				key := bytes.TrimSpace(name)
				switch {
				case bytes.EqualFold(key, []byte("via")) || bytes.EqualFold(key, []byte("v")):
					hasVia = true
					b.Write(line)
					b.WriteString("\r\n")
				case bytes.EqualFold(key, []byte("from")) || bytes.EqualFold(key, []byte("f")),
					bytes.EqualFold(key, []byte("call-id")) || bytes.EqualFold(key, []byte("i")),
					bytes.EqualFold(key, []byte("cseq")):
					b.Write(line)
					b.WriteString("\r\n")
				case bytes.EqualFold(key, []byte("to")) || bytes.EqualFold(key, []byte("t")):
					b.Write(line)
					if !hasTag(val) {
						b.WriteString(rejectTag)
					}
					b.WriteString("\r\n")
				}
			}
		}
		if nl < 0 {
			break
		}
		rest = rest[nl+1:]
	}
	if !hasVia {
		return nil
	}
	b.WriteString("Retry-After: ")
	b.WriteString(strconv.Itoa(retryAfter))
	b.WriteString("\r\nContent-Length: 0\r\n\r\n")
	return b.Bytes()
}

package sip

import (
	"bytes"
	"net"
	"net/netip"
	"strconv"

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
	r, ok := peekRequest(msg)
	if !ok {
		return false // a response, a keep-alive: not ours to screen
	}
	if u, ok := from.(*net.UDPAddr); ok {
		r.Src = u.AddrPort().Addr().Unmap()
	} else if ap, err := netip.ParseAddrPort(from.String()); err == nil {
		r.Src = ap.Addr().Unmap()
	}
	v := a.Check(r)
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

// peekRequest reads a request's method, whether its To has a tag, and its User-Agent. ok is false
// for what is not a request (responses, keep-alives). It allocates nothing.
func peekRequest(msg []byte) (r admission.Request, ok bool) {
	sp := bytes.IndexByte(msg, ' ')
	if sp <= 0 || bytes.HasPrefix(msg, []byte("SIP/")) {
		return r, false
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
			return r, true
		}
		rest = rest[nl+1:]
		line := rest
		if e := bytes.IndexByte(line, '\n'); e >= 0 {
			line = line[:e]
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			return r, true // end of the headers
		}
		if c := line[0] | 0x20; c != 'u' && c != 't' {
			continue // only User-Agent and To matter
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
		}
	}
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

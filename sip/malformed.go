package sip

import (
	"bytes"
	"hash/fnv"
	"log/slog"
	"net"
	"strconv"
)

// guardConn screens UDP datagrams before the SIP stack parses them: a
// request that is plainly malformed (bad request line, a mandatory header
// missing or repeated, a Content-Length that does not fit, a CSeq that does
// not match the method) gets a 400 with the reason, one the server cannot
// serve gets its RFC 3261 answer (505 for another SIP version, 416 for a
// Request-URI scheme other than sip, sips or tel, 420 for a Require), and
// none of them reaches the dialog layer. Keep-alives and responses pass
// through untouched. RFC 4475's torture messages are the test bed
// (torture_test.go, testdata/rfc4475).
//
// It also lets RFC 2543 requests through sipgo's transaction layer (see
// normalize2543). It runs on every datagram, so it does not allocate on the
// way through and uses no regular expressions.
type guardConn struct {
	net.PacketConn
	log *slog.Logger
	// screen, when set, sees every datagram first (scanner and flood defence: defence.go) and
	// reports whether it consumed it.
	screen func(conn net.PacketConn, msg []byte, from net.Addr) bool
}

func (g guardConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := g.PacketConn.ReadFrom(p)
		if err != nil || n == 0 {
			return n, addr, err
		}
		msg := p[:n]
		if g.screen != nil && g.screen(g.PacketConn, msg, addr) {
			continue
		}
		v := screen(msg)
		if v.code < 0 {
			g.log.Debug("sip message dropped by screening", "src", addr.String(), "reason", v.reason)
			continue
		}
		if v.code != 0 {
			g.log.Warn("sip request refused by screening", "src", addr.String(), "code", v.code, "reason", v.reason)
			if resp := v.response(msg); resp != nil {
				_, _ = g.PacketConn.WriteTo(resp, addr)
			}
			continue
		}
		if v.tag2543 {
			n = normalize2543(p, n)
		}
		return n, addr, err
	}
}

// WriteTo takes the From tag normalize2543 added back out of what we send,
// so an RFC 2543 peer sees its own From (and To) again.
func (g guardConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if i := bytes.Index(p, tag2543); i >= 0 {
		n := len(p)
		q := make([]byte, 0, n)
		for i >= 0 {
			q = append(q, p[:i]...)
			p = p[min(i+len(tag2543)+8, len(p)):]
			i = bytes.Index(p, tag2543)
		}
		q = append(q, p...)
		if _, err := g.PacketConn.WriteTo(q, addr); err != nil {
			return 0, err
		}
		return n, nil
	}
	return g.PacketConn.WriteTo(p, addr)
}

// verdict is what screening decided about a datagram: code 0 lets it pass.
type verdict struct {
	code   int
	reason string // why, for the log and the Warning header
	// unsupported is the Require header value to echo in a 420's Unsupported.
	unsupported []byte
	// tag2543 marks a request without a From tag nor an RFC 3261 branch.
	tag2543 bool
}

func refuse(code int, reason string) verdict { return verdict{code: code, reason: reason} }

// Header kinds screening looks at.
const (
	hOther = iota
	hVia
	hFrom
	hTo
	hCallID
	hCSeq
	hContentLength
	hContact
	hRequire
	nKinds
)

// headerKind names a header by its (long or compact) name, without allocating.
func headerKind(name []byte) int {
	switch len(name) {
	case 1:
		switch name[0] | 0x20 {
		case 'v':
			return hVia
		case 'f':
			return hFrom
		case 't':
			return hTo
		case 'i':
			return hCallID
		case 'l':
			return hContentLength
		case 'm':
			return hContact
		}
	case 2:
		if bytes.EqualFold(name, []byte("to")) {
			return hTo
		}
	case 3:
		if bytes.EqualFold(name, []byte("via")) {
			return hVia
		}
	case 4:
		if bytes.EqualFold(name, []byte("from")) {
			return hFrom
		}
		if bytes.EqualFold(name, []byte("cseq")) {
			return hCSeq
		}
	case 7:
		if bytes.EqualFold(name, []byte("call-id")) {
			return hCallID
		}
		if bytes.EqualFold(name, []byte("contact")) {
			return hContact
		}
		if bytes.EqualFold(name, []byte("require")) {
			return hRequire
		}
	case 14:
		if bytes.EqualFold(name, []byte("content-length")) {
			return hContentLength
		}
	}
	return hOther
}

var kindName = [nKinds]string{hVia: "Via", hFrom: "From", hTo: "To", hCallID: "Call-ID", hCSeq: "CSeq", hContentLength: "Content-Length"}

// checkRequest returns why a datagram is refused, or "" if it passes (it is
// a fine request, a response or a keep-alive).
func checkRequest(msg []byte) string { return screen(msg).reason }

// screen decides about one datagram.
func screen(msg []byte) verdict {
	if len(bytes.TrimSpace(msg)) == 0 {
		return verdict{}
	}
	if bytes.HasPrefix(msg, []byte("SIP/")) {
		return screenResponse(msg)
	}
	headEnd := bytes.Index(msg, []byte("\r\n\r\n"))
	sep := 4
	if headEnd < 0 {
		headEnd = bytes.Index(msg, []byte("\n\n"))
		sep = 2
	}
	if headEnd < 0 {
		return refuse(400, "no blank line after the headers")
	}
	head := msg[:headEnd+1]
	eol := bytes.IndexByte(head, '\n')
	if eol < 0 {
		return refuse(400, "no request line")
	}
	first := bytes.TrimRight(head[:eol], "\r")
	method, uri, version, v := requestLine(first)
	if v.code != 0 {
		return v
	}

	var count [nKinds]int
	var cseq, from, require []byte
	topVia := true
	branch2543 := false
	contentLength := -1
	// Headers, each with its continuation lines (folding) as one value.
	rest := head[eol+1:]
	for len(rest) > 0 {
		end := 0
		for {
			i := bytes.IndexByte(rest[end:], '\n')
			if i < 0 {
				end = len(rest)
				break
			}
			end += i + 1
			if end >= len(rest) || (rest[end] != ' ' && rest[end] != '\t') {
				break
			}
		}
		line := rest[:end]
		rest = rest[end:]
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			return refuse(400, "continuation line without a header")
		}
		name, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return refuse(400, "header line without a colon")
		}
		name = bytes.TrimRight(name, " \t")
		if len(name) == 0 || !isToken(name) {
			return refuse(400, "bad header name")
		}
		k := headerKind(name)
		count[k]++
		switch k {
		case hVia:
			if !paramsWellFormed(val) {
				return refuse(400, "empty parameter in Via")
			}
			if topVia {
				topVia = false
				// No RFC 3261 branch: none, or the magic cookie with nothing after it (badbranch).
				i := bytes.Index(val, []byte("branch=z9hG4bK"))
				branch2543 = i < 0 || i+14 == len(val) || !tokenChar(val[i+14])
			}
		case hFrom, hTo:
			if why := addressWellFormed(val, true); why != "" {
				return refuse(400, why+" in "+kindName[k])
			}
			if k == hFrom {
				from = val
			}
		case hContact:
			if why := addressWellFormed(val, false); why != "" {
				return refuse(400, why+" in Contact")
			}
		case hCSeq:
			cseq = val
		case hContentLength:
			n, ok := atoi(bytes.TrimSpace(val))
			if !ok {
				return refuse(400, "bad Content-Length")
			}
			contentLength = n
		case hRequire:
			require = val
		}
	}
	for _, k := range []int{hVia, hFrom, hTo, hCallID, hCSeq} {
		if count[k] == 0 {
			return refuse(400, "missing "+kindName[k]+" header")
		}
	}
	for _, k := range []int{hFrom, hTo, hCallID, hCSeq, hContentLength} {
		if count[k] > 1 {
			return refuse(400, "more than one "+kindName[k]+" header")
		}
	}
	num, cmethod, ok := cseqFields(cseq)
	if !ok {
		return refuse(400, "bad CSeq")
	}
	if n, ok := atoi(num); !ok || n >= 1<<31 {
		return refuse(400, "bad CSeq number")
	}
	// A method we do not know goes on to its 501 even with a CSeq that does not match.
	if !bytes.Equal(cmethod, method) && knownMethod(method) {
		return refuse(400, "CSeq method does not match the request line")
	}
	if body := len(msg) - headEnd - sep; contentLength > body {
		return refuse(400, "Content-Length larger than the body")
	}
	if version != 0 {
		return refuse(505, "SIP version not supported")
	}
	if v := checkURI(uri); v.code != 0 {
		return v
	}
	if require != nil && !bytes.Equal(method, []byte("ACK")) && !bytes.Equal(method, []byte("CANCEL")) {
		// We support no extension a peer could require.
		return verdict{code: 420, reason: "extension required", unsupported: bytes.TrimSpace(require)}
	}
	if branch2543 && !bytes.Contains(from, []byte("tag=")) {
		return verdict{tag2543: true}
	}
	return verdict{}
}

// screenResponse drops, without an answer, a response whose status code is
// not 100-699 or whose CSeq number is past 2^31 (RFC 4475 bigcode,
// scalarlg): no transaction of ours sent its request, and over TCP the
// stack would close the connection on it.
func screenResponse(msg []byte) verdict {
	drop := verdict{code: -1, reason: "malformed response"}
	l := msg
	if i := bytes.IndexByte(l, '\n'); i >= 0 {
		l = l[:i]
	}
	_, rest, _ := bytes.Cut(l, []byte(" "))
	code, _, _ := bytes.Cut(bytes.TrimRight(rest, "\r"), []byte(" "))
	if n, ok := atoi(code); !ok || len(code) != 3 || n < 100 || n > 699 {
		return drop
	}
	for rest := msg[min(len(l)+1, len(msg)):]; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break
		}
		if name, val, ok := bytes.Cut(line, []byte(":")); ok && headerKind(bytes.TrimSpace(name)) == hCSeq {
			num, _, _ := cseqFields(val)
			if n, ok := atoi(num); !ok || n >= 1<<31 {
				return drop
			}
		}
	}
	return verdict{}
}

// requestLine splits Method SP Request-URI SP SIP-Version. version is 0 for
// SIP/2.0, 1 for another SIP/x.y (505).
func requestLine(l []byte) (method, uri []byte, version int, v verdict) {
	sp1 := bytes.IndexByte(l, ' ')
	if sp1 <= 0 {
		return nil, nil, 0, refuse(400, "bad request line")
	}
	sp2 := bytes.IndexByte(l[sp1+1:], ' ')
	if sp2 <= 0 {
		return nil, nil, 0, refuse(400, "bad request line")
	}
	method, uri, ver := l[:sp1], l[sp1+1:sp1+1+sp2], l[sp1+2+sp2:]
	if !isToken(method) {
		return nil, nil, 0, refuse(400, "bad method")
	}
	if bytes.Equal(ver, []byte("SIP/2.0")) {
		return method, uri, 0, verdict{}
	}
	if len(ver) > 4 && bytes.HasPrefix(ver, []byte("SIP/")) && isVersion(ver[4:]) {
		return method, uri, 1, verdict{}
	}
	return nil, nil, 0, refuse(400, "bad request line")
}

// isVersion is 1*DIGIT "." 1*DIGIT.
func isVersion(b []byte) bool {
	dot := bytes.IndexByte(b, '.')
	if dot <= 0 || dot == len(b)-1 {
		return false
	}
	_, ok1 := atoi(b[:dot])
	_, ok2 := atoi(b[dot+1:])
	return ok1 && ok2
}

// checkURI looks at the Request-URI's scheme: sip, sips and tel are served,
// another one gets 416; a sip URI with headers (?...) after its host is refused.
func checkURI(uri []byte) verdict {
	colon := bytes.IndexByte(uri, ':')
	if colon <= 0 {
		return refuse(400, "bad Request-URI")
	}
	scheme := uri[:colon]
	for i, c := range scheme {
		alpha := c|0x20 >= 'a' && c|0x20 <= 'z'
		if !alpha && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return refuse(400, "bad Request-URI")
		}
	}
	switch {
	case bytes.EqualFold(scheme, []byte("sip")), bytes.EqualFold(scheme, []byte("sips")):
		hostPart := uri[colon+1:]
		if at := bytes.LastIndexByte(hostPart, '@'); at >= 0 {
			hostPart = hostPart[at+1:]
		}
		if bytes.IndexByte(hostPart, '?') >= 0 {
			return refuse(400, "headers in the Request-URI")
		}
		return verdict{}
	case bytes.EqualFold(scheme, []byte("tel")):
		return verdict{}
	}
	return refuse(416, "Request-URI scheme not supported")
}

var knownMethods = [][]byte{[]byte("INVITE"), []byte("ACK"), []byte("BYE"), []byte("CANCEL"), []byte("OPTIONS"), []byte("REGISTER"),
	[]byte("INFO"), []byte("SUBSCRIBE"), []byte("NOTIFY"), []byte("MESSAGE"), []byte("PUBLISH"), []byte("REFER"), []byte("UPDATE"), []byte("PRACK")}

func knownMethod(m []byte) bool {
	for _, k := range knownMethods {
		if bytes.Equal(m, k) {
			return true
		}
	}
	return false
}

// isToken: RFC 3261 token characters only.
func isToken(b []byte) bool {
	for _, c := range b {
		if !tokenChar(c) {
			return false
		}
	}
	return len(b) > 0
}

func tokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '!', '%', '*', '_', '+', '`', '\'', '~':
		return true
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// atoi parses 1*DIGIT without overflow (values past 2^53 are refused).
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// cseqFields splits a CSeq value (possibly folded) into its number and method.
func cseqFields(v []byte) (num, method []byte, ok bool) {
	var f [2][]byte
	n := 0
	for i := 0; i < len(v); {
		for i < len(v) && isSpace(v[i]) {
			i++
		}
		j := i
		for j < len(v) && !isSpace(v[j]) {
			j++
		}
		if j > i {
			if n == 2 {
				return nil, nil, false
			}
			f[n] = v[i:j]
			n++
		}
		i = j
	}
	return f[0], f[1], n == 2
}

// paramsWellFormed: no empty element in a comma list nor an empty ;param.
func paramsWellFormed(v []byte) bool {
	prev := byte(',') // as if a list had just started
	quoted := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if quoted {
			if c == '\\' {
				i++
			} else if c == '"' {
				quoted = false
			}
			continue
		}
		if isSpace(c) {
			continue
		}
		if (c == ';' || c == ',') && (prev == ';' || prev == ',') {
			return false
		}
		if c == '"' {
			quoted = true
		}
		prev = c
	}
	return !quoted && prev != ';' && prev != ','
}

// addressWellFormed checks a name-addr / addr-spec header value (a list for
// Contact): quotes are closed, <> are paired with nothing blank just inside
// them, and (for From and To, single) an unquoted display name is tokens.
func addressWellFormed(v []byte, single bool) string {
	quoted, inAngle, sawAngle := false, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if quoted {
			if c == '\\' {
				i++
			} else if c == '"' {
				quoted = false
			}
			continue
		}
		switch {
		case c == '"' && !inAngle:
			quoted = true
		case c == '<' && !inAngle:
			if i+1 < len(v) && isSpace(v[i+1]) {
				return "blank inside <>"
			}
			inAngle, sawAngle = true, true
		case c == '>' && inAngle:
			if isSpace(v[i-1]) {
				return "blank inside <>"
			}
			inAngle = false
		}
	}
	if quoted {
		return "unterminated quoted string"
	}
	if inAngle {
		return "unterminated <"
	}
	if single && sawAngle {
		lt := bytes.IndexByte(v, '<')
		dn := bytes.TrimSpace(v[:lt])
		if len(dn) > 0 && dn[0] != '"' {
			for _, c := range dn {
				if !tokenChar(c) && !isSpace(c) {
					return "unquoted display name that is not a token"
				}
			}
		}
	}
	return ""
}

var reasonPhrase = map[int]string{400: "Bad Request", 416: "Unsupported URI Scheme", 420: "Bad Extension", 505: "Version Not Supported"}

// response builds the stateless answer to a refused request, echoing its
// Via, From, To, Call-ID and CSeq (with their continuation lines) as a
// response must. Without a Via there is nowhere to answer.
func (v verdict) response(msg []byte) []byte {
	if v.code <= 0 {
		return nil
	}
	var b bytes.Buffer
	b.WriteString("SIP/2.0 " + strconv.Itoa(v.code) + " " + reasonPhrase[v.code] + "\r\n")
	hasVia := false
	rest := msg
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[i+1:]
	} else {
		rest = nil
	}
	echo := false
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		var l []byte
		if i < 0 {
			l, rest = rest, nil
		} else {
			l, rest = rest[:i], rest[i+1:]
		}
		l = bytes.TrimRight(l, "\r")
		if len(l) == 0 {
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			if echo {
				b.Write(l)
				b.WriteString("\r\n")
			}
			continue
		}
		name, _, ok := bytes.Cut(l, []byte(":"))
		echo = false
		if !ok {
			continue
		}
		switch headerKind(bytes.TrimSpace(name)) {
		case hVia:
			hasVia = true
			echo = true
		case hFrom, hTo, hCallID, hCSeq:
			echo = true
		}
		if echo {
			b.Write(l)
			b.WriteString("\r\n")
		}
	}
	if !hasVia {
		return nil
	}
	if v.code == 420 {
		b.WriteString("Unsupported: ")
		b.Write(v.unsupported)
		b.WriteString("\r\n")
	}
	b.WriteString("Warning: 399 hotline \"" + v.reason + "\"\r\nContent-Length: 0\r\n\r\n")
	return b.Bytes()
}

// badRequest builds a 400 for msg (see verdict.response).
func badRequest(msg []byte, reason string) []byte { return refuse(400, reason).response(msg) }

// tag2543 is the From tag normalize2543 gives an RFC 2543 request.
var tag2543 = []byte(";tag=hl-rfc2543-")

// normalize2543 lets an RFC 2543 request (its Via has no z9hG4bK branch and
// its From no tag: RFC 4475 §3.4, inv2543) through sipgo, whose transaction
// layer keys such requests by the From tag and refuses them without one
// (upstream, the fix would be RFC 3261 §17.2.3's 2543 matching with an
// empty tag). It appends a From tag derived from the Call-ID, so the
// INVITE, its retransmissions, its ACK and the BYE map to one transaction
// and dialog; guardConn.WriteTo takes the tag out again. p holds the n
// bytes read and has room to grow; if it has none the request is left as it is.
func normalize2543(p []byte, n int) int {
	msg := p[:n]
	at := -1 // the end of the From header's value
	var callID []byte
	for off := bytes.IndexByte(msg, '\n') + 1; off > 0 && off < len(msg); {
		i := bytes.IndexByte(msg[off:], '\n')
		if i < 0 {
			break
		}
		l := msg[off : off+i]
		if len(bytes.TrimSpace(l)) == 0 {
			break
		}
		if name, val, ok := bytes.Cut(l, []byte(":")); ok && l[0] != ' ' && l[0] != '\t' {
			switch headerKind(bytes.TrimSpace(name)) {
			case hFrom:
				at = off + len(bytes.TrimRight(l, "\r \t"))
			case hCallID:
				callID = bytes.TrimSpace(val)
			}
		}
		off += i + 1
	}
	if at < 0 {
		return n
	}
	h := fnv.New32a()
	_, _ = h.Write(callID)
	var tag [len(";tag=hl-rfc2543-") + 8]byte
	t := append(append(tag[:0], tag2543...), strconv.FormatUint(uint64(h.Sum32())|1<<32, 16)[1:]...)
	if n+len(t) > len(p) {
		return n
	}
	copy(p[at+len(t):], p[at:n])
	copy(p[at:], t)
	return n + len(t)
}

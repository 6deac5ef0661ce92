package sip

import (
	"bytes"
	"log/slog"
	"net"
	"strconv"
)

// guardConn screens UDP datagrams before the SIP stack parses them: a
// request that is plainly malformed (bad request line, a mandatory header
// missing, a Content-Length that does not fit) gets a 400 with the reason,
// instead of being dropped in silence, and never reaches the dialog layer.
// Keep-alives and responses pass through untouched.
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
		if reason := checkRequest(msg); reason != "" {
			g.log.Warn("malformed sip request", "src", addr.String(), "reason", reason)
			if resp := badRequest(msg, reason); resp != nil {
				_, _ = g.PacketConn.WriteTo(resp, addr)
			}
			continue
		}
		return n, addr, err
	}
}

var mandatory = [][]byte{[]byte("via"), []byte("from"), []byte("to"), []byte("call-id"), []byte("cseq")}
var compact = map[string]string{"v": "via", "f": "from", "t": "to", "i": "call-id", "l": "content-length"}

// checkRequest returns why a datagram is not a well-formed SIP request, or
// "" if it looks fine (or is not a request: responses and keep-alives).
func checkRequest(msg []byte) string {
	if len(bytes.TrimSpace(msg)) == 0 || bytes.HasPrefix(msg, []byte("SIP/2.0 ")) {
		return ""
	}
	headEnd := bytes.Index(msg, []byte("\r\n\r\n"))
	sep := 4
	if headEnd < 0 {
		headEnd = bytes.Index(msg, []byte("\n\n"))
		sep = 2
	}
	if headEnd < 0 {
		return "no blank line after the headers"
	}
	head := msg[:headEnd]
	lines := bytes.Split(head, []byte("\n"))
	first := bytes.TrimRight(lines[0], "\r")
	parts := bytes.Split(first, []byte(" "))
	if len(parts) != 3 || !bytes.Equal(parts[2], []byte("SIP/2.0")) || len(parts[0]) == 0 || len(parts[1]) == 0 {
		return "bad request line"
	}
	for _, c := range parts[0] {
		if c < 'A' || c > 'Z' {
			return "bad method"
		}
	}
	seen := map[string]bool{}
	contentLength := -1
	for _, l := range lines[1:] {
		l = bytes.TrimRight(l, "\r")
		if len(l) == 0 || l[0] == ' ' || l[0] == '\t' {
			continue
		}
		name, val, ok := bytes.Cut(l, []byte(":"))
		if !ok {
			return "header line without a colon"
		}
		key := string(bytes.ToLower(bytes.TrimSpace(name)))
		if full, ok := compact[key]; ok {
			key = full
		}
		seen[key] = true
		if key == "content-length" {
			n, err := strconv.Atoi(string(bytes.TrimSpace(val)))
			if err != nil || n < 0 {
				return "bad Content-Length"
			}
			contentLength = n
		}
		if key == "cseq" {
			f := bytes.Fields(val)
			if len(f) != 2 {
				return "bad CSeq"
			}
			if _, err := strconv.ParseUint(string(f[0]), 10, 32); err != nil {
				return "bad CSeq number"
			}
		}
	}
	for _, h := range mandatory {
		if !seen[string(h)] {
			return "missing " + string(h) + " header"
		}
	}
	if body := len(msg) - headEnd - sep; contentLength > body {
		return "Content-Length larger than the body"
	}
	return ""
}

// badRequest builds a 400 echoing the request's Via, From, To, Call-ID and
// CSeq, as a response must. Without a Via there is nowhere to answer.
func badRequest(msg []byte, reason string) []byte {
	var b bytes.Buffer
	b.WriteString("SIP/2.0 400 Bad Request\r\n")
	hasVia := false
	for _, l := range bytes.Split(msg, []byte("\n")) {
		l = bytes.TrimRight(l, "\r")
		if len(l) == 0 {
			break
		}
		name, _, ok := bytes.Cut(l, []byte(":"))
		if !ok {
			continue
		}
		key := string(bytes.ToLower(bytes.TrimSpace(name)))
		if full, ok := compact[key]; ok {
			key = full
		}
		switch key {
		case "via":
			hasVia = true
			fallthrough
		case "from", "to", "call-id", "cseq":
			b.Write(l)
			b.WriteString("\r\n")
		}
	}
	if !hasVia {
		return nil
	}
	b.WriteString("Warning: 399 hotline \"" + reason + "\"\r\nContent-Length: 0\r\n\r\n")
	return b.Bytes()
}

package sip

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
)

// guardListener screens SIP over TCP as guardConn does over UDP: each
// connection's byte stream is cut into messages by their Content-Length
// (RFC 3261 §18.3), each request is screened, and only what passes reaches
// sipgo, byte for byte as it came (keep-alive CRLFs included). A framing
// error (a Content-Length that is missing its number, negative or given
// twice, or a message past maxStreamMessage) cannot be recovered on a
// stream: the request gets its 400 and the connection is closed (RFC 4475
// ncl, mcl01).
type guardListener struct {
	net.Listener
	log *slog.Logger
}

func (l guardListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &guardStream{Conn: c, log: l.log}, nil
}

// maxStreamMessage bounds one message on a stream: headers and body.
const maxStreamMessage = 64 << 10

var errFraming = errors.New("sip: message framing error on the stream, connection closed")

// guardStream is one screened TCP connection. Read is called by the stack's
// one reader goroutine; Write by any.
type guardStream struct {
	net.Conn
	log *slog.Logger
	in  []byte // read, not yet framed
	out []byte // framed and passed, not yet returned by Read
	off int    // how much of out Read has returned
	err error  // the read error to return once out is drained
}

func (s *guardStream) Read(p []byte) (int, error) {
	for s.off == len(s.out) {
		s.out, s.off = s.out[:0], 0
		if s.frame() {
			continue
		}
		if s.err != nil {
			return 0, s.err
		}
		if cap(s.in)-len(s.in) < 4096 {
			s.in = append(make([]byte, 0, 2*cap(s.in)+8192), s.in...)
		}
		n, err := s.Conn.Read(s.in[len(s.in):cap(s.in)])
		s.in = s.in[:len(s.in)+n]
		if err != nil {
			s.err = err
		}
	}
	n := copy(p, s.out[s.off:])
	s.off += n
	return n, nil
}

// Write takes normalize2543's From tag back out, as guardConn.WriteTo does.
func (s *guardStream) Write(p []byte) (int, error) {
	if bytes.Contains(p, tag2543) {
		rec := &recordingWriter{}
		if _, err := (guardConn{PacketConn: rec}).WriteTo(p, nil); err != nil {
			return 0, err
		}
		if _, err := s.Conn.Write(rec.b); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return s.Conn.Write(p)
}

// recordingWriter is a PacketConn that keeps what is written to it.
type recordingWriter struct {
	net.PacketConn
	b []byte
}

func (r *recordingWriter) WriteTo(p []byte, _ net.Addr) (int, error) {
	r.b = append(r.b[:0], p...)
	return len(p), nil
}

// frame moves the complete messages of in to out (or answers and drops
// them), and says whether it consumed anything.
func (s *guardStream) frame() bool {
	if s.err == errFraming {
		return false
	}
	start := 0
	defer func() {
		if s.err == errFraming { // fail dropped the rest of the stream
			s.in = s.in[:0]
			return
		}
		s.in = append(s.in[:0], s.in[start:]...)
	}()
	for {
		rest := s.in[start:]
		i := 0
		for i < len(rest) && (rest[i] == '\r' || rest[i] == '\n') {
			i++
		}
		if i > 0 { // keep-alives go through as they are
			s.out = append(s.out, rest[:i]...)
			start += i
			rest = rest[i:]
		}
		if len(rest) == 0 {
			return start > 0
		}
		headEnd, sep := bytes.Index(rest, []byte("\r\n\r\n")), 4
		if headEnd < 0 {
			headEnd, sep = bytes.Index(rest, []byte("\n\n")), 2
		}
		if headEnd < 0 {
			if len(rest) > maxStreamMessage {
				s.fail(rest, "headers too long")
				return true
			}
			return start > 0
		}
		cl, why := streamContentLength(rest[:headEnd])
		if why != "" {
			s.fail(rest, why)
			return true
		}
		total := headEnd + sep + cl
		if total > maxStreamMessage {
			s.fail(rest, "message too long")
			return true
		}
		if len(rest) < total {
			return start > 0
		}
		msg := rest[:total]
		start += total
		v := screen(msg)
		switch {
		case v.code < 0:
			s.log.Debug("sip message dropped by screening", "src", s.RemoteAddr().String(), "reason", v.reason)
		case v.code != 0:
			s.log.Warn("sip request refused by screening", "src", s.RemoteAddr().String(), "code", v.code, "reason", v.reason)
			if resp := v.response(msg); resp != nil {
				_, _ = s.Conn.Write(resp)
			}
		case v.tag2543:
			buf := make([]byte, total+64)
			copy(buf, msg)
			s.out = append(s.out, buf[:normalize2543(buf, total)]...)
		default:
			s.out = append(s.out, msg...)
		}
	}
}

// fail answers a message the stream cannot frame with 400 and ends the connection.
func (s *guardStream) fail(msg []byte, why string) {
	s.log.Warn("sip stream refused: framing error", "src", s.RemoteAddr().String(), "reason", why)
	if resp := badRequest(msg, why); resp != nil {
		_, _ = s.Conn.Write(resp)
	}
	s.err = errFraming
	_ = s.Conn.Close()
}

// streamContentLength is a message's Content-Length (0 when absent), or why it cannot frame one.
func streamContentLength(head []byte) (int, string) {
	n, seen := 0, 0
	for len(head) > 0 {
		l := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			l, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		name, val, ok := bytes.Cut(l, []byte(":"))
		if !ok || len(name) == 0 || name[0] == ' ' || name[0] == '\t' {
			continue
		}
		if headerKind(bytes.TrimRight(name, " \t")) != hContentLength {
			continue
		}
		seen++
		v, ok := atoi(bytes.TrimSpace(val))
		if !ok {
			return 0, "bad Content-Length"
		}
		n = v
	}
	if seen > 1 {
		return 0, "more than one Content-Length header"
	}
	return n, ""
}

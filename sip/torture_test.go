package sip

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
)

var updateTorture = flag.Bool("update-torture", false, "rewrite the answer table in testdata/rfc4475/README.md")

// tortureCase is one RFC 4475 message and what the RFC expects an endpoint
// (a UAS and registrar, which is what hotline is) to do with it.
type tortureCase struct {
	name    string
	section string
	rfc     string // the RFC's expectation, for the table
	want    []int  // acceptable final status codes; nil: the message is dropped, no answer
	// check looks at the answer beyond its status code; "" when fine.
	check func(res *answer) string
	// tcp: sent over TCP only (longreq: its answer, which echoes 34 Vias, is larger than sipgo
	// sends in a datagram, RFC 3261 §18.1.1; its Vias all say TCP).
	tcp bool
	// overTCP: also sent over TCP, where it must get the UDP answer.
	overTCP bool
	// tcpCloses: also sent over TCP, where it is a framing error: the answer, then the server
	// closes the connection.
	tcpCloses bool
}

// answer is a response read by hand: some answers echo what a full parser
// refuses (scalar02's CSeq), which is right.
type answer struct {
	code    int
	reason  string
	headers map[string]string // lower-case long name → value, unfolded
	raw     []byte
}

var compactNames = map[string]string{"v": "via", "f": "from", "t": "to", "i": "call-id", "l": "content-length", "m": "contact", "c": "content-type"}

func parseAnswer(raw []byte) (*answer, error) {
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	lines := strings.Split(strings.ReplaceAll(string(head), "\r\n ", " "), "\r\n")
	ver, rest, _ := strings.Cut(lines[0], " ")
	if ver != "SIP/2.0" {
		return nil, fmt.Errorf("not a response")
	}
	code, reason, _ := strings.Cut(rest, " ")
	a := &answer{reason: reason, headers: map[string]string{}, raw: raw}
	var err error
	if a.code, err = strconv.Atoi(code); err != nil {
		return nil, err
	}
	for _, l := range lines[1:] {
		name, val, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("header line %q", l)
		}
		n := strings.ToLower(strings.TrimSpace(name))
		if full, ok := compactNames[n]; ok {
			n = full
		}
		if old, ok := a.headers[n]; ok {
			a.headers[n] = old + ", " + strings.TrimSpace(val)
		} else {
			a.headers[n] = strings.TrimSpace(val)
		}
	}
	return a, nil
}

func (a *answer) String() string { return fmt.Sprintf("%d %s", a.code, a.reason) }

func header(name, want string) func(*answer) string {
	return func(res *answer) string {
		h, ok := res.headers[strings.ToLower(name)]
		if !ok {
			return "no " + name + " header"
		}
		if !strings.Contains(strings.ToLower(h), strings.ToLower(want)) {
			return fmt.Sprintf("%s: %q, want it to name %q", name, h, want)
		}
		return ""
	}
}

func cseqMethod(m string) func(*answer) string {
	return func(res *answer) string {
		if f := strings.Fields(res.headers["cseq"]); len(f) != 2 || f[1] != m {
			return fmt.Sprintf("answer to CSeq %q, want the %s", res.headers["cseq"], m)
		}
		return ""
	}
}

// normal is what a well-formed request gets from hotline: an OPTIONS 200, a
// REGISTER the digest challenge, an INVITE the dialplan's answer (the test
// handler refuses every call with 404), a method we do not serve 405/501.
var (
	normalOptions  = []int{200}
	normalRegister = []int{401}
	normalInvite   = []int{404}
)

var tortureCases = []tortureCase{
	// §3.1.1 valid messages
	{name: "wsinv", section: "3.1.1.1", rfc: "well-formed; answer normally", want: normalInvite},
	{name: "intmeth", section: "3.1.1.2", rfc: "endpoint: 501 with Allow", want: []int{501}, check: header("Allow", "INVITE"), overTCP: true},
	{name: "esc01", section: "3.1.1.3", rfc: "well-formed; answer normally", want: normalInvite},
	{name: "escnull", section: "3.1.1.4", rfc: "well-formed REGISTER; answer normally", want: normalRegister},
	{name: "esc02", section: "3.1.1.5", rfc: "unknown method RE%47IST%45R: endpoint 501", want: []int{501}, overTCP: true},
	{name: "lwsdisp", section: "3.1.1.6", rfc: "accept as well-formed", want: normalOptions},
	{name: "longreq", section: "3.1.1.7", rfc: "well-formed; answer normally", want: normalInvite, tcp: true},
	{name: "dblreq", section: "3.1.1.8", rfc: "handle the REGISTER, ignore the INVITE after it", want: normalRegister, check: cseqMethod("REGISTER")},
	{name: "semiuri", section: "3.1.1.9", rfc: "well-formed; answer normally", want: normalOptions},
	{name: "transports", section: "3.1.1.10", rfc: "well-formed; answer normally", want: normalOptions},
	{name: "mpart01", section: "3.1.1.11", rfc: "well-formed (multipart body); answer normally", want: []int{405}},
	{name: "unreason", section: "3.1.1.12", rfc: "well-formed response; no transaction: discard", want: nil},
	{name: "noreason", section: "3.1.1.13", rfc: "well-formed response; no transaction: discard", want: nil},
	// §3.1.2 invalid messages
	{name: "badinv01", section: "3.1.2.1", rfc: "400", want: []int{400}},
	{name: "clerr", section: "3.1.2.2", rfc: "over UDP: 400", want: []int{400}},
	{name: "ncl", section: "3.1.2.3", rfc: "an error (400); discard the datagram; over TCP close", want: []int{400}, tcpCloses: true},
	{name: "scalar02", section: "3.1.2.4", rfc: "400 for the CSeq", want: []int{400}, overTCP: true},
	{name: "scalarlg", section: "3.1.2.5", rfc: "response: discard", want: nil, overTCP: true},
	{name: "quotbal", section: "3.1.2.6", rfc: "400", want: []int{400}, overTCP: true},
	{name: "ltgtruri", section: "3.1.2.7", rfc: "400", want: []int{400}},
	{name: "lwsruri", section: "3.1.2.8", rfc: "400", want: []int{400}},
	{name: "lwsstart", section: "3.1.2.9", rfc: "400 (or ignore the extra SP)", want: []int{400, 404}},
	{name: "trws", section: "3.1.2.10", rfc: "400 (or ignore the extra SP)", want: []int{400, 200}, overTCP: true},
	{name: "escruri", section: "3.1.2.11", rfc: "400 (or ignore the escaped headers)", want: []int{400, 404}},
	{name: "baddate", section: "3.1.2.12", rfc: "400, or ignore the Date", want: []int{400, 404}},
	{name: "regbadct", section: "3.1.2.13", rfc: "400 (or infer the <>)", want: []int{400, 401}},
	{name: "badaspec", section: "3.1.2.14", rfc: "400 (or ignore the spaces)", want: []int{400, 200}},
	{name: "baddn", section: "3.1.2.15", rfc: "400 (or infer the quotes)", want: []int{400, 200}},
	{name: "badvers", section: "3.1.2.16", rfc: "505 Version Not Supported", want: []int{505}, overTCP: true},
	{name: "mismatch01", section: "3.1.2.17", rfc: "400", want: []int{400}},
	{name: "mismatch02", section: "3.1.2.18", rfc: "501 (400 acceptable)", want: []int{501, 400}},
	{name: "bigcode", section: "3.1.2.19", rfc: "response code > 699: drop", want: nil},
	// §3.2 transaction layer
	{name: "badbranch", section: "3.2.1", rfc: "400, or fall back to RFC 2543 matching", want: []int{400, 200}},
	// §3.3 application layer
	{name: "insuf", section: "3.3.1", rfc: "400", want: []int{400}},
	{name: "unkscm", section: "3.3.2", rfc: "416 Unsupported URI Scheme", want: []int{416}, overTCP: true},
	{name: "novelsc", section: "3.3.3", rfc: "416 (or 404)", want: []int{416, 404}, overTCP: true},
	{name: "unksm2", section: "3.3.4", rfc: "well-formed; the registrar refuses the non-SIP AOR", want: []int{400, 404, 416}},
	{name: "bext01", section: "3.3.5", rfc: "420 Bad Extension listing the tags in Unsupported", want: []int{420}, check: header("Unsupported", "nothingSupportsThisEither"), overTCP: true},
	{name: "invut", section: "3.3.6", rfc: "415 Unsupported Media Type (with Accept)", want: []int{415}, check: header("Accept", "application/sdp")},
	{name: "regaut01", section: "3.3.7", rfc: "401 with a challenge it understands", want: []int{401}, check: header("WWW-Authenticate", "Digest"), overTCP: true},
	{name: "multi01", section: "3.3.8", rfc: "400", want: []int{400}, overTCP: true},
	{name: "mcl01", section: "3.3.9", rfc: "an error (400); discard the datagram; over TCP close", want: []int{400}, tcpCloses: true},
	{name: "bcast", section: "3.3.10", rfc: "response: discard", want: nil},
	{name: "zeromf", section: "3.3.11", rfc: "endpoint: process as usual (no 483)", want: normalOptions},
	{name: "cparam01", section: "3.3.12", rfc: "the REGISTER succeeds", want: normalRegister},
	{name: "cparam02", section: "3.3.13", rfc: "the REGISTER succeeds", want: normalRegister},
	{name: "regescrt", section: "3.3.14", rfc: "the REGISTER succeeds", want: normalRegister},
	{name: "sdp01", section: "3.3.15", rfc: "406 Not Acceptable", want: []int{406}},
	// §3.4 backward compatibility
	{name: "inv2543", section: "3.4.1", rfc: "accept (RFC 2543 syntax); answer normally", want: normalInvite},
}

// rejectHandler refuses every call, as a dialplan does for an unknown number.
type rejectHandler struct{}

func (rejectHandler) HandleCall(c *InboundCall) { c.Reject(404, "Not Found") }

// startTortureServer runs a server with a registrar on one loopback port, UDP and TCP.
func startTortureServer(t *testing.T) (addr string) {
	t.Helper()
	lo := 23000 + os.Getpid()%400*20
	cfg := Config{Listen: "127.0.0.1:0", Transports: []string{"udp", "tcp"}, Realm: regRealm,
		RTPPorts: &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: lo, Max: lo + 19}}
	reg := NewRegistrar(RegistrarConfig{Realm: regRealm}, testCreds{}, testLogger(t))
	srv, err := NewServer(cfg, reg, rejectHandler{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	select {
	case <-srv.ready:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}
	return srv.Addr().String()
}

// callIDOf is the Call-ID (or i:) of a raw message, "" if it has none.
func callIDOf(msg []byte) string {
	head, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	for _, l := range strings.Split(string(head), "\r\n")[1:] {
		name, val, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		if n := strings.ToLower(strings.TrimSpace(name)); n == "call-id" || n == "i" {
			return strings.TrimSpace(val)
		}
	}
	return ""
}

// probe is an OPTIONS the server must answer 200 after each torture message.
func probe(network, local, id string) []byte {
	return fmt.Appendf(nil, "OPTIONS sip:hotline@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/%s %s;branch=z9hG4bK-probe-%s\r\n"+
		"From: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:hotline@127.0.0.1>\r\nCall-ID: probe-%s\r\nCSeq: 1 OPTIONS\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", strings.ToUpper(network), local, id, id)
}

// tortureDial connects to the server. Over UDP the socket is bound to port 5060 of a loopback
// address of its own: the torture messages' Via names no port (or 5060) and most no rport, so
// the server answers, as RFC 3261 §18.2.2 says, at the source address and port 5060.
func tortureDial(t *testing.T, network, addr string) net.Conn {
	t.Helper()
	if network == "tcp" {
		// From port 5060 too: sipgo sends a TCP answer to the source address at the Via's port
		// (5060 when none), on the connection it finds there, not on the one the request came on.
		for i := range 50 {
			n := (os.Getpid()*64 + 32 + i) % (1 << 16)
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 46, byte(n>>8), byte(n)|1), Port: 5060}}
			if c, err := d.Dial("tcp", addr); err == nil {
				return c
			}
		}
		t.Fatal("no free loopback address for port 5060")
	}
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		n := (os.Getpid()*64 + i) % (1 << 16)
		local := &net.UDPAddr{IP: net.IPv4(127, 45, byte(n>>8), byte(n)|1), Port: 5060}
		c, err := net.DialUDP("udp", local, raddr)
		if err == nil {
			return c
		}
	}
	t.Fatal("no free loopback address for port 5060")
	return nil
}

// tortureConn is one client socket: a datagram socket, or a TCP stream read message by message.
type tortureConn struct {
	c net.Conn
	r *bufio.Reader
}

func (tc *tortureConn) read() (*answer, error) {
	_ = tc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var raw []byte
	if tc.r == nil {
		buf := make([]byte, 65536)
		n, err := tc.c.Read(buf)
		if err != nil {
			return nil, err
		}
		raw = buf[:n]
	} else {
		length := 0
		for {
			line, err := tc.r.ReadBytes('\n')
			if err != nil {
				return nil, err
			}
			raw = append(raw, line...)
			s := strings.TrimSpace(string(line))
			if s == "" {
				break
			}
			if name, val, ok := strings.Cut(s, ":"); ok && (strings.EqualFold(name, "content-length") || strings.EqualFold(name, "l")) {
				length, _ = strconv.Atoi(strings.TrimSpace(val))
			}
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(tc.r, body); err != nil {
			return nil, err
		}
		raw = append(raw, body...)
	}
	a, err := parseAnswer(raw)
	if err != nil {
		return nil, fmt.Errorf("%w in what came back:\n%s", err, raw)
	}
	return a, nil
}

// tortureRun sends one message and returns the final answer to it ("" when it got none) and
// whether the server answered the probe after it; failures go to t.
func tortureRun(t *testing.T, network, addr string, tc tortureCase, msg []byte) (result string) {
	t.Helper()
	c := tortureDial(t, network, addr)
	defer c.Close()
	conn := &tortureConn{c: c}
	if network == "tcp" {
		conn.r = bufio.NewReader(c)
	}
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	id := callIDOf(msg)
	probeID := tc.name + "-" + network
	if tc.want == nil {
		// Dropped: the probe sent after it is the first thing answered.
		if _, err := c.Write(probe(network, c.LocalAddr().String(), probeID)); err != nil {
			t.Fatal(err)
		}
	}
	var final *answer
	for {
		res, err := conn.read()
		if err != nil {
			t.Fatalf("%s over %s: %v", tc.name, network, err)
		}
		if res.code < 200 {
			continue
		}
		rid := res.headers["call-id"]
		if rid == "probe-"+probeID {
			break // the probe's answer: nothing came for the message
		}
		if id != "" && rid != id && !strings.HasPrefix(rid, id+",") {
			t.Fatalf("%s over %s: answer for Call-ID %q, want %q:\n%s", tc.name, network, rid, id, res.raw)
		}
		final = res
		break
	}
	result = "no answer"
	if final != nil {
		result = final.String()
	}
	switch {
	case tc.want == nil && final != nil:
		t.Errorf("%s over %s: answered %s, want it dropped", tc.name, network, result)
	case tc.want != nil && final == nil:
		t.Errorf("%s over %s: no answer, want %v", tc.name, network, tc.want)
	case final != nil && !slices.Contains(tc.want, final.code):
		t.Errorf("%s over %s: answered %s, want %v", tc.name, network, result, tc.want)
	case final != nil && tc.check != nil:
		if why := tc.check(final); why != "" {
			t.Errorf("%s over %s: %s", tc.name, network, why)
		}
	}
	if network == "tcp" && tc.tcpCloses {
		if _, err := conn.read(); err == nil {
			t.Errorf("%s over tcp: the connection stays open after a framing error", tc.name)
		}
		return result + ", closed"
	}
	if tc.want != nil {
		// Still serving: the probe is answered.
		if _, err := c.Write(probe(network, c.LocalAddr().String(), probeID)); err != nil {
			t.Fatal(err)
		}
		for {
			res, err := conn.read()
			if err != nil {
				t.Fatalf("probe after %s over %s: %v", tc.name, network, err)
			}
			if res.code < 200 || res.headers["call-id"] != "probe-"+probeID {
				continue // the INVITE's final answer retransmitted, say
			}
			if res.code != 200 {
				t.Errorf("probe after %s over %s: %s", tc.name, network, res)
			}
			break
		}
	}
	return result
}

// TestRFC4475Torture sends every RFC 4475 torture message to a real server over UDP (longreq
// excepted), and some over TCP too (the screening's refusals, the framing errors ncl and mcl01,
// longreq), and checks the answer against what the RFC asks of an endpoint; after each the
// server must still answer OPTIONS. The answers are tabled in testdata/rfc4475/README.md
// (-update-torture rewrites the table; otherwise the test fails when it is out of date).
func TestRFC4475Torture(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets")
	}
	var table strings.Builder
	table.WriteString("| message | RFC 4475 | expects | hotline over UDP | hotline over TCP |\n|---|---|---|---|---|\n")
	for _, tc := range tortureCases {
		msg, err := os.ReadFile(filepath.Join("testdata", "rfc4475", tc.name+".dat"))
		if err != nil {
			t.Fatal(err)
		}
		answer, tcpAnswer := "-", ""
		t.Run(tc.name, func(t *testing.T) {
			// A server of its own: several messages share a Via branch and sent-by, which
			// would make one a retransmission of another within a transaction's lifetime.
			addr := startTortureServer(t)
			if !tc.tcp {
				answer = tortureRun(t, "udp", addr, tc, msg)
			}
			tcpAnswer = "-"
			if tc.tcp || tc.tcpCloses || tc.overTCP {
				// A server of its own again: over UDP the message began a transaction the TCP
				// copy would be a retransmission of.
				tcpAnswer = tortureRun(t, "tcp", startTortureServer(t), tc, msg)
				if want := answer + ", closed"; !tc.tcp && tcpAnswer != answer && !(tc.tcpCloses && tcpAnswer == want) {
					t.Errorf("%s: over TCP %q, over UDP %q", tc.name, tcpAnswer, answer)
				}
			}
		})
		fmt.Fprintf(&table, "| %s | §%s | %s | %s | %s |\n", tc.name, tc.section, tc.rfc, answer, tcpAnswer)
	}
	checkTortureTable(t, table.String())
}

const tableStart, tableEnd = "<!-- torture table: start -->\n", "<!-- torture table: end -->\n"

func checkTortureTable(t *testing.T, table string) {
	path := filepath.Join("testdata", "rfc4475", "README.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(doc), tableStart)
	old, after, ok2 := strings.Cut(rest, tableEnd)
	if !ok1 || !ok2 {
		t.Fatalf("%s: no table markers", path)
	}
	if old == table {
		return
	}
	if *updateTorture {
		if err := os.WriteFile(path, []byte(before+tableStart+table+tableEnd+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date (go test ./sip -run TestRFC4475Torture -update-torture):\n%s", path, table)
}

package sip

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/tlscert/tlscerttest"
)

// optionsOn sends OPTIONS From sip:probe@<fromHost> on c (a stream: TCP or TLS) and returns the response.
func optionsOn(t *testing.T, c net.Conn, transport, fromHost string) *gsip.Response {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	local, remote := c.LocalAddr().String(), c.RemoteAddr().String()
	req := fmt.Sprintf("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/%s %s;branch=z9hG4bK-%d\r\nFrom: <sip:probe@%s>;tag=p1\r\n"+
		"To: <sip:%s>\r\nCall-ID: options-%d\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		remote, transport, local, time.Now().UnixNano(), fromHost, remote, time.Now().UnixNano())
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			t.Fatalf("OPTIONS over %s: %v after %q", transport, err, raw)
		}
		raw = append(raw, line...)
		if strings.TrimSpace(string(line)) == "" {
			break
		}
	}
	m, err := gsip.ParseMessage(raw)
	if err != nil {
		t.Fatalf("OPTIONS over %s: %v\n%s", transport, err, raw)
	}
	res, ok := m.(*gsip.Response)
	if !ok {
		t.Fatalf("OPTIONS over %s: got a request back", transport)
	}
	return res
}

// TestServeTLSAndTrunkCertificates: Serve opens the TLS listener beside UDP and TCP, presents the
// configured certificate, answers phones without a client certificate, and refuses a request that
// claims to be a trunk requiring one unless it came over TLS with a certificate of the trunk's CA.
func TestServeTLSAndTrunkCertificates(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets")
	}
	ca := tlscerttest.NewCA(t, "hotline test CA")
	server := ca.Issue(t, "hotline.test", "127.0.0.1").TLS(t)
	carrierCA := tlscerttest.NewCA(t, "carrier CA")
	roots := x509.NewCertPool()
	roots.AddCert(carrierCA.Cert)
	srv, err := NewServer(Config{Listen: "127.0.0.1:0", Transports: []string{"udp", "tcp"}, Secure: &SecureConfig{
		TLS:       &tls.Config{Certificates: []tls.Certificate{server}},
		TLSListen: "127.0.0.1:0",
		Trunks:    []TrunkTLS{{Name: "carrier", Domains: []string{"sip.carrier.test"}, Roots: roots, Subject: "edge.carrier.test"}},
	}}, nil, lateHandler{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	select {
	case <-srv.ready:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}
	tlsAddr := srv.SecureAddr("TLS")
	if !tlsAddr.IsValid() || tlsAddr.Port() == srv.Addr().Port() {
		t.Fatalf("TLS addr = %s (plain %s): want its own port", tlsAddr, srv.Addr())
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	dial := func(certs ...tls.Certificate) *tls.Conn {
		c, err := tls.Dial("tcp", tlsAddr.String(), &tls.Config{RootCAs: pool, ServerName: "hotline.test", Certificates: certs})
		if err != nil {
			t.Fatalf("tls dial: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	phone := dial()
	if got := phone.ConnectionState().PeerCertificates[0].Subject.CommonName; got != "hotline.test" {
		t.Errorf("server certificate CN = %q", got)
	}
	if res := optionsOn(t, phone, "TLS", "127.0.0.1"); res.StatusCode != 200 {
		t.Errorf("phone over TLS: %d %s, want 200", res.StatusCode, res.Reason)
	}
	if res := optionsOn(t, dial(), "TLS", "sip.carrier.test"); res.StatusCode != 403 {
		t.Errorf("trunk over TLS without a certificate: %d %s, want 403", res.StatusCode, res.Reason)
	}
	good := carrierCA.Issue(t, "edge.carrier.test").TLS(t)
	if res := optionsOn(t, dial(good), "TLS", "sip.carrier.test"); res.StatusCode != 200 {
		t.Errorf("trunk with its certificate: %d %s, want 200", res.StatusCode, res.Reason)
	}
	wrongName := carrierCA.Issue(t, "other.carrier.test").TLS(t)
	if res := optionsOn(t, dial(wrongName), "TLS", "sip.carrier.test"); res.StatusCode != 403 {
		t.Errorf("trunk with another subject: %d %s, want 403", res.StatusCode, res.Reason)
	}
	otherCA := tlscerttest.NewCA(t, "someone").Issue(t, "edge.carrier.test").TLS(t)
	if res := optionsOn(t, dial(otherCA), "TLS", "sip.carrier.test"); res.StatusCode != 403 {
		t.Errorf("trunk with a certificate of another CA: %d %s, want 403", res.StatusCode, res.Reason)
	}
	plain, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if res := optionsOn(t, plain, "TCP", "sip.carrier.test"); res.StatusCode != 403 {
		t.Errorf("trunk over plain TCP: %d %s, want 403", res.StatusCode, res.Reason)
	}
	if res := optionsOn(t, plain, "TCP", "127.0.0.1"); res.StatusCode != 200 {
		t.Errorf("phone over TCP: %d %s, want 200", res.StatusCode, res.Reason)
	}
}

// TestTrunkFingerprint: a pinned fingerprint accepts that certificate and no other.
func TestTrunkFingerprint(t *testing.T) {
	ca := tlscerttest.NewCA(t, "self")
	pinned := ca.Issue(t, "pbx")
	other := ca.Issue(t, "pbx")
	sum := sha256Of(pinned.Cert.Raw)
	tr := TrunkTLS{Name: "pbx", Domains: []string{"pbx.test"}, Fingerprint: sum}
	req := gsip.NewRequest(gsip.OPTIONS, gsip.Uri{Scheme: "sip", Host: "127.0.0.1"})
	req.SetTransport("TLS")
	if err := tr.verify(req, []*x509.Certificate{pinned.Cert}); err != nil {
		t.Errorf("pinned certificate refused: %v", err)
	}
	if err := tr.verify(req, []*x509.Certificate{other.Cert}); err == nil {
		t.Error("another certificate accepted")
	}
	req.SetTransport("UDP")
	if err := tr.verify(req, []*x509.Certificate{pinned.Cert}); err == nil {
		t.Error("accepted over UDP")
	}
}

func sha256Of(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// answerHandler answers every call and hangs up at once.
type answerHandler struct{}

func (answerHandler) HandleCall(c *InboundCall) { _ = c.Answer() }

// TestTLSContactFollowsRequestURI: an INVITE over TLS to a sips: URI is answered with a sips: Contact
// (RFC 3261 12.1.1), one to a sip: URI with sip:…;transport=tls; both at the TLS port, with Via intact.
func TestTLSContactFollowsRequestURI(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets")
	}
	ca := tlscerttest.NewCA(t, "hotline test CA")
	server := ca.Issue(t, "hotline.test", "127.0.0.1").TLS(t)
	srv, err := NewServer(Config{Listen: "127.0.0.1:0", Transports: []string{"udp"}, RTPPorts: &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 41000, Max: 41999},
		Secure: &SecureConfig{TLS: &tls.Config{Certificates: []tls.Certificate{server}}, TLSListen: "127.0.0.1:0"}}, nil, answerHandler{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	<-srv.ready
	addr := srv.SecureAddr("TLS")
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	for scheme, want := range map[string]string{
		"sips": fmt.Sprintf("<sips:hotline@127.0.0.1:%d>", addr.Port()),
		"sip":  fmt.Sprintf("<sip:hotline@127.0.0.1:%d;transport=tls>", addr.Port()),
	} {
		c, err := tls.Dial("tcp", addr.String(), &tls.Config{RootCAs: pool, ServerName: "hotline.test"})
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		sdp := OfferSDP(net.IPv4(127, 0, 0, 1), 42000)
		local := c.LocalAddr().String()
		inv := fmt.Sprintf("INVITE %s:2000@%s SIP/2.0\r\nVia: SIP/2.0/TLS %s;branch=z9hG4bK-%s\r\nFrom: <%s:caller@127.0.0.1>;tag=c1\r\n"+
			"To: <%s:2000@%s>\r\nCall-ID: contact-%s\r\nCSeq: 1 INVITE\r\nContact: <%s:caller@%s;transport=tls>\r\nMax-Forwards: 70\r\n"+
			"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
			scheme, addr, local, scheme, scheme, scheme, addr, scheme, scheme, local, len(sdp), sdp)
		if _, err := c.Write([]byte(inv)); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		var contact, status string
		for status != "SIP/2.0 200 OK" {
			head, err := readHead(r)
			if err != nil {
				t.Fatalf("%s: reading responses: %v", scheme, err)
			}
			lines := strings.Split(head, "\r\n")
			status = lines[0]
			for _, l := range lines {
				if v, ok := strings.CutPrefix(l, "Contact: "); ok {
					contact = v
				}
			}
		}
		if contact != want {
			t.Errorf("INVITE to a %s: URI over TLS: 200 OK Contact %q, want %q", scheme, contact, want)
		}
		c.Close()
	}
}

// readHead reads one message's start line and headers, and skips its body.
func readHead(r *bufio.Reader) (string, error) {
	var b strings.Builder
	n := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return b.String(), err
		}
		if strings.TrimSpace(line) == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		}
		b.WriteString(line)
	}
	if _, err := r.Discard(n); err != nil {
		return "", err
	}
	return strings.TrimRight(b.String(), "\r\n"), nil
}

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/tlscert/tlscerttest"
)

// serverCert is the server's test certificate: its CA, and the files.
type serverCert struct {
	CA                        *tlscerttest.CA
	CAFile, CertFile, KeyFile string
}

// tlsServer starts hotline with SIP over TLS (and WSS when wss is set) on ports the system picks,
// with a certificate of a test CA for 127.0.0.1 and hotline.test. It returns the server, its
// certificate and the TLS (and WSS) ports.
func tlsServer(t *testing.T, opt ServerOptions, wss bool) (srv *Server, cert serverCert, tlsPort, wssPort int) {
	t.Helper()
	dir := t.TempDir()
	cert.CA = tlscerttest.NewCA(t, "hotline e2e CA")
	cert.CertFile, cert.KeyFile = cert.CA.Issue(t, "hotline.test", "127.0.0.1", "localhost").Write(t, dir, "server")
	cert.CAFile = cert.CA.WriteCA(t, dir, "ca")
	opt.SIP = fmt.Sprintf("  tls:\n    listen: 127.0.0.1:0\n    cert: %s\n    key: %s\n", cert.CertFile, cert.KeyFile)
	if wss {
		opt.SIP += "  wss:\n    listen: 127.0.0.1:0\n"
	}
	srv = StartServer(t, opt)
	tlsPort = listeningPort(t, srv, "tls")
	if wss {
		wssPort = listeningPort(t, srv, "wss")
	}
	return srv, cert, tlsPort, wssPort
}

// listeningPort is the port the server's log says transport listens on.
func listeningPort(t *testing.T, srv *Server, transport string) int {
	t.Helper()
	re := regexp.MustCompile(`msg="sip listening" transport=` + transport + ` addr=127\.0\.0\.1:(\d+)`)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(srv.Log()); m != nil {
			p, _ := strconv.Atoi(m[1])
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server log names no %s listener:\n%s", transport, srv.Log())
	return 0
}

// capture runs tcpdump on loopback for filter until the returned function is called; that
// returns the raw capture.
func capture(t *testing.T, filter string) (stop func() []byte) {
	t.Helper()
	bin, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Skip("tcpdump not installed (apt-get install tcpdump)")
	}
	file := filepath.Join(t.TempDir(), "lo.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, bin, "-i", "lo", "-U", "-s", "0", "-w", file, filter)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("tcpdump: %v", err)
	}
	// tcpdump says "listening on lo" once it captures.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(stderr.String(), "listening on") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), "listening on") {
		cancel()
		t.Skipf("tcpdump cannot capture on lo here: %s", stderr.String())
	}
	done := false
	stop = func() []byte {
		if !done {
			done = true
			time.Sleep(300 * time.Millisecond) // the last packets
			_ = cmd.Process.Signal(os.Interrupt)
			_ = cmd.Wait()
			cancel()
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("capture: %v (%s)", err, stderr.String())
		}
		return b
	}
	t.Cleanup(func() { stop() })
	return stop
}

// plaintextSIP lists the SIP start lines and headers found in a capture.
func plaintextSIP(pcap []byte) []string {
	var found []string
	for _, s := range []string{"INVITE sip:", "REGISTER sip:", "SIP/2.0 200", "SIP/2.0 401", "SIP/2.0 100", "BYE sip:", "ACK sip:", "Call-ID:", "m=audio"} {
		if bytes.Contains(pcap, []byte(s)) {
			found = append(found, s)
		}
	}
	return found
}

// TestTLSAgentCall: an agent's baresip registers over TLS (digest auth), a caller's baresip calls the
// hotline over TLS, the call reaches the agent over the agent's own TLS connection, and each hears
// the other's tone. A capture of the TLS port for the whole time holds TLS records and no plaintext
// SIP.
func TestTLSAgentCall(t *testing.T) {
	srv, cert, tlsPort, _ := tlsServer(t, ServerOptions{Dialplan: testDialplan}, false)
	if !strings.Contains(srv.Log(), `msg="sip tls certificate"`) || !strings.Contains(srv.Log(), "sha256=") {
		t.Fatalf("startup log does not describe the certificate:\n%s", srv.Log())
	}
	stop := capture(t, fmt.Sprintf("tcp port %d", tlsPort))
	tlsAddr := fmt.Sprintf("127.0.0.1:%d", tlsPort)
	tlsPhone := []string{"sip_cafile " + cert.CAFile}

	agent := peers.StartPhone(t, peers.PhoneConfig{
		User: "alice", Password: "alice-demo", Registrar: tlsAddr, Transport: "tls", AutoAnswer: true,
		PlayWAV: toneWAV(t, t.TempDir(), agentTone), MaxCallSeconds: 60, ExtraConfig: tlsPhone,
	})
	if err := agent.WaitRegistered(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatalf("alice did not register over TLS: %v\n%s", err, agent.LogTail(40))
	}
	if !srv.WaitLog(" user=alice contact=", 5*time.Second) {
		t.Fatal("server did not log alice's registration")
	}
	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13800000000", Transport: "tls",
		PlayWAV: toneWAV(t, t.TempDir(), callerTone), MaxCallSeconds: 60, ExtraConfig: tlsPhone})
	if err := caller.Dial("sip:2000@" + tlsAddr); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("agent: call not established: %v\n%s", err, agent.LogTail(40))
	}
	if _, err := caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("caller: call not established: %v\n%s", err, caller.LogTail(40))
	}
	time.Sleep(3 * time.Second) // talk
	if err := caller.Hangup(); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("agent was not released after the caller hung up (BYE over TLS): %v", err)
	}
	caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallClosed)
	assertHears(t, "agent", agent.RecordedWAV(), callerTone)
	assertHears(t, "caller", caller.RecordedWAV(), agentTone)

	c := srv.WaitCalls(t, 1, 10*time.Second)[0]
	if c.Disposition != "answered" || c.Agent != "alice" || c.HangupBy != "caller" {
		t.Fatalf("call record = disposition %q agent %q hangup_by %q", c.Disposition, c.Agent, c.HangupBy)
	}
	pcap := stop()
	// A TLS handshake record (content type 22, version 3.x) proves the capture saw the traffic.
	if len(pcap) < 4096 || !bytes.Contains(pcap, []byte{0x16, 0x03}) {
		t.Fatalf("capture of port %d holds %d bytes and no TLS handshake: it did not see the call", tlsPort, len(pcap))
	}
	if found := plaintextSIP(pcap); len(found) > 0 {
		t.Fatalf("plaintext SIP on the TLS port: %q", found)
	}
	t.Logf("capture: %d bytes on port %d, no plaintext SIP", len(pcap), tlsPort)
}

// tlsOptions sends OPTIONS From sip:probe@<fromHost> over c and returns the response's status line.
func tlsOptions(t *testing.T, c *tls.Conn, fromHost string) string {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	local, remote := c.LocalAddr().String(), c.RemoteAddr().String()
	n := time.Now().UnixNano()
	req := fmt.Sprintf("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/TLS %s;branch=z9hG4bK-%d\r\nFrom: <sip:probe@%s>;tag=p1\r\n"+
		"To: <sip:%s>\r\nCall-ID: tls-options-%d\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		remote, local, n, fromHost, remote, n)
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("OPTIONS over TLS: %v", err)
	}
	return strings.TrimSpace(line)
}

// TestTLSTrunkCertificateAndReload runs the server with a trunk that must show a client certificate
// of its CA: over TLS without one, or with another CA's, its requests get 403, with one 200; a phone
// needs none. Then the server's certificate file is replaced while it runs, and the next handshake
// presents the new certificate while a connection opened before keeps working.
func TestTLSTrunkCertificateAndReload(t *testing.T) {
	dir := t.TempDir()
	trunkCA := tlscerttest.NewCA(t, "carrier CA")
	caFile := trunkCA.WriteCA(t, dir, "carrier-ca")
	srv, cert, tlsPort, _ := tlsServer(t, ServerOptions{Dialplan: testDialplan, Extra: fmt.Sprintf(`trunks:
  carrier:
    tls:
      domains: [sip.carrier.test]
      client_ca: %s
      subject: edge.carrier.test
`, caFile)}, false)
	if !srv.WaitLog(`msg="sip trunk requires a client certificate" trunk=carrier`, 5*time.Second) {
		t.Fatalf("startup log does not name the trunk's certificate rule:\n%s", srv.Log())
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert.CA.Cert)
	addr := fmt.Sprintf("127.0.0.1:%d", tlsPort)
	dial := func(certs ...tls.Certificate) *tls.Conn {
		t.Helper()
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "hotline.test", Certificates: certs})
		if err != nil {
			t.Fatalf("tls dial %s: %v", addr, err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	good := trunkCA.Issue(t, "edge.carrier.test").TLS(t)
	stranger := tlscerttest.NewCA(t, "someone else").Issue(t, "edge.carrier.test").TLS(t)
	for _, tc := range []struct {
		name string
		conn *tls.Conn
		from string
		want string
	}{
		{"phone without a certificate", dial(), "127.0.0.1", "SIP/2.0 200"},
		{"trunk without a certificate", dial(), "sip.carrier.test", "SIP/2.0 403"},
		{"trunk with another CA's certificate", dial(stranger), "sip.carrier.test", "SIP/2.0 403"},
		{"trunk with its certificate", dial(good), "sip.carrier.test", "SIP/2.0 200"},
	} {
		if got := tlsOptions(t, tc.conn, tc.from); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want %s", tc.name, got, tc.want)
		}
	}
	if !strings.Contains(srv.Log(), "trunk without its client certificate") {
		t.Errorf("refusals not logged")
	}

	// Replace the server's certificate (same CA, new serial) the way a renewer does.
	before := dial()
	oldSerial := before.ConnectionState().PeerCertificates[0].SerialNumber
	next := cert.CA.Issue(t, "hotline.test", "127.0.0.1", "localhost")
	next.Write(t, filepath.Dir(cert.CertFile), "server")
	renewed := next.Cert.SerialNumber
	future := time.Now().Add(2 * time.Second) // past the file system's timestamp granularity
	for _, f := range []string{cert.CertFile, cert.KeyFile} {
		if err := os.Chtimes(f, future, future); err != nil {
			t.Fatal(err)
		}
	}
	after := dial()
	if got := after.ConnectionState().PeerCertificates[0].SerialNumber; got.Cmp(renewed) != 0 || got.Cmp(oldSerial) == 0 {
		t.Fatalf("after the replace the server presents serial %v, want the new %v (old %v)", got, renewed, oldSerial)
	}
	if got := tlsOptions(t, before, "127.0.0.1"); !strings.HasPrefix(got, "SIP/2.0 200") {
		t.Errorf("connection from before the reload: %q", got)
	}
	if !srv.WaitLog(`msg="tls certificate reloaded"`, 5*time.Second) {
		t.Error("reload not logged")
	}
}

package sip

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	gsip "github.com/emiago/sipgo/sip"
)

// options sends an OPTIONS request to addr over network ("udp" or "tcp") and returns the response.
func options(t *testing.T, network string, addr string) *gsip.Response {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	local := c.LocalAddr().String()
	req := fmt.Sprintf("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/%s %s;branch=z9hG4bK-opt-%s\r\nFrom: <sip:probe@%s>;tag=p1\r\n"+
		"To: <sip:%s>\r\nCall-ID: options-%s-%s\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		addr, strings.ToUpper(network), local, network, local, addr, network, local)
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	if network == "udp" {
		buf := make([]byte, 8192)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("OPTIONS over udp: %v", err)
		}
		raw = buf[:n]
	} else {
		// A stream: the head, up to the blank line (the response has no body).
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				t.Fatalf("OPTIONS over tcp: %v after %q", err, raw)
			}
			raw = append(raw, line...)
			if len(line) <= 2 && strings.TrimSpace(string(line)) == "" {
				break
			}
		}
	}
	m, err := gsip.ParseMessage(raw)
	if err != nil {
		t.Fatalf("OPTIONS over %s: %v\n%s", network, err, raw)
	}
	res, ok := m.(*gsip.Response)
	if !ok {
		t.Fatalf("OPTIONS over %s: got a request back", network)
	}
	return res
}

// TestServeOnePort: Serve on port 0 binds UDP and TCP on one free port, answers on both, names it in
// Addr, and closes both when its context ends.
func TestServeOnePort(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets")
	}
	srv, err := NewServer(Config{Listen: "127.0.0.1:0", Transports: []string{"udp", "tcp"}}, nil, lateHandler{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if a := srv.Addr(); a.IsValid() {
		t.Errorf("Addr before serving = %s, want none", a)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	served := false
	defer func() {
		if !served {
			cancel()
			<-done
		}
	}()
	select {
	case <-srv.ready:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}
	addr := srv.Addr()
	if addr.Port() == 0 || addr.Addr().String() != "127.0.0.1" {
		t.Fatalf("Addr = %s, want 127.0.0.1 and the port bound", addr)
	}
	for _, network := range []string{"udp", "tcp"} {
		if res := options(t, network, addr.String()); res.StatusCode != 200 {
			t.Errorf("OPTIONS over %s to %s: %d %s", network, addr, res.StatusCode, res.Reason)
		}
	}

	cancel()
	served = true
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after its context ended: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return when its context ended")
	}
	// Both listeners are closed: their port is free again.
	u, err := net.ListenPacket("udp", addr.String())
	if err != nil {
		t.Errorf("the UDP port is still held after Serve returned: %v", err)
	} else {
		u.Close()
	}
	l, err := net.Listen("tcp", addr.String())
	if err != nil {
		t.Errorf("the TCP port is still held after Serve returned: %v", err)
	} else {
		l.Close()
	}
	again, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if err := srv.ServeUDP(context.Background(), again); !errors.Is(err, ErrServerStopped) {
		t.Errorf("serving again after the server stopped: %v, want ErrServerStopped", err)
	}
}

// TestServeTCPOnTheServersPort: every transport serves on the port the first one fixed; a listener
// on another port is refused, one on the same port serves.
func TestServeTCPOnTheServersPort(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets")
	}
	srv, udpAddr := startTestServer(t, lateHandler{}, 45000)
	other, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := srv.ServeTCP(context.Background(), other); err == nil || !strings.Contains(err.Error(), "port") {
		t.Errorf("ServeTCP on another port than the server's: %v, want an error", err)
	}
	same, err := net.Listen("tcp", udpAddr.String())
	if err != nil {
		t.Skipf("the server's port is taken for TCP by another process: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeTCP(ctx, same) }()
	if res := options(t, "tcp", udpAddr.String()); res.StatusCode != 200 {
		t.Errorf("OPTIONS over tcp: %d %s", res.StatusCode, res.Reason)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ServeTCP: %v", err)
	}
	// The UDP serve call still runs: the server did not stop with the TCP one.
	if res := options(t, "udp", udpAddr.String()); res.StatusCode != 200 {
		t.Errorf("OPTIONS over udp after the TCP listener ended: %d %s", res.StatusCode, res.Reason)
	}
}

// TestBindSamePort: on port 0, TCP follows the port UDP got; when TCP's is taken, both are bound
// again, a few times; any other failure, or a configured port, is not retried.
func TestBindSamePort(t *testing.T) {
	var udps []net.PacketConn
	taken := func(n int) func(string) (net.Listener, error) {
		return func(addr string) (net.Listener, error) {
			if n > 0 {
				n--
				return nil, &net.OpError{Op: "listen", Net: "tcp", Err: &osErr{syscall.EADDRINUSE}}
			}
			return net.Listen("tcp", addr)
		}
	}
	b := binder{udp: func(addr string) (net.PacketConn, error) {
		c, err := net.ListenPacket("udp", addr)
		if err == nil {
			udps = append(udps, c)
		}
		return c, err
	}}

	b.tcp = taken(2)
	pc, l, err := b.bind("127.0.0.1:0", true, true)
	if err != nil {
		t.Fatalf("bind with TCP's port taken twice: %v", err)
	}
	if len(udps) != 3 {
		t.Errorf("%d UDP binds, want 3", len(udps))
	}
	for _, c := range udps[:len(udps)-1] {
		if _, err := c.WriteTo([]byte("x"), pc.LocalAddr()); err == nil {
			t.Errorf("the UDP socket %s of a failed try is still open", c.LocalAddr())
		}
	}
	if pc.LocalAddr().String() != l.Addr().String() {
		t.Errorf("UDP on %s, TCP on %s: want one port", pc.LocalAddr(), l.Addr())
	}
	pc.Close()
	l.Close()

	udps = nil
	b.tcp = taken(portTries)
	if _, _, err := b.bind("127.0.0.1:0", true, true); !errors.Is(err, syscall.EADDRINUSE) || len(udps) != portTries {
		t.Errorf("TCP's port always taken: %v after %d tries, want EADDRINUSE after %d", err, len(udps), portTries)
	}

	udps = nil
	b.tcp = func(string) (net.Listener, error) { return nil, errors.New("no tcp here") }
	if _, _, err := b.bind("127.0.0.1:0", true, true); err == nil || len(udps) != 1 {
		t.Errorf("another TCP failure: %v after %d tries, want it at once", err, len(udps))
	}

	// A configured port is bound as it is (here the UDP socket only stands in for it).
	udps = nil
	b.tcp = taken(1)
	anyUDP := b.udp
	b.udp = func(string) (net.PacketConn, error) { return anyUDP("127.0.0.1:0") }
	if _, _, err := b.bind("127.0.0.1:5060", true, true); !errors.Is(err, syscall.EADDRINUSE) || len(udps) != 1 {
		t.Errorf("a configured port whose TCP is taken: %v after %d tries, want EADDRINUSE at once", err, len(udps))
	}

	// TCP alone on port 0.
	b.tcp = taken(0)
	pc, l, err = b.bind("127.0.0.1:0", false, true)
	if err != nil || pc != nil || l == nil {
		t.Fatalf("TCP only: %v, %v, %v", pc, l, err)
	}
	l.Close()
}

// osErr is the os.SyscallError a taken port comes wrapped in.
type osErr struct{ errno syscall.Errno }

func (e *osErr) Error() string { return "bind: " + e.errno.Error() }
func (e *osErr) Unwrap() error { return e.errno }

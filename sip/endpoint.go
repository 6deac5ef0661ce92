package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/emiago/sipgo"
	gsip "github.com/emiago/sipgo/sip"
)

// Serving. The server serves SIP on connections: Serve opens the configured ones (Config.Listen,
// Config.Transports), ServeUDP and ServeTCP take ones the caller opened (tests bind loopback port 0
// and hand the socket over). Every transport serves on one port, because Contact and Via name one:
// the server's endpoint, fixed by the first connection it serves on, is AdvertiseIP and that port.
// The server keeps serving while any serve call runs; when the last returns, the SIP stack stops
// and the server cannot serve again.

// ErrServerStopped is returned by a serve call on a server that has stopped.
var ErrServerStopped = errors.New("sip: server stopped")

// errNotServing: an outbound call needs the server's endpoint (its Contact and Via).
var errNotServing = errors.New("sip: the server is not serving yet")

// endpoint is the server as the far ends reach it: the address its Contact and Via name, and the
// dialog caches whose requests and responses carry it.
type endpoint struct {
	addr    netip.AddrPort
	contact gsip.ContactHeader
	sips    gsip.ContactHeader // secure transports: the Contact in dialogs of sips: URIs (secure.go)
	dsc     serverDialogs
	dcc     clientDialogs
}

// serverDialogs and clientDialogs are what the server uses of sipgo's dialog caches; the secure
// transports have their own (secure.go).
type serverDialogs interface {
	ReadInvite(*gsip.Request, gsip.ServerTransaction) (*sipgo.DialogServerSession, error)
	ReadAck(*gsip.Request, gsip.ServerTransaction) error
	ReadBye(*gsip.Request, gsip.ServerTransaction) error
}

type clientDialogs interface {
	WriteInvite(context.Context, *gsip.Request) (*sipgo.DialogClientSession, error)
	MatchRequestDialog(*gsip.Request) (*sipgo.DialogClientSession, error)
	ReadBye(*gsip.Request, gsip.ServerTransaction) error
}

// lifetime counts the serve calls in progress.
type lifetime struct {
	mu         sync.Mutex
	n          int
	stopped    bool
	stopExpire context.CancelFunc
}

// Addr is where the server is reached: AdvertiseIP and the port it serves on, as its Contact and
// Via headers name them. It is the zero AddrPort until the server serves.
func (s *Server) Addr() netip.AddrPort {
	if ep := s.ep.Load(); ep != nil {
		return ep.addr
	}
	return netip.AddrPort{}
}

// Serve opens a listener for every configured transport on Config.Listen and serves on them until
// ctx is done (then it returns nil) or one of them fails. With port 0, UDP is bound first and TCP
// on the port UDP got; when TCP's is taken, both are bound again on another.
func (s *Server) Serve(ctx context.Context) error {
	if s.cfg.Listen == "" {
		return errors.New("sip: no listen address")
	}
	var udp, tcp bool
	for _, t := range s.cfg.Transports {
		switch t := strings.ToLower(t); t {
		case "udp":
			udp = true
		case "tcp":
			tcp = true
		default:
			return fmt.Errorf("sip transport %q is not supported (use udp or tcp)", t)
		}
	}
	pc, l, err := netBinder.bind(s.cfg.Listen, udp, tcp)
	if err != nil {
		return err
	}
	secure, err := s.listenSecure()
	if err != nil {
		if pc != nil {
			pc.Close()
		}
		if l != nil {
			l.Close()
		}
		return err
	}

	var port int
	if pc != nil {
		port, err = portOf(pc.LocalAddr())
	} else {
		port, err = portOf(l.Addr())
	}
	ports := map[string]int{}
	for tr, sl := range secure {
		if err == nil {
			ports[tr], err = portOf(sl.Addr())
		}
	}
	if err == nil {
		err = s.beginWith(port, ports)
	}
	if err == nil {
		for range 1 + len(secure) {
			defer s.end()
		}
	}
	if err != nil {
		if pc != nil {
			pc.Close()
		}
		if l != nil {
			l.Close()
		}
		for _, sl := range secure {
			sl.Close()
		}
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2+len(secure))
	n := 0
	for tr, sl := range secure {
		n++
		go func() { errc <- s.serveSecure(ctx, tr, sl) }()
	}
	if pc != nil {
		n++
		go func() { errc <- s.serveUDP(ctx, pc) }()
	}
	if l != nil {
		n++
		go func() { errc <- s.serveTCP(ctx, l) }()
	}
	var first error
	for range n {
		if err := <-errc; err != nil && first == nil {
			first = err
			cancel() // one transport failed: stop the other
		}
	}
	return first
}

// ServeUDP serves SIP over UDP on conn until ctx is done (then it closes conn and returns nil) or
// conn fails. The first connection the server serves on sets its port; conn must be on that one.
func (s *Server) ServeUDP(ctx context.Context, conn net.PacketConn) error {
	port, err := portOf(conn.LocalAddr())
	if err == nil {
		err = s.begin(port)
	}
	if err != nil {
		return err
	}
	defer s.end()
	return s.serveUDP(ctx, conn)
}

// ServeTCP serves SIP over TCP on l until ctx is done (then it closes l and returns nil) or l
// fails. The first connection the server serves on sets its port; l must be on that one.
func (s *Server) ServeTCP(ctx context.Context, l net.Listener) error {
	port, err := portOf(l.Addr())
	if err == nil {
		err = s.begin(port)
	}
	if err != nil {
		return err
	}
	defer s.end()
	return s.serveTCP(ctx, l)
}

// udpSocketBuffer is what the SIP UDP socket asks the kernel to queue each
// way. Every call's requests and responses arrive on this one socket and
// one goroutine reads it; with the kernel's default (about 200 KB, a hundred
// datagrams) a burst of call set-ups while that goroutine waits for a CPU
// overflows it, and each lost INVITE or ACK costs the caller a 500 ms
// retransmission. The kernel caps it at net.core.rmem_max / wmem_max.
const udpSocketBuffer = 4 << 20

func (s *Server) serveUDP(ctx context.Context, conn net.PacketConn) error {
	if c, ok := conn.(interface {
		SetReadBuffer(int) error
		SetWriteBuffer(int) error
	}); ok {
		_ = c.SetReadBuffer(udpSocketBuffer)
		_ = c.SetWriteBuffer(udpSocketBuffer)
	}
	s.log.Info("sip listening", "transport", "udp", "addr", conn.LocalAddr().String())
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	err := s.srv.ServeUDP(guardConn{PacketConn: conn, log: s.log, screen: s.screenDatagram})
	if ctx.Err() != nil {
		return nil
	}
	if err == nil {
		err = errors.New("sip: udp connection closed")
	}
	return err
}

func (s *Server) serveTCP(ctx context.Context, l net.Listener) error {
	s.log.Info("sip listening", "transport", "tcp", "addr", l.Addr().String())
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	err := s.srv.ServeTCP(guardListener{l, s.log}) // malformed_tcp.go
	if ctx.Err() != nil {
		return nil
	}
	if err == nil {
		err = errors.New("sip: tcp listener closed")
	}
	return err
}

// begin counts a serve call on port in. The first one fixes the server's endpoint, which starts
// it: registrations expire from then on, and outbound calls can be placed.
func (s *Server) begin(port int) error { return s.beginWith(port, nil) }

// beginWith is begin, and beginSecure for each secure transport's port in secure, at once: the
// server is ready when all its endpoints are. Each counts as one serve call; on an error none does.
func (s *Server) beginWith(port int, secure map[string]int) error {
	s.life.mu.Lock()
	defer s.life.mu.Unlock()
	if s.life.stopped {
		return ErrServerStopped
	}
	eps := map[string]*endpoint{}
	for tr, p := range secure {
		ep, err := s.secureEndpointLocked(tr, p)
		if err != nil {
			return err
		}
		eps[tr] = ep
	}
	if err := s.beginLocked(port); err != nil {
		return err
	}
	s.secure.mu.Lock()
	for tr, ep := range eps {
		s.addSecureLocked(tr, ep)
	}
	s.secure.mu.Unlock()
	s.startLocked()
	return nil
}

// beginLocked counts the plain transports' serve call in (life.mu held).
func (s *Server) beginLocked(port int) error {
	if ep := s.ep.Load(); ep != nil {
		if int(ep.addr.Port()) != port {
			return fmt.Errorf("sip: cannot serve on port %d: the server serves on port %d, and every transport on the same", port, ep.addr.Port())
		}
		s.life.n++
		return nil
	}
	ep, err := s.newEndpoint(port)
	if err != nil {
		return err
	}
	s.ep.Store(ep)
	s.life.n++
	return nil
}

// startLocked starts what runs while the server serves, at the first serve call of any
// transport (life.mu held).
func (s *Server) startLocked() {
	if s.life.stopExpire != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.life.stopExpire = cancel
	go s.expireLoop(ctx)
	close(s.ready)
}

// end counts a serve call out; after the last, the SIP stack stops.
func (s *Server) end() {
	s.life.mu.Lock()
	defer s.life.mu.Unlock()
	s.life.n--
	if s.life.n > 0 {
		return
	}
	s.life.stopped = true
	s.life.stopExpire()
	s.ua.Close()
}

// newEndpoint makes the server's endpoint at AdvertiseIP and port.
func (s *Server) newEndpoint(port int) (*endpoint, error) {
	ip, ok := netip.AddrFromSlice(s.cfg.AdvertiseIP)
	if !ok {
		return nil, fmt.Errorf("sip advertise address %v is not an IP", s.cfg.AdvertiseIP)
	}
	host := s.cfg.AdvertiseIP.String()
	client, err := sipgo.NewClient(s.ua, sipgo.WithClientAddr(net.JoinHostPort(host, strconv.Itoa(port))), sipgo.WithClientLogger(s.stackLog))
	if err != nil {
		return nil, err
	}
	contact := gsip.ContactHeader{Address: gsip.Uri{Scheme: "sip", User: "hotline", Host: host, Port: port}}
	return &endpoint{
		addr:    netip.AddrPortFrom(ip.Unmap(), uint16(port)),
		contact: contact,
		dsc:     sipgo.NewDialogServerCache(client, contact),
		dcc:     sipgo.NewDialogClientCache(client, contact),
	}, nil
}

// portOf is the port of a socket's local address.
func portOf(a net.Addr) (int, error) {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return 0, fmt.Errorf("sip: local address %s: %w", a, err)
	}
	return int(ap.Port()), nil
}

// splitListen splits a listen address into its host and port.
func splitListen(addr string) (host string, port int, err error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("sip listen address %q: %w", addr, err)
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("sip listen port %q is not a port number", p)
	}
	return host, port, nil
}

// portTries is how many ports Serve tries for UDP and TCP on one free port.
const portTries = 5

// binder opens the server's listeners (tests replace the functions).
type binder struct {
	udp func(addr string) (net.PacketConn, error)
	tcp func(addr string) (net.Listener, error)
}

var netBinder = binder{
	udp: func(addr string) (net.PacketConn, error) { return net.ListenPacket("udp", addr) },
	tcp: func(addr string) (net.Listener, error) { return net.Listen("tcp", addr) },
}

// bind opens UDP and/or TCP on addr, on one port. For port 0 UDP picks it and TCP follows; when
// another socket has TCP's port already, both try again on another, up to portTries times.
func (b binder) bind(addr string, udp, tcp bool) (net.PacketConn, net.Listener, error) {
	host, port, err := splitListen(addr)
	if err != nil {
		return nil, nil, err
	}
	if !udp && !tcp {
		return nil, nil, errors.New("sip: no transport to listen on")
	}
	tries := 1
	if port == 0 && udp && tcp {
		tries = portTries
	}
	for try := 1; ; try++ {
		var pc net.PacketConn
		at := addr
		if udp {
			if pc, err = b.udp(addr); err != nil {
				return nil, nil, err
			}
			if !tcp {
				return pc, nil, nil
			}
			p, err := portOf(pc.LocalAddr())
			if err != nil {
				pc.Close()
				return nil, nil, err
			}
			at = net.JoinHostPort(host, strconv.Itoa(p))
		}
		l, err := b.tcp(at)
		if err == nil {
			return pc, l, nil
		}
		if pc != nil {
			pc.Close()
		}
		if try >= tries || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, err
		}
	}
}

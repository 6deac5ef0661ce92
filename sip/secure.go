package sip

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	gsip "github.com/emiago/sipgo/sip"
)

// SIP over TLS and over secure WebSocket (RFC 7118). Each secure transport has its own listener
// and port, so its own endpoint: a Contact that says how to reach us that way (sips:…:5061 for
// TLS, sip:…;transport=ws for WSS) and a Via sent-by with that port. Requests inside a dialog
// that came over TLS or WSS go back over the connection it came on (sipgo's connection reuse,
// keyed by the far end's address): a browser's Contact is a made-up *.invalid host, and a phone
// behind NAT cannot be reached at the address in its Contact.

// Secure transports, as sipgo names them in Via and Request.Transport.
const (
	transportTLS = "TLS"
	transportWSS = "WSS"
)

// SecureConfig is the server's SIP over TLS and WSS.
type SecureConfig struct {
	// TLS is the handshake configuration of both listeners (certificate via GetCertificate, so
	// it can change). The server asks for a client certificate when Trunks need one.
	TLS *tls.Config
	// TLSListen and WSSListen are host:port to serve on (Serve); "" does not serve that one.
	TLSListen, WSSListen string
	// Trunks are the trunks that must prove themselves with a client certificate.
	Trunks []TrunkTLS
}

// TrunkTLS is a trunk whose requests must come over TLS with a client certificate: a request
// claims to be the trunk when its From host is one of Domains. The certificate passes when it
// chains to Roots (when set), carries Subject as its common name or a DNS name (when set), and
// has the SHA-256 Fingerprint (when set); at least Roots or Fingerprint must be set.
type TrunkTLS struct {
	Name        string
	Domains     []string
	Roots       *x509.CertPool
	Subject     string
	Fingerprint []byte
}

// secureEndpoints are the server's TLS and WSS endpoints, once they serve.
type secureEndpoints struct {
	mu    sync.Mutex
	byTr  map[string]*endpoint
	peers peerCerts
}

// endpointFor is the endpoint a request arrived at (or a request is sent on): the TLS or WSS
// one for those transports, else the plain one. It is nil when that transport is not served.
func (s *Server) endpointFor(transport string) *endpoint {
	switch t := strings.ToUpper(transport); t {
	case transportTLS, transportWSS, "WS":
		if t == "WS" {
			t = transportWSS
		}
		s.secure.mu.Lock()
		defer s.secure.mu.Unlock()
		return s.secure.byTr[t]
	}
	return s.ep.Load()
}

// epOf is endpointFor the transport req came on.
func (s *Server) epOf(req *gsip.Request) *endpoint { return s.endpointFor(req.Transport()) }

// SecureAddr is where the server serves transport ("TLS" or "WSS"); the zero AddrPort when it
// does not.
func (s *Server) SecureAddr(transport string) netip.AddrPort {
	if ep := s.endpointFor(transport); ep != nil && ep != s.ep.Load() {
		return ep.addr
	}
	return netip.AddrPort{}
}

// ServeTLS serves SIP over TLS on l, a TCP listener (the TLS handshake is the server's, with
// Config.Secure.TLS), until ctx is done (then it closes l and returns nil) or l fails.
func (s *Server) ServeTLS(ctx context.Context, l net.Listener) error {
	return s.serveSecureOn(ctx, transportTLS, l)
}

// ServeWSS serves SIP over secure WebSocket (RFC 7118, subprotocol "sip") on l, a TCP listener,
// like ServeTLS.
func (s *Server) ServeWSS(ctx context.Context, l net.Listener) error {
	return s.serveSecureOn(ctx, transportWSS, l)
}

func (s *Server) serveSecureOn(ctx context.Context, transport string, l net.Listener) error {
	if s.cfg.Secure == nil || s.cfg.Secure.TLS == nil {
		l.Close()
		return fmt.Errorf("sip %s: no tls configuration", strings.ToLower(transport))
	}
	port, err := portOf(l.Addr())
	if err == nil {
		err = s.beginSecure(transport, port)
	}
	if err != nil {
		l.Close()
		return err
	}
	defer s.end()
	return s.serveSecure(ctx, transport, l)
}

// listenSecure opens the configured secure listeners (Serve).
func (s *Server) listenSecure() (map[string]net.Listener, error) {
	out := map[string]net.Listener{}
	sc := s.cfg.Secure
	if sc == nil {
		return out, nil
	}
	for tr, addr := range map[string]string{transportTLS: sc.TLSListen, transportWSS: sc.WSSListen} {
		if addr == "" {
			continue
		}
		l, err := netBinder.tcp(addr)
		if err != nil {
			for _, o := range out {
				o.Close()
			}
			return nil, fmt.Errorf("sip %s listen %s: %w", strings.ToLower(tr), addr, err)
		}
		out[tr] = l
	}
	return out, nil
}

func (s *Server) serveSecure(ctx context.Context, transport string, l net.Listener) error {
	ep := s.endpointFor(transport)
	s.log.Info("sip listening", "transport", strings.ToLower(transport), "addr", l.Addr().String(),
		"contact", ep.contact.Address.String(), "sips_contact", ep.sips.Address.String())
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	tl := certListener{tls.NewListener(l, s.serverTLS()), &s.secure.peers,
		func(remote string) { s.connClosed(transport, remote) }}
	var err error
	if transport == transportWSS {
		err = s.srv.ServeWSS(tl)
	} else {
		err = s.srv.ServeTLS(tl)
	}
	if ctx.Err() != nil {
		return nil
	}
	if err == nil {
		err = fmt.Errorf("sip: %s listener closed", strings.ToLower(transport))
	}
	return err
}

// serverTLS is the handshake configuration: Secure.TLS, asking for (not requiring) a client
// certificate when a trunk must show one. The trunk's certificate is checked per request
// (checkTrunkTLS), since phones on the same port have none.
func (s *Server) serverTLS() *tls.Config {
	c := s.cfg.Secure.TLS.Clone()
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	if len(s.cfg.Secure.Trunks) > 0 && c.ClientAuth == tls.NoClientCert {
		c.ClientAuth = tls.RequestClientCert
	}
	return c
}

// beginSecure counts a serve call of a secure transport in, and makes its endpoint.
func (s *Server) beginSecure(transport string, port int) error {
	s.life.mu.Lock()
	defer s.life.mu.Unlock()
	if s.life.stopped {
		return ErrServerStopped
	}
	ep, err := s.secureEndpointLocked(transport, port)
	if err != nil {
		return err
	}
	s.secure.mu.Lock()
	s.addSecureLocked(transport, ep)
	s.secure.mu.Unlock()
	s.startLocked()
	return nil
}

// secureEndpointLocked makes the endpoint of a secure transport not served yet (life.mu held).
func (s *Server) secureEndpointLocked(transport string, port int) (*endpoint, error) {
	s.secure.mu.Lock()
	served := s.secure.byTr[transport] != nil
	s.secure.mu.Unlock()
	if served {
		return nil, fmt.Errorf("sip: already serving %s", strings.ToLower(transport))
	}
	return s.newSecureEndpoint(transport, port)
}

// addSecureLocked serves transport at ep from now on and counts its serve call in (life.mu and
// secure.mu held).
func (s *Server) addSecureLocked(transport string, ep *endpoint) {
	if s.secure.byTr == nil {
		s.secure.byTr = map[string]*endpoint{}
	}
	s.secure.byTr[transport] = ep
	s.life.n++
}

// newSecureEndpoint is the endpoint of a secure transport at AdvertiseIP and port. Its client
// names no port, so that the transport fills Via's sent-by from the connection a request goes on.
func (s *Server) newSecureEndpoint(transport string, port int) (*endpoint, error) {
	ip, ok := netip.AddrFromSlice(s.cfg.AdvertiseIP)
	if !ok {
		return nil, fmt.Errorf("sip advertise address %v is not an IP", s.cfg.AdvertiseIP)
	}
	host := s.cfg.AdvertiseIP.String()
	client, err := sipgo.NewClient(s.ua, sipgo.WithClientHostname(host), sipgo.WithClientLogger(s.stackLog))
	if err != nil {
		return nil, err
	}
	// A request to a sips: URI gets a sips: Contact back (RFC 3261 12.1.1, 8.1.1.8); one to a
	// sip: URI over TLS gets sip:…;transport=tls, which is what phones that register a sip: AOR
	// over TLS expect (baresip ends a dialog whose Contact is sips: on a sip: account).
	// RFC 7118 section 5: WebSocket contacts are SIP URIs with transport=ws, for WS and WSS alike.
	param := "tls"
	if transport == transportWSS {
		param = "ws"
	}
	contact := gsip.ContactHeader{Address: gsip.Uri{Scheme: "sip", User: "hotline", Host: host, Port: port, UriParams: gsip.NewParams()}}
	contact.Address.UriParams.Add("transport", param)
	sips := gsip.ContactHeader{Address: gsip.Uri{Scheme: "sips", User: "hotline", Host: host, Port: port}}
	if transport == transportWSS {
		sips.Address.UriParams = gsip.NewParams()
		sips.Address.UriParams.Add("transport", "ws")
	}
	uas := contactUAs{
		sip:  sipgo.DialogUA{Client: client, ContactHDR: contact, RewriteContact: true},
		sips: sipgo.DialogUA{Client: client, ContactHDR: sips, RewriteContact: true},
	}
	return &endpoint{
		addr:    netip.AddrPortFrom(ip.Unmap(), uint16(port)),
		contact: contact,
		sips:    sips,
		dsc:     &sourceDialogsServer{uas: uas},
		dcc:     &sourceDialogsClient{uas: uas},
	}, nil
}

// contactUAs make dialogs whose Contact is a sip: or a sips: URI.
type contactUAs struct{ sip, sips sipgo.DialogUA }

// forURI is the one for a dialog whose request URI is u.
func (c *contactUAs) forURI(u gsip.Uri) *sipgo.DialogUA {
	if strings.EqualFold(u.Scheme, "sips") {
		return &c.sips
	}
	return &c.sip
}

// contactFor is the Contact the server gives in a dialog that req is part of.
func (ep *endpoint) contactFor(req *gsip.Request) *gsip.ContactHeader {
	if ep.sips.Address.Host != "" && strings.EqualFold(req.Recipient.Scheme, "sips") {
		return &ep.sips
	}
	return &ep.contact
}

// sourceDialogsServer is sipgo's DialogServerCache with RewriteContact: our requests in the
// dialog go to the address the INVITE came from, over its connection.
type sourceDialogsServer struct {
	uas     contactUAs
	dialogs sync.Map // id → *sipgo.DialogServerSession
}

func (d *sourceDialogsServer) ReadInvite(req *gsip.Request, tx gsip.ServerTransaction) (*sipgo.DialogServerSession, error) {
	dlg, err := d.uas.forURI(req.Recipient).ReadInvite(req, tx)
	if err != nil {
		return nil, err
	}
	id := dlg.ID
	d.dialogs.Store(id, dlg)
	context.AfterFunc(dlg.Context(), func() { d.dialogs.CompareAndDelete(id, dlg) })
	return dlg, nil
}

func (d *sourceDialogsServer) match(req *gsip.Request) (*sipgo.DialogServerSession, error) {
	id, err := gsip.DialogIDFromRequestUAS(req)
	if err != nil {
		return nil, errors.Join(sipgo.ErrDialogOutsideDialog, err)
	}
	if v, ok := d.dialogs.Load(id); ok {
		return v.(*sipgo.DialogServerSession), nil
	}
	return nil, sipgo.ErrDialogDoesNotExists
}

func (d *sourceDialogsServer) ReadAck(req *gsip.Request, tx gsip.ServerTransaction) error {
	dlg, err := d.match(req)
	if err != nil {
		return err
	}
	return dlg.ReadAck(req, tx)
}

func (d *sourceDialogsServer) ReadBye(req *gsip.Request, tx gsip.ServerTransaction) error {
	dlg, err := d.match(req)
	if err != nil {
		return err
	}
	return dlg.ReadBye(req, tx)
}

// sourceDialogsClient is sipgo's DialogClientCache with RewriteContact: ACK and BYE go to the
// address the 200 OK came from.
type sourceDialogsClient struct {
	uas     contactUAs
	dialogs sync.Map // id → *sipgo.DialogClientSession
}

func (d *sourceDialogsClient) WriteInvite(ctx context.Context, req *gsip.Request) (*sipgo.DialogClientSession, error) {
	dlg, err := d.uas.forURI(req.Recipient).WriteInvite(ctx, req)
	if err != nil {
		return nil, err
	}
	dlg.OnState(func(st gsip.DialogState) {
		if st == gsip.DialogStateEstablished && dlg.ID != "" {
			id := dlg.ID
			d.dialogs.Store(id, dlg)
			context.AfterFunc(dlg.Context(), func() { d.dialogs.CompareAndDelete(id, dlg) })
		}
	})
	return dlg, nil
}

func (d *sourceDialogsClient) MatchRequestDialog(req *gsip.Request) (*sipgo.DialogClientSession, error) {
	id, err := gsip.DialogIDFromRequestUAC(req)
	if err != nil {
		return nil, errors.Join(err, sipgo.ErrDialogOutsideDialog)
	}
	if v, ok := d.dialogs.Load(id); ok {
		return v.(*sipgo.DialogClientSession), nil
	}
	return nil, sipgo.ErrDialogDoesNotExists
}

func (d *sourceDialogsClient) ReadBye(req *gsip.Request, tx gsip.ServerTransaction) error {
	dlg, err := d.MatchRequestDialog(req)
	if err != nil {
		return err
	}
	return dlg.ReadBye(req, tx)
}

// peerCerts are the client certificates of the TLS connections up, by the far end's address
// (what Request.Source says).
type peerCerts struct {
	m sync.Map // "ip:port" → *peerEntry
}

// peerEntry is one connection's certificates (a pointer, so that a closing connection removes its
// own entry and not a newer one from the same address).
type peerEntry struct{ certs []*x509.Certificate }

func (p *peerCerts) lookup(src string) []*x509.Certificate {
	if v, ok := p.m.Load(src); ok {
		return v.(*peerEntry).certs
	}
	return nil
}

// certListener notes the client certificate of each connection it accepts.
type certListener struct {
	net.Listener // tls.NewListener's
	peers        *peerCerts
	closed       func(remote string) // after a connection closed
}

func (l certListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc, ok := c.(*tls.Conn)
	if !ok {
		return c, nil
	}
	return &certConn{Conn: tc, peers: l.peers, onClose: l.closed}, nil
}

// handshakeTimeout bounds a TLS handshake.
const handshakeTimeout = 10 * time.Second

// certConn does its TLS handshake on the first Read (in the connection's own goroutine, so a
// slow client holds up only itself) and records the client's certificate until it closes.
type certConn struct {
	*tls.Conn
	peers   *peerCerts
	onClose func(remote string)
	once    sync.Once
	// mu orders recording and removal, so that a connection closed during its handshake leaves
	// no certificate behind for the next connection from its address.
	mu     sync.Mutex
	entry  *peerEntry // recorded under the remote address; nil when none was presented
	closed bool
}

func (c *certConn) Read(b []byte) (int, error) {
	c.once.Do(func() {
		// A client that connects and never finishes its handshake does not hold a connection.
		ctx, cancel := context.WithTimeout(context.Background(), handshakeTimeout)
		defer cancel()
		if err := c.Conn.HandshakeContext(ctx); err != nil {
			return
		}
		if certs := c.Conn.ConnectionState().PeerCertificates; len(certs) > 0 {
			c.mu.Lock()
			defer c.mu.Unlock()
			if !c.closed {
				c.entry = &peerEntry{certs}
				c.peers.m.Store(c.Conn.RemoteAddr().String(), c.entry)
			}
		}
	})
	return c.Conn.Read(b)
}

func (c *certConn) Close() error {
	c.mu.Lock()
	was := c.closed
	c.closed = true
	if c.entry != nil {
		c.peers.m.CompareAndDelete(c.Conn.RemoteAddr().String(), c.entry)
		c.entry = nil
	}
	c.mu.Unlock()
	err := c.Conn.Close()
	if !was && c.onClose != nil {
		c.onClose(c.Conn.RemoteAddr().String())
	}
	return err
}

// connClosed ends the registrations made over a TLS or WSS connection that closed: the server
// reaches those phones and browsers only over their connection, so a binding without one would
// ring nobody until it expired (a browser tab closed, a phone gone). A phone that reconnects
// registers again.
func (s *Server) connClosed(transport, remote string) {
	if s.reg != nil {
		s.reg.dropConnection(transport, remote)
	}
}

// dropConnection removes the bindings registered over transport from remote.
func (r *Registrar) dropConnection(transport, remote string) {
	var gone []string
	r.mu.Lock()
	for u, b := range r.bindings {
		if b.Source == remote && strings.EqualFold(b.Transport, transport) {
			delete(r.bindings, u)
			gone = append(gone, u)
		}
	}
	r.mu.Unlock()
	for _, u := range gone {
		r.log.Info("registration ended with its connection", "user", u, "transport", transport, "src", remote)
		if r.onChange != nil {
			r.onChange(u, nil)
		}
	}
}

// errTrunkCert: a request claimed to be a trunk that must show a client certificate, and did not.
var errTrunkCert = errors.New("client certificate required")

// checkTrunkTLS refuses a request whose From host names a trunk that must come over TLS with a
// client certificate, unless it did. It names the trunk.
func (s *Server) checkTrunkTLS(req *gsip.Request) (trunk string, err error) {
	if s.cfg.Secure == nil || len(s.cfg.Secure.Trunks) == 0 {
		return "", nil
	}
	from := req.From()
	if from == nil {
		return "", nil
	}
	host := strings.ToLower(strings.Trim(from.Address.Host, "[]"))
	for i := range s.cfg.Secure.Trunks {
		t := &s.cfg.Secure.Trunks[i]
		for _, d := range t.Domains {
			if strings.EqualFold(d, host) {
				return t.Name, t.verify(req, s.secure.peers.lookup(req.Source()))
			}
		}
	}
	return "", nil
}

func (t *TrunkTLS) verify(req *gsip.Request, certs []*x509.Certificate) error {
	if !strings.EqualFold(req.Transport(), transportTLS) {
		return fmt.Errorf("%w: the request came over %s, not TLS", errTrunkCert, req.Transport())
	}
	if len(certs) == 0 {
		return fmt.Errorf("%w: none presented", errTrunkCert)
	}
	leaf := certs[0]
	if t.Fingerprint != nil {
		if sum := sha256.Sum256(leaf.Raw); !bytes.Equal(sum[:], t.Fingerprint) {
			return fmt.Errorf("%w: fingerprint does not match", errTrunkCert)
		}
	}
	if t.Roots != nil {
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: t.Roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			return fmt.Errorf("%w: %v", errTrunkCert, err)
		}
	}
	if t.Subject != "" && !strings.EqualFold(leaf.Subject.CommonName, t.Subject) {
		named := false
		for _, n := range leaf.DNSNames {
			named = named || strings.EqualFold(n, t.Subject)
		}
		if !named {
			return fmt.Errorf("%w: subject %q is not %q", errTrunkCert, leaf.Subject.CommonName, t.Subject)
		}
	}
	return nil
}

// refuseUntrustedTrunk answers 403 to a request that claims a trunk without its certificate,
// and reports whether it did.
func (s *Server) refuseUntrustedTrunk(req *gsip.Request, tx gsip.ServerTransaction) bool {
	trunk, err := s.checkTrunkTLS(req)
	if err == nil {
		return false
	}
	s.log.Warn("request refused: trunk without its client certificate", "call_id", callID(req), "method", req.Method.String(),
		"trunk", trunk, "src", req.Source(), "transport", req.Transport(), "error", err.Error())
	respond(tx, req, 403, "Client Certificate Required")
	return true
}

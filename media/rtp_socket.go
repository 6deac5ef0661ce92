package media

import (
	"fmt"
	"net"
	"net/netip"
)

// udpAddrPortConn is what a *net.UDPConn offers beyond net.PacketConn:
// datagrams addressed by netip.AddrPort, a value, so reading and writing
// allocate no net.Addr per packet.
type udpAddrPortConn interface {
	ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error)
	WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error)
}

// packetSocket reads and writes an RTP or RTCP socket's datagrams by
// netip.AddrPort. Any net.PacketConn works (tests inject their own); a UDP
// socket takes the allocation-free path.
//
// With SRTP (srtp.go) the socket is where packets are protected: every
// RTP or RTCP packet of the session passes here, so encrypting on write
// and decrypting on read covers the sender, the receiver, RTCP reports and
// a bridged peer's relayed packets alike.
type packetSocket struct {
	conn net.PacketConn
	udp  udpAddrPortConn // conn, when it has the fast path
	sec  *srtpSlot       // the SRTP transform, if any; shared by the socket's copies
}

func newPacketSocket(c net.PacketConn) packetSocket {
	s := packetSocket{conn: c, sec: &srtpSlot{}}
	s.udp, _ = c.(udpAddrPortConn)
	return s
}

// readFrom reads one datagram. Its source is the zero AddrPort when the
// connection's address is not an IP address and port. On an SRTP socket
// it returns the decrypted packet; a datagram that fails authentication is
// dropped, counted, and the next one read.
func (s packetSocket) readFrom(b []byte) (int, netip.AddrPort, error) {
	for {
		n, src, err := s.readRaw(b)
		t := s.sec.cur.Load()
		if err != nil || t == nil {
			return n, src, err
		}
		if m, ok := t.open(b, n, s.sec.rtcp); ok {
			return m, src, nil
		}
		srtpDropped.Add(1)
	}
}

func (s packetSocket) readRaw(b []byte) (int, netip.AddrPort, error) {
	if s.udp != nil {
		n, src, err := s.udp.ReadFromUDPAddrPort(b)
		return n, unmapped(src), err
	}
	n, a, err := s.conn.ReadFrom(b)
	return n, addrPortOf(a), err
}

// writeTo sends one packet, encrypted on an SRTP socket; the count is of
// b's bytes.
func (s packetSocket) writeTo(b []byte, dst netip.AddrPort) (int, error) {
	t := s.sec.cur.Load()
	if t == nil {
		return s.writeRaw(b, dst)
	}
	p, err := t.protect(b, s.sec.rtcp)
	defer t.release()
	if err != nil {
		return 0, fmt.Errorf("srtp protect: %w", err)
	}
	if _, err := s.writeRaw(p, dst); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (s packetSocket) writeRaw(b []byte, dst netip.AddrPort) (int, error) {
	if s.udp != nil {
		return s.udp.WriteToUDPAddrPort(b, dst)
	}
	return s.conn.WriteTo(b, net.UDPAddrFromAddrPort(dst))
}

// setSRTP makes the socket one of RTCP (isRTCP) or RTP and protects its
// packets with c from now on (nil: plain). Sessions share one transform
// between their two sockets (RTPSession.SetSRTP); tests key one socket.
func (s packetSocket) setSRTP(c *SRTPConfig, isRTCP bool) error {
	s.sec.rtcp = isRTCP
	if c == nil {
		s.sec.cur.Store(nil)
		return nil
	}
	t, err := newSRTPTransform(c)
	if err != nil {
		return err
	}
	s.sec.cur.Store(t)
	return nil
}

// localAddr is the socket's address as a UDP address (for SDP), nil when
// it is not an IP address and port.
func (s packetSocket) localAddr() *net.UDPAddr {
	a := s.conn.LocalAddr()
	if u, ok := a.(*net.UDPAddr); ok {
		return u
	}
	if ap := addrPortOf(a); ap.IsValid() {
		return net.UDPAddrFromAddrPort(ap)
	}
	return nil
}

func (s packetSocket) close() error { return s.conn.Close() }

// addrPortOf returns a's IP address and port, unmapped (an IPv4 peer on a
// dual-stack socket compares equal to its SDP address), or the zero
// AddrPort.
func addrPortOf(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case nil:
		return netip.AddrPort{}
	case *net.UDPAddr:
		return unmapped(a.AddrPort())
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}
	}
	return unmapped(ap)
}

func unmapped(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

package media

import (
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
type packetSocket struct {
	conn net.PacketConn
	udp  udpAddrPortConn // conn, when it has the fast path
}

func newPacketSocket(c net.PacketConn) packetSocket {
	s := packetSocket{conn: c}
	s.udp, _ = c.(udpAddrPortConn)
	return s
}

// readFrom reads one datagram. Its source is the zero AddrPort when the
// connection's address is not an IP address and port.
func (s packetSocket) readFrom(b []byte) (int, netip.AddrPort, error) {
	if s.udp != nil {
		n, src, err := s.udp.ReadFromUDPAddrPort(b)
		return n, unmapped(src), err
	}
	n, a, err := s.conn.ReadFrom(b)
	return n, addrPortOf(a), err
}

func (s packetSocket) writeTo(b []byte, dst netip.AddrPort) (int, error) {
	if s.udp != nil {
		return s.udp.WriteToUDPAddrPort(b, dst)
	}
	return s.conn.WriteTo(b, net.UDPAddrFromAddrPort(dst))
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

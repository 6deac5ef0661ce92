package media

import (
	"net"
	"testing"
)

func loopbackUDP(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// On a UDP socket a packet's way through the socket allocates nothing.
func TestPacketSocketUDPDoesNotAllocate(t *testing.T) {
	a, b := newPacketSocket(loopbackUDP(t)), newPacketSocket(loopbackUDP(t))
	if a.udp == nil {
		t.Fatal("a *net.UDPConn does not take the fast path")
	}
	to := b.conn.LocalAddr().(*net.UDPAddr).AddrPort()
	from := a.conn.LocalAddr().(*net.UDPAddr).AddrPort()
	pkt, buf := make([]byte, 172), make([]byte, 1500)
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := a.writeTo(pkt, to); err != nil {
			t.Fatal(err)
		}
		n, src, err := b.readFrom(buf)
		if err != nil || n != len(pkt) || src != from {
			t.Fatalf("read %d bytes from %v (%v), want %d from %v", n, src, err, len(pkt), from)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per packet written and read", allocs)
	}
}

// plainConn hides the UDP socket's fast path: a net.PacketConn and nothing more.
type plainConn struct{ net.PacketConn }

// Any other net.PacketConn works through net.Addr.
func TestPacketSocketPlainConn(t *testing.T) {
	ua, ub := loopbackUDP(t), loopbackUDP(t)
	a, b := newPacketSocket(plainConn{ua}), newPacketSocket(plainConn{ub})
	if a.udp != nil {
		t.Fatal("a plain net.PacketConn taken for a UDP socket")
	}
	if got := a.localAddr(); got.String() != ua.LocalAddr().String() {
		t.Fatalf("local address %v, want %v", got, ua.LocalAddr())
	}
	if _, err := a.writeTo([]byte("rtp"), ub.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, src, err := b.readFrom(buf)
	if err != nil || string(buf[:n]) != "rtp" || src != ua.LocalAddr().(*net.UDPAddr).AddrPort() {
		t.Fatalf("read %q from %v (%v)", buf[:n], src, err)
	}
}

// namedAddr is an address that is not a *net.UDPAddr.
type namedAddr string

func (a namedAddr) Network() string { return "test" }
func (a namedAddr) String() string  { return string(a) }

func TestAddrPortOf(t *testing.T) {
	for _, tc := range []struct {
		a    net.Addr
		want string
	}{
		{&net.UDPAddr{IP: net.ParseIP("::ffff:192.0.2.1"), Port: 5004}, "192.0.2.1:5004"},
		{&net.UDPAddr{IP: net.ParseIP("2001:db8::1"), Port: 5004}, "[2001:db8::1]:5004"},
		{namedAddr("192.0.2.1:5004"), "192.0.2.1:5004"},
		{namedAddr("[::ffff:192.0.2.1]:5004"), "192.0.2.1:5004"},
		{namedAddr("pipe"), "invalid AddrPort"},
		{nil, "invalid AddrPort"},
	} {
		if got := addrPortOf(tc.a); got.String() != tc.want {
			t.Errorf("%v: %v, want %s", tc.a, got, tc.want)
		}
	}
}

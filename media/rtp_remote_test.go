package media

import (
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"
)

func TestRTPRemoteLatch(t *testing.T) {
	r := &rtpRemote{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ap := netip.MustParseAddrPort
	udp := func(s string) *net.UDPAddr { return net.UDPAddrFromAddrPort(ap(s)) }
	check := func(what string, rtp, rtcp string) {
		t.Helper()
		if got := r.addr(); got != ap(rtp) {
			t.Errorf("%s: RTP goes to %v, want %s", what, got, rtp)
		}
		if got := r.rtcpAddr(); got != ap(rtcp) {
			t.Errorf("%s: RTCP goes to %v, want %s", what, got, rtcp)
		}
	}
	if r.addr().IsValid() || r.udpAddr() != nil {
		t.Fatal("a remote before any SDP or media")
	}
	r.signal(udp("[::ffff:192.0.2.1]:4000")) // an IPv4-mapped address compares as IPv4
	check("SDP", "192.0.2.1:4000", "192.0.2.1:4001")

	// Behind a NAT the media comes from elsewhere: answer there.
	r.latch(ap("198.51.100.7:31000"), 1)
	check("latched", "198.51.100.7:31000", "192.0.2.1:4001")
	r.heardRTCP(ap("198.51.100.7:31001"))
	check("rtcp heard", "198.51.100.7:31000", "198.51.100.7:31001")
	// Once latched on a stream, another source of the same stream changes nothing.
	r.latch(ap("203.0.113.9:5000"), 1)
	check("same stream", "198.51.100.7:31000", "198.51.100.7:31001")
	// A re-INVITE that repeats the SDP address keeps the latch.
	r.signal(udp("192.0.2.1:4000"))
	check("same SDP", "198.51.100.7:31000", "198.51.100.7:31001")

	// A re-INVITE moves the remote: packets still in flight from the old
	// address do not pull the media back; a second of them does.
	r.signal(udp("192.0.2.2:6000"))
	check("moved", "192.0.2.2:6000", "192.0.2.2:6001")
	for range abandonedLatchAfter - 1 {
		r.latch(ap("198.51.100.7:31000"), 1)
	}
	check("in flight", "192.0.2.2:6000", "192.0.2.2:6001")
	r.latch(ap("198.51.100.7:31000"), 1)
	check("followed back", "198.51.100.7:31000", "192.0.2.2:6001")

	// Another stream from another source is dropped while the remote's own
	// stream goes on, however long; if it goes on alone for a second, the
	// remote has moved and the session follows.
	for range 3 * abandonedLatchAfter {
		if r.latch(ap("203.0.113.9:5000"), 2) {
			t.Fatal("a stray stream's packet accepted")
		}
		if !r.latch(ap("198.51.100.7:31000"), 1) {
			t.Fatal("the remote's own packet dropped")
		}
	}
	check("stray", "198.51.100.7:31000", "192.0.2.2:6001")
	// The latched source may restart its stream with a new SSRC.
	if !r.latch(ap("198.51.100.7:31000"), 9) || !r.latch(ap("198.51.100.7:31000"), 1) {
		t.Fatal("a new stream from the latched source dropped")
	}
	for i := range abandonedLatchAfter {
		if got, want := r.latch(ap("203.0.113.9:5000"), 2), i == abandonedLatchAfter-1; got != want {
			t.Fatalf("packet %d of a stream alone: accepted %v, want %v", i+1, got, want)
		}
	}
	check("new stream", "203.0.113.9:5000", "192.0.2.2:6001")
	// A stray that reached the port before the remote is left as soon as
	// media comes from the address SDP gave.
	r.signal(udp("192.0.2.3:7000"))
	r.latch(ap("203.0.113.50:9000"), 77) // the stray, first
	if !r.latch(ap("192.0.2.3:7000"), 5) {
		t.Fatal("media from the signalled address dropped after a stray")
	}
	check("signalled wins", "192.0.2.3:7000", "192.0.2.3:7001")
	// An invalid source changes nothing.
	r.latch(netip.AddrPort{}, 3)
	r.heardRTCP(netip.AddrPort{})
	check("no address", "192.0.2.3:7000", "192.0.2.3:7001")
}

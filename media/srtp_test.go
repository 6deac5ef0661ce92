package media

import (
	"bytes"
	"errors"
	"net"
	"testing"

	"github.com/pion/rtp"
)

// testKeys are two fixed master keys (key ‖ salt), one per direction.
func testKeys() (a, b []byte) {
	a, b = make([]byte, SRTPKeyLen), make([]byte, SRTPKeyLen)
	for i := range a {
		a[i], b[i] = byte(i+1), byte(0xF0-i)
	}
	return a, b
}

// srtpPair is two sockets on loopback keyed for each other: a sends with
// ka and b expects ka, and the other way round.
func srtpPair(t *testing.T) (a, b packetSocket, aRaw, bRaw *net.UDPConn) {
	t.Helper()
	ka, kb := testKeys()
	aRaw, bRaw = loopbackUDP(t), loopbackUDP(t)
	a, b = newPacketSocket(aRaw), newPacketSocket(bRaw)
	if err := a.setSRTP(&SRTPConfig{Suite: SuiteAESCM128SHA1_80, Local: ka, Remote: kb}, false); err != nil {
		t.Fatal(err)
	}
	if err := b.setSRTP(&SRTPConfig{Suite: SuiteAESCM128SHA1_80, Local: kb, Remote: ka}, false); err != nil {
		t.Fatal(err)
	}
	return a, b, aRaw, bRaw
}

func rtpPacket(t *testing.T, seq uint16, payload []byte) []byte {
	t.Helper()
	b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: uint32(seq) * 160,
		SSRC: 0x1234}, Payload: payload}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A packet goes out encrypted (its payload is nowhere in the datagram),
// the peer decrypts it to the very packet sent, and a packet with one bit
// flipped, or one in the clear, is dropped and counted.
func TestSRTPSocketRoundTripAndTamper(t *testing.T) {
	a, b, _, bRaw := srtpPair(t)
	payload := bytes.Repeat([]byte{0xD5, 0x55, 0x7F}, 40)
	to := bRaw.LocalAddr().(*net.UDPAddr).AddrPort()

	// What goes on the wire: a raw socket standing where b is.
	spy := loopbackUDP(t)
	pkt := rtpPacket(t, 1, payload)
	if _, err := a.writeTo(pkt, spy.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	wire := make([]byte, 1500)
	n, _, err := spy.ReadFromUDPAddrPort(wire)
	if err != nil {
		t.Fatal(err)
	}
	wire = wire[:n]
	if n != len(pkt)+10 {
		t.Fatalf("srtp packet is %d bytes, want %d (+10 auth tag)", n, len(pkt)+10)
	}
	if bytes.Contains(wire, payload[:12]) {
		t.Fatal("the payload is readable on the wire")
	}

	// b decrypts what a sends.
	buf := make([]byte, 1500)
	for seq := uint16(2); seq < 5; seq++ {
		p := rtpPacket(t, seq, payload)
		if _, err := a.writeTo(p, to); err != nil {
			t.Fatal(err)
		}
		n, _, err := b.readFrom(buf)
		if err != nil || !bytes.Equal(buf[:n], p) {
			t.Fatalf("seq %d: read %x (%v), want %x", seq, buf[:n], err, p)
		}
	}

	// Tampered and plain packets are dropped; the next good one
	// is what readFrom returns.
	before := SRTPDropped()
	inject := loopbackUDP(t)
	tampered := append([]byte(nil), wire...)
	tampered[len(tampered)-15] ^= 0x01 // a payload bit
	for _, bad := range [][]byte{tampered, rtpPacket(t, 9, payload)} {
		if _, err := inject.WriteToUDPAddrPort(bad, to); err != nil {
			t.Fatal(err)
		}
	}
	good := rtpPacket(t, 10, payload)
	if _, err := a.writeTo(good, to); err != nil {
		t.Fatal(err)
	}
	n, _, err = b.readFrom(buf)
	if err != nil || !bytes.Equal(buf[:n], good) {
		t.Fatalf("after bad packets read %x (%v), want %x", buf[:n], err, good)
	}
	if d := SRTPDropped() - before; d != 2 {
		t.Fatalf("%d packets dropped, want 2 (tampered, plain)", d)
	}
}

// A replayed SRTP packet (one already accepted, sent again) is dropped.
func TestSRTPSocketReplayDropped(t *testing.T) {
	a, b, _, bRaw := srtpPair(t)
	spy := loopbackUDP(t)
	to := bRaw.LocalAddr().(*net.UDPAddr).AddrPort()
	if _, err := a.writeTo(rtpPacket(t, 7, []byte("hello audio")), spy.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	wire := make([]byte, 1500)
	n, _, err := spy.ReadFromUDPAddrPort(wire)
	if err != nil {
		t.Fatal(err)
	}
	before := SRTPDropped()
	for range 2 {
		if _, err := spy.WriteToUDPAddrPort(wire[:n], to); err != nil {
			t.Fatal(err)
		}
	}
	next := rtpPacket(t, 8, []byte("next"))
	if _, err := a.writeTo(next, to); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	for _, want := range [][]byte{rtpPacket(t, 7, []byte("hello audio")), next} {
		n, _, err := b.readFrom(buf)
		if err != nil || !bytes.Equal(buf[:n], want) {
			t.Fatalf("read %x (%v), want %x", buf[:n], err, want)
		}
	}
	if d := SRTPDropped() - before; d != 1 {
		t.Fatalf("%d packets dropped, want 1 (the replay)", d)
	}
}

// SRTCP: the RTCP socket encrypts and authenticates too.
func TestSRTCPRoundTrip(t *testing.T) {
	ka, kb := testKeys()
	aRaw, bRaw := loopbackUDP(t), loopbackUDP(t)
	a, b := newPacketSocket(aRaw), newPacketSocket(bRaw)
	_ = a.setSRTP(&SRTPConfig{Suite: SuiteAESCM128SHA1_80, Local: ka, Remote: kb}, true)
	_ = b.setSRTP(&SRTPConfig{Suite: SuiteAESCM128SHA1_80, Local: kb, Remote: ka}, true)
	sr := []byte{0x80, 200, 0, 6, 0, 0, 0x12, 0x34, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 160, 0, 0, 0, 1, 0, 0, 0, 160}
	if _, err := a.writeTo(sr, bRaw.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	n, _, err := b.readFrom(buf)
	if err != nil || !bytes.Equal(buf[:n], sr) {
		t.Fatalf("read %x (%v), want %x", buf[:n], err, sr)
	}
}

// Protecting and opening a packet allocates nothing: SRTP keeps to the
// server's no-allocation-per-packet rule.
func TestSRTPSocketDoesNotAllocate(t *testing.T) {
	a, b, aRaw, bRaw := srtpPair(t)
	to := bRaw.LocalAddr().(*net.UDPAddr).AddrPort()
	from := aRaw.LocalAddr().(*net.UDPAddr).AddrPort()
	buf := make([]byte, 1500)
	pkt := rtpPacket(t, 0, make([]byte, 160))
	seq := uint16(0)
	allocs := testing.AllocsPerRun(200, func() {
		seq++
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		if _, err := a.writeTo(pkt, to); err != nil {
			t.Fatal(err)
		}
		n, src, err := b.readFrom(buf)
		if err != nil || n != len(pkt) || src != from {
			t.Fatalf("read %d bytes from %v (%v)", n, src, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per srtp packet written and read", allocs)
	}
}

// New keys (a re-INVITE): packets under the old key are dropped, the new
// key's pass.
func TestSRTPRekey(t *testing.T) {
	a, b, _, bRaw := srtpPair(t)
	to := bRaw.LocalAddr().(*net.UDPAddr).AddrPort()
	ka, kb := testKeys()
	nk := bytes.Repeat([]byte{0x42}, SRTPKeyLen)
	if err := b.setSRTP(&SRTPConfig{Suite: SuiteAESCM128SHA1_80, Local: kb, Remote: nk}, false); err != nil {
		t.Fatal(err)
	}
	before := SRTPDropped()
	_, _ = a.writeTo(rtpPacket(t, 1, []byte("old key")), to)
	if err := a.setSRTP(&SRTPConfig{Suite: SuiteAESCM128SHA1_80, Local: nk, Remote: ka}, false); err != nil {
		t.Fatal(err)
	}
	want := rtpPacket(t, 2, []byte("new key"))
	_, _ = a.writeTo(want, to)
	buf := make([]byte, 1500)
	n, _, err := b.readFrom(buf)
	if err != nil || !bytes.Equal(buf[:n], want) {
		t.Fatalf("read %x (%v), want %x", buf[:n], err, want)
	}
	if d := SRTPDropped() - before; d != 1 {
		t.Fatalf("%d dropped, want 1 (the old key's packet)", d)
	}
}

func TestSRTPConfigErrors(t *testing.T) {
	ka, kb := testKeys()
	for _, c := range []*SRTPConfig{
		{Suite: "F8_128_HMAC_SHA1_80", Local: ka, Remote: kb},
		{Suite: SuiteAESCM128SHA1_80, Local: ka[:16], Remote: kb},
	} {
		if _, err := newSRTPTransform(c); !errors.Is(err, ErrSRTPConfig) {
			t.Errorf("%+v: error %v, want ErrSRTPConfig", c, err)
		}
	}
}

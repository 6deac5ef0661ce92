package media

import (
	"net"
	"testing"
)

// BenchmarkSRTP is the cost SRTP adds to one 20 ms G.711 packet: protect
// on the sending side and authenticate and decrypt on the receiving side,
// without the socket.
func BenchmarkSRTP(b *testing.B) {
	ka, kb := testKeys()
	tx, err := newSRTPTransform(&SRTPConfig{Suite: SuiteAESCM128SHA1_80, Local: ka, Remote: kb})
	if err != nil {
		b.Fatal(err)
	}
	rx, _ := newSRTPTransform(&SRTPConfig{Suite: SuiteAESCM128SHA1_80, Local: kb, Remote: ka})
	pkt := make([]byte, 12+160)
	pkt[0] = 0x80
	buf := make([]byte, 1500)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for i := 0; i < b.N; i++ {
		pkt[2], pkt[3] = byte(i>>8), byte(i)
		out, err := tx.protect(pkt, false)
		n := copy(buf, out)
		tx.release()
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := rx.open(buf, n, false); !ok {
			b.Fatal("packet did not authenticate")
		}
	}
}

// BenchmarkPacketSocket is one packet written and read over loopback UDP,
// plain and with SRTP: what a call's packet costs at the socket.
func BenchmarkPacketSocket(b *testing.B) {
	for _, secure := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "srtp"}[secure]
		b.Run(name, func(b *testing.B) {
			ua, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			ub, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			defer ua.Close()
			defer ub.Close()
			a, c := newPacketSocket(ua), newPacketSocket(ub)
			if secure {
				ka, kb := testKeys()
				_ = a.setSRTP(&SRTPConfig{Suite: SuiteAESCM128SHA1_80, Local: ka, Remote: kb}, false)
				_ = c.setSRTP(&SRTPConfig{Suite: SuiteAESCM128SHA1_80, Local: kb, Remote: ka}, false)
			}
			to := ub.LocalAddr().(*net.UDPAddr).AddrPort()
			pkt := make([]byte, 12+160)
			pkt[0] = 0x80
			buf := make([]byte, 1500)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				pkt[2], pkt[3] = byte(i>>8), byte(i)
				if _, err := a.writeTo(pkt, to); err != nil {
					b.Fatal(err)
				}
				if _, _, err := c.readFrom(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSRTPSetup is what SRTP adds to starting a leg: its contexts,
// both ways, shared by its RTP and RTCP sockets.
func BenchmarkSRTPSetup(b *testing.B) {
	ka, kb := testKeys()
	c := &SRTPConfig{Suite: SuiteAESCM128SHA1_80, Local: ka, Remote: kb}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := newSRTPTransform(c); err != nil {
			b.Fatal(err)
		}
	}
}

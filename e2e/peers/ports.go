package peers

import (
	"fmt"
	"net"
)

// FreePort returns a port that is currently free for both UDP and TCP on
// 127.0.0.1 (SIP peers listen on both). There is an unavoidable race
// between this check and the actual bind; StartPhone retries on failure.
func FreePort() (int, error) {
	for i := 0; i < 50; i++ {
		u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return 0, err
		}
		port := u.LocalAddr().(*net.UDPAddr).Port
		t, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
		u.Close()
		if err != nil {
			continue
		}
		t.Close()
		return port, nil
	}
	return 0, fmt.Errorf("peers: no free UDP+TCP port found")
}

// FreeTCPPort returns a currently free TCP port on 127.0.0.1.
func FreeTCPPort() (int, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FreeUDPPortPair returns an even UDP port p such that p and p+1 are free on
// 127.0.0.1 (RTP/RTCP).
func FreeUDPPortPair() (int, error) { return FreeUDPPorts(2) }

// FreeUDPPorts returns an even UDP port p such that p … p+n-1 are all free
// on 127.0.0.1. sipp, for one, binds four from its -mp port: audio RTP and
// RTCP, then video RTP and RTCP.
func FreeUDPPorts(n int) (int, error) {
	for i := 0; i < 50; i++ {
		u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return 0, err
		}
		port := u.LocalAddr().(*net.UDPAddr).Port
		u.Close()
		if port%2 == 1 {
			port--
		}
		if port < 1024 || port+n-1 > 65535 {
			continue
		}
		ok := true
		var held []*net.UDPConn
		for pp := port; pp < port+n; pp++ {
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: pp})
			if err != nil {
				ok = false
				break
			}
			held = append(held, c)
		}
		for _, c := range held {
			c.Close()
		}
		if ok {
			return port, nil
		}
	}
	return 0, fmt.Errorf("peers: no %d free consecutive UDP ports found", n)
}

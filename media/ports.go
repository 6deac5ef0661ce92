package media

import (
	"fmt"
	"net"
	"sync"
)

// PortRange hands out RTP/RTCP port pairs (an even RTP port and the odd port above it).
type PortRange struct {
	IP       net.IP
	Min, Max int

	mu   sync.Mutex
	next int
}

// ListenPair binds a free RTP port and its RTCP neighbour.
func (r *PortRange) ListenPair() (rtpConn, rtcpConn *net.UDPConn, err error) {
	lo, hi := r.Min&^1, r.Max
	if lo <= 0 || hi <= lo {
		return nil, nil, fmt.Errorf("rtp port range %d-%d is invalid", r.Min, r.Max)
	}
	pairs := (hi - lo + 1) / 2
	for i := 0; i < pairs; i++ {
		r.mu.Lock()
		if r.next < lo || r.next+1 > hi {
			r.next = lo
		}
		p := r.next
		r.next += 2
		r.mu.Unlock()
		rc, err := net.ListenUDP("udp", &net.UDPAddr{IP: r.IP, Port: p})
		if err != nil {
			continue
		}
		cc, err := net.ListenUDP("udp", &net.UDPAddr{IP: r.IP, Port: p + 1})
		if err != nil {
			rc.Close()
			continue
		}
		return rc, cc, nil
	}
	return nil, nil, fmt.Errorf("no free rtp port pair in %d-%d", r.Min, r.Max)
}

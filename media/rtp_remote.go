package media

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
)

// abandonedLatchAfter is how many packets from the address a re-INVITE
// moved the remote away from make the session latch back onto it: a
// second's worth, far more than were in flight at the move.
const abandonedLatchAfter = 50

// rtpRemote is where a session sends: the address SDP gave, or, by
// symmetric RTP, the one the remote's media really comes from (they differ
// behind a NAT), and where its RTCP comes from. The read loops, the pacer,
// relaying peers and re-INVITEs all use it, under its lock.
type rtpRemote struct {
	mu        sync.Mutex
	rtp       netip.AddrPort // where RTP goes; zero until known
	rtcp      netip.AddrPort // where RTCP goes
	signalled netip.AddrPort // the remote as SDP gave it
	abandoned netip.AddrPort // where the remote was before SDP moved it
	fromOld   int            // packets from abandoned since the move
	ssrc      uint32         // the stream latched onto
	latched   bool
	stray     netip.AddrPort // another stream's source, while it goes on
	strays    int            // its packets in a row
	log       *slog.Logger
}

// addr is where RTP goes (invalid while unknown).
func (r *rtpRemote) addr() netip.AddrPort {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rtp
}

// rtcpAddr is where RTCP goes (invalid while unknown).
func (r *rtpRemote) rtcpAddr() netip.AddrPort {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rtcp
}

// udpAddr is where RTP goes, nil while unknown.
func (r *rtpRemote) udpAddr() *net.UDPAddr {
	if a := r.addr(); a.IsValid() {
		return net.UDPAddrFromAddrPort(a)
	}
	return nil
}

// signal takes the remote SDP gives (the offer or answer, a re-INVITE).
// The session latches again onto where the remote's media comes from,
// except the address it has just left: packets still in flight from there
// must not pull the media back. An address SDP already gave changes
// nothing, so a caller behind NAT keeps its latched address across
// re-INVITEs.
func (r *rtpRemote) signal(a *net.UDPAddr) {
	ap := unmapped(a.AddrPort())
	r.mu.Lock()
	defer r.mu.Unlock()
	if ap == r.signalled {
		return
	}
	if r.rtp.IsValid() && r.rtp != ap {
		r.abandoned = r.rtp
	}
	r.fromOld = 0
	r.rtp, r.signalled = ap, ap
	r.rtcp = netip.AddrPortFrom(ap.Addr(), ap.Port()+1)
	r.latched = false
}

// latch implements symmetric RTP: answer to where the media really comes
// from, src, sending stream ssrc. It reports whether the packet is the
// remote's media. Once latched, another stream from another address is a
// stray (a sender still aiming at the port an earlier call had, or an
// injection) and is dropped, unless it goes on alone for a second: then
// the remote has moved without saying so and the session follows.
func (r *rtpRemote) latch(src netip.AddrPort, ssrc uint32) bool {
	if !src.IsValid() {
		return true // an injected connection without IP addresses
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.latched {
		switch {
		case ssrc == r.ssrc:
			r.strays = 0
			return true
		case src == r.rtp:
			r.ssrc, r.strays = ssrc, 0 // the remote restarted its stream
			return true
		}
		if src == r.signalled {
			// Media from the address SDP gave is the remote's, even when a
			// stray reached the port first and was latched onto.
			goto follow
		}
		if src != r.stray {
			r.stray, r.strays = src, 0
		}
		if r.strays++; r.strays < abandonedLatchAfter {
			if r.strays == 1 {
				r.log.Debug("rtp from another stream dropped", "from", src.String(), "ssrc", ssrc)
			}
			return false
		}
	}
follow:
	if src == r.abandoned && src != r.signalled {
		// Packets sent before the remote moved are still arriving. Only a
		// remote that goes on sending from there (asymmetric ports behind a
		// NAT) is followed back, after a second of it.
		if r.fromOld++; r.fromOld < abandonedLatchAfter {
			return true
		}
	}
	if r.rtp != src {
		if r.rtp.IsValid() {
			r.log.Debug("rtp latched", "from", r.rtp.String(), "to", src.String())
		}
		r.rtp = src
	}
	r.latched = true
	r.ssrc = ssrc
	r.stray, r.strays = netip.AddrPort{}, 0
	return true
}

// heardRTCP answers RTCP to where the remote's RTCP comes from.
func (r *rtpRemote) heardRTCP(src netip.AddrPort) {
	if !src.IsValid() {
		return
	}
	r.mu.Lock()
	r.rtcp = src
	r.mu.Unlock()
}

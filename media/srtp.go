package media

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// SRTPSuite is an SRTP crypto suite as SDES names it (RFC 4568 §6.2).
type SRTPSuite string

// The suites the server speaks: AES counter mode with an HMAC-SHA1 tag of
// 80 bits (the one every phone offers) or 32 bits on SRTP (SRTCP keeps 80).
const (
	SuiteAESCM128SHA1_80 SRTPSuite = "AES_CM_128_HMAC_SHA1_80"
	SuiteAESCM128SHA1_32 SRTPSuite = "AES_CM_128_HMAC_SHA1_32"
)

// SRTPKeyLen is the length of a master key and salt together for both
// suites (16 + 14 bytes): what an SDES inline: parameter carries.
const SRTPKeyLen = 30

// SRTPSuites lists the suites in the server's order of preference.
func SRTPSuites() []SRTPSuite { return []SRTPSuite{SuiteAESCM128SHA1_80, SuiteAESCM128SHA1_32} }

func (s SRTPSuite) profile() (srtp.ProtectionProfile, bool) {
	switch s {
	case SuiteAESCM128SHA1_80:
		return srtp.ProtectionProfileAes128CmHmacSha1_80, true
	case SuiteAESCM128SHA1_32:
		return srtp.ProtectionProfileAes128CmHmacSha1_32, true
	}
	return 0, false
}

// Supported reports whether the server speaks the suite.
func (s SRTPSuite) Supported() bool { _, ok := s.profile(); return ok }

// SRTPConfig is a session's SRTP: the suite and the two master keys
// (key ‖ salt, SRTPKeyLen bytes), ours for what we send, the remote's for
// what it sends. Each SDES a=crypto line gives the key its sender uses.
type SRTPConfig struct {
	Suite         SRTPSuite
	Local, Remote []byte
}

// Equal reports whether c and d would build the same contexts: a re-INVITE
// that repeats its keys keeps the running contexts (and their rollover
// counters and replay windows).
func (c *SRTPConfig) Equal(d *SRTPConfig) bool {
	if c == nil || d == nil {
		return c == d
	}
	return c.Suite == d.Suite && string(c.Local) == string(d.Local) && string(c.Remote) == string(d.Remote)
}

// ErrSRTPConfig is returned for an SRTP configuration the server cannot use.
var ErrSRTPConfig = errors.New("srtp: unusable configuration")

// srtpDropped counts inbound packets dropped because they failed SRTP or
// SRTCP authentication (or could not be parsed as such), process-wide.
var srtpDropped atomic.Uint64

// SRTPDropped is the number of inbound RTP and RTCP packets dropped so far
// because they failed SRTP authentication: forged, corrupted, replayed,
// keyed with another key, or sent in the clear to an encrypted session.
func SRTPDropped() uint64 { return srtpDropped.Load() }

// srtpSlot holds a socket's current SRTP transform, nil when the socket
// carries plain RTP. It is one atomic load on every packet, so the plain
// path costs what it did; a re-INVITE swaps the transform in place.
type srtpSlot struct {
	cur  atomic.Pointer[srtpTransform]
	rtcp bool // the socket carries RTCP: SRTCP (set before the session starts)
}

// srtpTransform protects a session's packets, RTP and RTCP (its two
// sockets share it): encrypt on write, decrypt and authenticate on read.
// Each direction has its own context (pion's are not safe for concurrent
// use; one context keeps SRTP and SRTCP state apart), lock, and reused
// buffer and headers, so a packet allocates nothing.
type srtpTransform struct {
	out, in srtpDir
}

type srtpDir struct {
	mu   sync.Mutex
	ctx  *srtp.Context
	buf  []byte
	rtp  rtp.Header
	rtcp rtcp.Header
}

// replayWindow is the SRTP replay window (RFC 3711 §3.3.2 asks for at
// least 64): wide enough for the misordering the receiver tolerates.
const replayWindow = 128

func newSRTPTransform(c *SRTPConfig) (*srtpTransform, error) {
	p, ok := c.Suite.profile()
	if !ok {
		return nil, fmt.Errorf("%w: suite %q is not supported", ErrSRTPConfig, c.Suite)
	}
	if len(c.Local) != SRTPKeyLen || len(c.Remote) != SRTPKeyLen {
		return nil, fmt.Errorf("%w: keys must be %d bytes (have %d and %d)", ErrSRTPConfig, SRTPKeyLen, len(c.Local), len(c.Remote))
	}
	t := &srtpTransform{}
	var err error
	if t.out.ctx, err = srtp.CreateContext(c.Local[:16], c.Local[16:], p); err != nil {
		return nil, fmt.Errorf("srtp: our key: %w", err)
	}
	if t.in.ctx, err = srtp.CreateContext(c.Remote[:16], c.Remote[16:], p,
		srtp.SRTPReplayProtection(replayWindow), srtp.SRTCPReplayProtection(replayWindow)); err != nil {
		return nil, fmt.Errorf("srtp: remote key: %w", err)
	}
	// Room for a full datagram plus the auth tag and the SRTCP index.
	t.out.buf = make([]byte, 0, 1500+32)
	return t, nil
}

// protect returns p encrypted and authenticated, in a buffer that stays
// valid until the caller unlocks (release).
func (t *srtpTransform) protect(p []byte, rtcp bool) ([]byte, error) {
	d := &t.out
	d.mu.Lock()
	var out []byte
	var err error
	if rtcp {
		out, err = d.ctx.EncryptRTCP(d.buf[:0], p, &d.rtcp)
	} else {
		out, err = d.ctx.EncryptRTP(d.buf[:0], p, &d.rtp)
	}
	if err == nil && cap(out) > cap(d.buf) {
		d.buf = out[:0] // a jumbo packet grew it: keep the bigger one
	}
	return out, err
}

func (t *srtpTransform) release() { t.out.mu.Unlock() }

// open decrypts and authenticates the n-byte datagram in b in place and
// returns the plain packet's length; ok is false for a packet to drop.
func (t *srtpTransform) open(b []byte, n int, rtcp bool) (int, bool) {
	d := &t.in
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []byte
	var err error
	if rtcp {
		out, err = d.ctx.DecryptRTCP(b[:0], b[:n], &d.rtcp)
	} else {
		out, err = d.ctx.DecryptRTP(b[:0], b[:n], &d.rtp)
	}
	if err != nil || len(out) > 0 && &out[0] != &b[0] {
		return 0, false
	}
	return len(out), true
}

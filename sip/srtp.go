package sip

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/google/uuid"
	"github.com/hotline-cc/hotline/media"
)

// SRTP with SDES keys (RFC 4568): each side puts the master key it sends
// with in its SDP, as a=crypto:<tag> <suite> inline:<base64 key‖salt>,
// and the media profile on the m= line says whether encryption is
// mandatory (RTP/SAVP) or not (RTP/AVP). The keys are readable by anyone
// who reads the SDP: SDES is only as private as the signalling, which is
// why production deployments carry it over SIP over TLS. The code here
// works on any transport.
//
// Policy, per route (inbound), per agent and per trunk (outbound):
//
//   - off (the default): plain RTP. An offer that makes SRTP mandatory
//     (RTP/SAVP) is refused with 488; a=crypto lines on an RTP/AVP offer
//     are ignored, which is what a plain-RTP phone does too.
//   - optional: SRTP when the other side can. Inbound, an RTP/SAVP offer,
//     or an RTP/AVP one with a=crypto, is answered encrypted; a plain one
//     plainly. Outbound, we offer RTP/AVP with a=crypto, and RTP/SAVP
//     after a 488 to that (see offerSRTP).
//   - required: SRTP or no call. Inbound, an offer without a usable
//     a=crypto is refused with 488 and a Warning that says why; outbound
//     we offer RTP/SAVP and an answer without a=crypto ends the leg.

// SRTPPolicy says whether a leg's media is encrypted.
type SRTPPolicy int

const (
	SRTPOff SRTPPolicy = iota
	SRTPOptional
	SRTPRequired
)

func (p SRTPPolicy) String() string {
	switch p {
	case SRTPOptional:
		return "optional"
	case SRTPRequired:
		return "required"
	}
	return "off"
}

// ParseSRTPPolicy reads "off", "optional" or "required"; "" is off.
func ParseSRTPPolicy(s string) (SRTPPolicy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "off":
		return SRTPOff, nil
	case "optional":
		return SRTPOptional, nil
	case "required":
		return SRTPRequired, nil
	}
	return SRTPOff, fmt.Errorf("srtp %q: want off, optional or required", s)
}

// Crypto is one a=crypto attribute (RFC 4568 §9.1): a tag the answer
// repeats, a crypto suite and the master key and salt its sender uses.
// Key lifetimes are accepted and not enforced (the server's calls never
// come near 2^31 packets); keys with an MKI are refused, as are session
// parameters, which would change what the suite does.
type Crypto struct {
	Tag   int
	Suite media.SRTPSuite
	Key   []byte // master key ‖ salt, media.SRTPKeyLen bytes
}

// ErrBadCrypto is returned for an a=crypto attribute the server cannot use.
var ErrBadCrypto = errors.New("sdp: unusable crypto attribute")

// ParseCrypto parses an a=crypto attribute's value:
// "1 AES_CM_128_HMAC_SHA1_80 inline:<base64>[|lifetime][|MKI:length]".
func ParseCrypto(value string) (Crypto, error) {
	f := strings.Fields(value)
	if len(f) < 3 {
		return Crypto{}, fmt.Errorf("%w: %q: want <tag> <suite> inline:<key>", ErrBadCrypto, value)
	}
	tag, err := strconv.Atoi(f[0])
	if err != nil || tag < 0 || tag > 999999999 || len(f[0]) > 10 {
		return Crypto{}, fmt.Errorf("%w: tag %q is not a number of up to 9 digits", ErrBadCrypto, f[0])
	}
	c := Crypto{Tag: tag, Suite: media.SRTPSuite(f[1])}
	if !c.Suite.Supported() {
		return Crypto{}, fmt.Errorf("%w: suite %q is not supported", ErrBadCrypto, f[1])
	}
	if len(f) > 3 {
		return Crypto{}, fmt.Errorf("%w: session parameters %q are not supported", ErrBadCrypto, strings.Join(f[3:], " "))
	}
	// Several keys (;-separated inline: params) only come with MKIs.
	kp, ok := strings.CutPrefix(f[2], "inline:")
	if !ok || strings.Contains(kp, ";") {
		return Crypto{}, fmt.Errorf("%w: key params %q: want one inline: key", ErrBadCrypto, f[2])
	}
	key, rest, _ := strings.Cut(kp, "|")
	if rest != "" {
		lifetime, mki, _ := strings.Cut(rest, "|")
		if strings.Contains(lifetime, ":") {
			mki, lifetime = lifetime, "" // no lifetime, just the MKI
		}
		if mki != "" {
			return Crypto{}, fmt.Errorf("%w: keys with an MKI are not supported", ErrBadCrypto)
		}
		if !validLifetime(lifetime) {
			return Crypto{}, fmt.Errorf("%w: key lifetime %q", ErrBadCrypto, lifetime)
		}
	}
	c.Key, err = base64.StdEncoding.DecodeString(key)
	if err != nil {
		// Some phones leave out the padding.
		c.Key, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(key, "="))
	}
	if err != nil || len(c.Key) != media.SRTPKeyLen {
		return Crypto{}, fmt.Errorf("%w: the key is not %d bytes of base64", ErrBadCrypto, media.SRTPKeyLen)
	}
	return c, nil
}

// validLifetime accepts "", a decimal number or 2^n.
func validLifetime(s string) bool {
	if s == "" {
		return true
	}
	if e, ok := strings.CutPrefix(s, "2^"); ok {
		n, err := strconv.Atoi(e)
		return err == nil && n > 0 && n <= 64
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// String is the attribute's value, as it goes after "a=crypto:".
func (c Crypto) String() string {
	return fmt.Sprintf("%d %s inline:%s", c.Tag, c.Suite, base64.StdEncoding.EncodeToString(c.Key))
}

func (c Crypto) equal(d Crypto) bool {
	return c.Tag == d.Tag && c.Suite == d.Suite && string(c.Key) == string(d.Key)
}

// newCrypto makes our side's crypto for a tag and suite, with a fresh key.
func newCrypto(tag int, suite media.SRTPSuite) (Crypto, error) {
	key := make([]byte, media.SRTPKeyLen)
	if _, err := rand.Read(key); err != nil {
		return Crypto{}, fmt.Errorf("srtp key: %w", err)
	}
	return Crypto{Tag: tag, Suite: suite, Key: key}, nil
}

// srtpSession is what a leg's SRTP negotiation settled: the profile our
// SDP says and the two keys. Nil is plain RTP.
type srtpSession struct {
	profile       string // "RTP/SAVP", or "RTP/AVP" for SRTP offered the optional way
	local, remote Crypto
}

// config is the media session's SRTP configuration (nil for nil).
func (s *srtpSession) config() *media.SRTPConfig {
	if s == nil {
		return nil
	}
	return &media.SRTPConfig{Suite: s.local.Suite, Local: s.local.Key, Remote: s.remote.Key}
}

func (s *srtpSession) same(t *srtpSession) bool {
	if s == nil || t == nil {
		return s == t
	}
	return s.profile == t.profile && s.local.equal(t.local) && s.remote.equal(t.remote)
}

// sdpSecurity is what our SDP says about encryption: the m= profile and
// our a=crypto lines. The zero value is plain RTP/AVP.
type sdpSecurity struct {
	profile string
	crypto  []Crypto
}

func (s *srtpSession) sdp() sdpSecurity {
	if s == nil {
		return sdpSecurity{}
	}
	return sdpSecurity{profile: s.profile, crypto: []Crypto{s.local}}
}

// SRTPError is an offer or answer that the leg's SRTP policy refuses;
// inbound it becomes 488 Not Acceptable Here with a Warning (RFC 3261
// §20.43) saying why.
type SRTPError struct {
	Warn   int // the Warning code: 302 for a profile mismatch, 305 for the crypto
	Reason string
}

func (e *SRTPError) Error() string { return "srtp: " + e.Reason }

// warning is the Warning header for the 488.
func (e *SRTPError) warning() gsip.Header {
	return gsip.NewHeader("Warning", fmt.Sprintf("%d hotline \"%s\"", e.Warn, e.Reason))
}

func secureProfile(p string) bool { return strings.Contains(p, "SAVP") }

// answerSRTP decides an offer's SRTP under policy p: nil for plain RTP,
// the keys otherwise, an *SRTPError when the policy refuses it. cur is
// the leg's SRTP so far (a re-INVITE's offer): when the offer repeats the
// remote's crypto, the keys stay and so do the running contexts; new
// remote keys get new ones of ours too (RFC 4568 §7.1.4).
func answerSRTP(o *Offer, p SRTPPolicy, cur *srtpSession) (*srtpSession, error) {
	secure := secureProfile(o.Profile)
	switch {
	case p == SRTPOff && secure:
		return nil, &SRTPError{302, "the offer makes SRTP mandatory (" + o.Profile + ") and SRTP is off here"}
	case p == SRTPOff:
		return nil, nil
	case len(o.Crypto) == 0 && (secure || p == SRTPRequired):
		if secure {
			return nil, &SRTPError{305, "the offer has no crypto suite hotline supports (AES_CM_128_HMAC_SHA1_80 or _32 with one inline key)"}
		}
		return nil, &SRTPError{302, "SRTP is required here and the offer is plain RTP (" + o.Profile + " without a=crypto)"}
	case len(o.Crypto) == 0:
		return nil, nil
	}
	remote := o.Crypto[0] // the offerer's preference (RFC 4568 §7.1.1)
	if cur != nil && cur.remote.equal(remote) && cur.profile == o.Profile {
		return cur, nil
	}
	local, err := newCrypto(remote.Tag, remote.Suite)
	if err != nil {
		return nil, err
	}
	return &srtpSession{profile: o.Profile, local: local, remote: remote}, nil
}

// offerSRTP builds our offer's SRTP under policy p (the zero value and
// nil for off). RFC 4568 has no clean way to offer SRTP as optional: the
// choices are RTP/SAVP with a fallback to a second INVITE after a 488, or
// RTP/AVP with a=crypto ("best effort", what Asterisk, FreeSWITCH and
// baresip's mediaenc=srtp send). We take the second: one INVITE, and a
// phone without SRTP ignores the unknown attribute and answers plain,
// where the first costs a failed attempt on every such phone. A phone
// that takes SRTP only as RTP/SAVP refuses ours with 488, and gets the
// RTP/SAVP offer then (placeCallSRTP): the extra round trip is paid only
// by those. required offers RTP/SAVP. Both offer the 80-bit tag first and
// the 32-bit one as tag 2.
func offerSRTP(p SRTPPolicy) (sdpSecurity, []Crypto, error) {
	if p == SRTPOff {
		return sdpSecurity{}, nil, nil
	}
	var cs []Crypto
	for i, s := range media.SRTPSuites() {
		c, err := newCrypto(i+1, s)
		if err != nil {
			return sdpSecurity{}, nil, err
		}
		cs = append(cs, c)
	}
	profile := "RTP/AVP"
	if p == SRTPRequired {
		profile = "RTP/SAVP"
	}
	return sdpSecurity{profile: profile, crypto: cs}, cs, nil
}

// takeAnswerSRTP reads the answer to our offer, which listed ours: nil
// for plain RTP, the keys when the answer accepted one of our lines (same
// tag and suite), an *SRTPError when policy p cannot take the answer.
func takeAnswerSRTP(ans *Offer, ours []Crypto, p SRTPPolicy) (*srtpSession, error) {
	if len(ours) == 0 {
		if secureProfile(ans.Profile) {
			return nil, &SRTPError{302, "the answer has SRTP (" + ans.Profile + "), which was not offered"}
		}
		return nil, nil
	}
	for _, a := range ans.Crypto {
		for _, c := range ours {
			if a.Tag == c.Tag && a.Suite == c.Suite {
				profile := ans.Profile
				if !secureProfile(profile) {
					profile = "RTP/AVP"
				}
				return &srtpSession{profile: profile, local: c, remote: a}, nil
			}
		}
	}
	if p == SRTPRequired || secureProfile(ans.Profile) {
		return nil, &SRTPError{305, "the answer accepts none of our crypto lines"}
	}
	return nil, nil
}

// SetSRTPPolicy sets the call's SRTP policy (its route's), before it is
// answered. An offer the policy refuses is rejected at once with 488 Not
// Acceptable Here and a Warning saying why, and the *SRTPError returned.
func (c *InboundCall) SetSRTPPolicy(p SRTPPolicy) error {
	c.mu.Lock()
	if c.rtp != nil || c.answered {
		c.mu.Unlock()
		return nil // too late to change; the call keeps what it negotiated
	}
	c.srtpPolicy, c.srtpDone = p, false
	var err error
	if c.offer != nil {
		err = c.negotiateSRTPLocked()
	}
	c.mu.Unlock()
	if err != nil {
		c.rejectSRTP(err)
	}
	return err
}

// SRTP reports whether the call's media is encrypted.
func (c *InboundCall) SRTP() bool {
	if r := c.RTP(); r != nil {
		return r.SRTP()
	}
	return false
}

// negotiateSRTPLocked settles the caller's offer's SRTP under the call's
// policy, once (c.mu held).
func (c *InboundCall) negotiateSRTPLocked() error {
	if c.srtpDone {
		return nil
	}
	s, err := answerSRTP(c.offer, c.srtpPolicy, nil)
	if err != nil {
		return err
	}
	c.offer.srtp, c.srtpDone = s, true
	return nil
}

// rejectSRTP refuses the call with 488 and a Warning when err is an
// *SRTPError, and reports whether it was one.
func (c *InboundCall) rejectSRTP(err error) bool {
	var se *SRTPError
	if !errors.As(err, &se) {
		return false
	}
	c.log.Info("call rejected: srtp", "policy", c.srtpPolicy.String(), "reason", se.Reason)
	c.reject(488, "Not Acceptable Here", se.warning())
	return true
}

// ApplySRTP is SetSRTPPolicy with the policy's name, as a dialplan route
// writes it ("" is off).
func (c *InboundCall) ApplySRTP(policy string) error {
	p, err := ParseSRTPPolicy(policy)
	if err != nil {
		c.reject(500, "Server Internal Error")
		return err
	}
	return c.SetSRTPPolicy(p)
}

// placeCallSRTP is placeCall, with one retry for optional SRTP: a phone or
// trunk that answers our RTP/AVP offer with a=crypto by 488 Not Acceptable
// Here may be one that takes SRTP only as RTP/SAVP (baresip's srtp-mand
// does that), so the INVITE is sent once more, as RTP/SAVP, on a new
// Call-ID. Such a refusal comes before any ringing: the phone does not
// ring twice. A second refusal is final.
func (s *Server) placeCallSRTP(ctx context.Context, inv outboundInvite) (*OutboundCall, error) {
	o, err := s.placeCall(ctx, inv)
	var re *ResponseError
	if inv.srtp != SRTPOptional || !errors.As(err, &re) || re.Code != 488 || ctx.Err() != nil {
		return o, err
	}
	inv.offerSAVP, inv.callID = true, uuid.NewString()
	inv.log.Info("488 to srtp offered as RTP/AVP: offering RTP/SAVP", "retry_call_id", inv.callID)
	return s.placeCall(ctx, inv)
}

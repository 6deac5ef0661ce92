package sip

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/opus"
	"github.com/pion/sdp/v3"
)

// ErrNoCommonCodec means the offer has no audio codec the server speaks (→ 488).
var ErrNoCommonCodec = errors.New("sdp: no common audio codec")

// Codecs is the list of audio codecs a server terminates, in its order of
// preference. The server's first preference among the codecs an offer lists
// sets the sample rate (wideband first by default, so that callers who can
// send 16 kHz audio do, and the recognizer hears it); between codecs of that
// rate the caller's order decides.
type Codecs []media.Codec

// DefaultCodecs is Opus (in builds with libopus), G.722, then G.711 µ-law and A-law.
func DefaultCodecs() Codecs {
	var cs Codecs
	if opus.Available {
		cs = append(cs, opus.New(0))
	}
	return append(cs, media.G722(), media.PCMU(), media.PCMA())
}

// CodecNames lists the names ParseCodecs accepts, for error hints.
func CodecNames() []string {
	names := make([]string, 0, 4)
	for _, c := range DefaultCodecs() {
		names = append(names, c.Info().Name)
	}
	return names
}

// ParseCodecs turns configured names (case-insensitive: "opus", "G722",
// "PCMU", "PCMA") into a codec list in that order.
func ParseCodecs(names []string) (Codecs, error) {
	var cs Codecs
	for _, n := range names {
		var found media.Codec
		for _, c := range DefaultCodecs() {
			if strings.EqualFold(c.Info().Name, n) {
				found = c
			}
		}
		if found == nil {
			if strings.EqualFold(n, "opus") {
				return nil, fmt.Errorf("codec %q: this build has no Opus (build with -tags opus and libopus-dev)", n)
			}
			return nil, fmt.Errorf("codec %q: unknown (supported: %s)", n, strings.Join(CodecNames(), ", "))
		}
		for _, c := range cs {
			if c.Info().Name == found.Info().Name {
				return nil, fmt.Errorf("codec %q: listed twice", n)
			}
		}
		cs = append(cs, found)
	}
	if len(cs) == 0 {
		return nil, errors.New("no codecs listed")
	}
	return cs, nil
}

// Offer is the part of a remote SDP the server acts on.
type Offer struct {
	Addr     *net.UDPAddr // remote RTP address (c= + m= port); 0.0.0.0 when the remote holds (RFC 2543)
	Codec    media.Codec  // chosen codec, with the remote's payload type, set up for the remote's FMTP
	FMTP     string       // the remote's format parameters for that payload type (a=fmtp)
	DTMFPT   uint8        // remote telephone-event payload type (0 = none)
	DTMFRate int          // its clock rate (8000, or 48000 next to Opus)
	// Direction is the remote's (a=sendonly: it holds the call); ours is
	// its Reverse. A connection address of 0.0.0.0 means it does not receive.
	Direction media.Direction
	// Profile is the m= line's transport ("RTP/AVP", "RTP/SAVP"), Crypto
	// the remote's a=crypto lines the server can use, in its order (srtp.go).
	Profile string
	Crypto  []Crypto
	// srtp is the leg's SRTP as negotiated with this description (nil: plain).
	srtp *srtpSession
}

// sameCodec reports whether o and b put the same codec on the wire: the
// same codec, payload types and format parameters.
func (o *Offer) sameCodec(b *Offer) bool {
	ai, bi := o.Codec.Info(), b.Codec.Info()
	return ai.Name == bi.Name && ai.ClockRate == bi.ClockRate && ai.PayloadType == bi.PayloadType &&
		o.FMTP == b.FMTP && o.DTMFPT == b.DTMFPT && o.DTMFRate == b.DTMFRate
}

// ParseOffer parses a remote SDP (an offer, or the answer to ours) and picks
// a codec from the default list.
func ParseOffer(body []byte) (*Offer, error) { return DefaultCodecs().Negotiate(body) }

// rtpmap is one payload type's encoding as the remote maps it.
type rtpmap struct {
	name string // upper case, e.g. "OPUS"
	rate int
}

// staticPT are the RFC 3551 payload types an offer may use without rtpmap.
var staticPT = map[uint8]rtpmap{0: {"PCMU", 8000}, 8: {"PCMA", 8000}, 9: {"G722", 8000}}

// Negotiate parses a remote SDP and picks the first codec of cs that the
// remote lists, with the remote's payload type.
func (cs Codecs) Negotiate(body []byte) (*Offer, error) { return cs.negotiate(body, nil) }

// negotiate is Negotiate, except that keep, when the remote still lists
// it, is chosen whatever the order: a re-INVITE on an established call
// keeps its codec unless the remote drops it.
func (cs Codecs) negotiate(body []byte, keep media.Codec) (*Offer, error) {
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(body); err != nil {
		return nil, fmt.Errorf("sdp: %w", err)
	}
	var audio *sdp.MediaDescription
	for _, m := range sd.MediaDescriptions {
		if m.MediaName.Media == "audio" && m.MediaName.Port.Value != 0 {
			audio = m
			break
		}
	}
	if audio == nil {
		return nil, fmt.Errorf("sdp: no active audio stream: %w", ErrNoCommonCodec)
	}
	conn := sd.ConnectionInformation
	if audio.ConnectionInformation != nil {
		conn = audio.ConnectionInformation
	}
	if conn == nil || conn.Address == nil {
		return nil, errors.New("sdp: no connection address (c=)")
	}
	ip := net.ParseIP(conn.Address.Address)
	if ip == nil {
		return nil, fmt.Errorf("sdp: connection address %q is not an IP address", conn.Address.Address)
	}
	o := &Offer{Addr: &net.UDPAddr{IP: ip, Port: audio.MediaName.Port.Value}, Profile: strings.Join(audio.MediaName.Protos, "/")}
	// Direction: the stream's attribute, else the session's (RFC 3264 §5.1).
	for _, a := range sd.Attributes {
		if d, ok := media.ParseDirection(a.Key); ok {
			o.Direction = d
		}
	}
	fmtps := map[uint8]string{}

	maps := make(map[uint8]rtpmap, len(staticPT)+4)
	for pt, m := range staticPT {
		maps[pt] = m
	}
	for _, a := range audio.Attributes {
		switch a.Key {
		case "rtpmap":
			// "96 opus/48000/2": name, clock rate, optional channels.
			pt, rest, ok := strings.Cut(a.Value, " ")
			n, err := strconv.Atoi(pt)
			if !ok || err != nil || n < 0 || n >= 128 {
				continue
			}
			parts := strings.Split(strings.TrimSpace(rest), "/")
			if len(parts) < 2 {
				continue
			}
			rate, err := strconv.Atoi(parts[1])
			if err != nil || rate <= 0 {
				continue
			}
			maps[uint8(n)] = rtpmap{strings.ToUpper(parts[0]), rate}
		case "crypto":
			// Lines we cannot use are skipped: the remote offers alternatives.
			if c, err := ParseCrypto(a.Value); err == nil {
				o.Crypto = append(o.Crypto, c)
			}
		case "fmtp":
			pt, params, ok := strings.Cut(a.Value, " ")
			if n, err := strconv.Atoi(pt); ok && err == nil && n >= 0 && n < 128 {
				fmtps[uint8(n)] = strings.TrimSpace(params)
			}
		default:
			if d, ok := media.ParseDirection(a.Key); ok {
				o.Direction = d
			}
		}
	}
	if ip.IsUnspecified() {
		o.Direction = o.Direction.WithoutReceive()
	}
	var listed []uint8
	for _, f := range audio.MediaName.Formats {
		if n, err := strconv.Atoi(f); err == nil && n >= 0 && n < 128 {
			listed = append(listed, uint8(n))
		}
	}
	// Our first preference the remote lists sets the sample rate; among the
	// remote's codecs at that rate, the remote's order decides (a caller
	// listing PCMA before PCMU gets PCMA).
	find := func(c media.Codec) (uint8, bool) {
		info := c.Info()
		for _, pt := range listed {
			if m := maps[pt]; m.name == strings.ToUpper(info.Name) && m.rate == info.ClockRate {
				return pt, true
			}
		}
		return 0, false
	}
	rate := 0
	for _, c := range cs {
		if _, ok := find(c); ok {
			rate = c.Info().SampleRate
			break
		}
	}
	best := len(listed)
	var chosen media.Codec
	var chosenPT uint8
	for _, c := range cs {
		if c.Info().SampleRate != rate {
			continue
		}
		if pt, ok := find(c); ok {
			if i := slices.Index(listed, pt); i < best {
				best, chosen, chosenPT = i, c, pt
			}
		}
	}
	if keep != nil {
		ki := keep.Info()
		for _, c := range cs {
			if i := c.Info(); i.Name == ki.Name && i.ClockRate == ki.ClockRate {
				if pt, ok := find(c); ok {
					chosen, chosenPT = c, pt
				}
			}
		}
	}
	if chosen == nil {
		return nil, ErrNoCommonCodec
	}
	o.FMTP = fmtps[chosenPT]
	o.Codec = withPayloadType(media.WithRemoteFMTP(chosen, o.FMTP), chosenPT)
	// telephone-event: the one at the codec's clock rate, else any (8000 is usual).
	for _, pt := range listed {
		m := maps[pt]
		if m.name != "TELEPHONE-EVENT" {
			continue
		}
		if o.DTMFPT == 0 || m.rate == o.Codec.Info().ClockRate {
			o.DTMFPT, o.DTMFRate = pt, m.rate
		}
	}
	return o, nil
}

// withPayloadType returns c speaking payload type pt (dynamic mappings).
func withPayloadType(c media.Codec, pt uint8) media.Codec {
	if c.Info().PayloadType == pt {
		return c
	}
	return ptCodec{c, pt}
}

type ptCodec struct {
	media.Codec
	pt uint8
}

func (p ptCodec) Info() media.CodecInfo {
	i := p.Codec.Info()
	i.PayloadType = p.pt
	return i
}

// AnswerSDP builds the SDP for our side of a call: one audio stream with the
// codec chosen from o and, if offered, its telephone-event, flowing the way
// o's direction asks (recvonly to a remote that holds with sendonly).
func AnswerSDP(ip net.IP, port int, o *Offer) []byte {
	var dtmf []sdpDTMF
	if o.DTMFPT != 0 {
		dtmf = []sdpDTMF{{o.DTMFPT, o.DTMFRate}}
	}
	return buildSDP(ip, port, Codecs{o.Codec}, dtmf, o.Direction.Reverse(), o.srtp.sdp())
}

// OfferSDP builds an offer with every default codec and telephone-event.
func OfferSDP(ip net.IP, port int) []byte { return DefaultCodecs().OfferSDP(ip, port) }

// OfferSDP builds an offer with every codec of cs and telephone-event at
// 8 kHz on payload type 101 and at each other clock rate of cs (48 kHz next
// to Opus) on 110, 109, … so the remote can match the events to its codec.
func (cs Codecs) OfferSDP(ip net.IP, port int) []byte { return cs.offerSDP(ip, port, sdpSecurity{}) }

// offerSDP is OfferSDP with our SRTP offer (offerSRTP).
func (cs Codecs) offerSDP(ip net.IP, port int, sec sdpSecurity) []byte {
	dtmf := []sdpDTMF{{101, 8000}}
	for _, c := range cs {
		rate := c.Info().ClockRate
		if !slices.ContainsFunc(dtmf, func(d sdpDTMF) bool { return d.rate == rate }) {
			dtmf = append(dtmf, sdpDTMF{uint8(111 - len(dtmf)), rate})
		}
	}
	return buildSDP(ip, port, cs, dtmf, media.SendRecv, sec)
}

// reofferSDP builds our offer on an established call whose remote sent a
// re-INVITE without SDP (RFC 3261 §14.2: as for a new call, with every
// codec we take, and overlapping the session as it is): the current codec
// first on its current payload type, so a remote that answers with the
// first codec it knows keeps the session as it is; then the others of cs,
// and telephone-event. A payload type in use stays bound to its codec
// (RFC 3264 §8.3.2); the others get free numbers.
func (cs Codecs) reofferSDP(ip net.IP, port int, cur *Offer) []byte {
	used := map[uint8]bool{}
	take := func(want uint8) (uint8, bool) {
		if !used[want] {
			used[want] = true
			return want, true
		}
		for pt := uint8(96); pt < 128; pt++ {
			if !used[pt] {
				used[pt] = true
				return pt, true
			}
		}
		return 0, false
	}
	ci := cur.Codec.Info()
	codecs := Codecs{cur.Codec}
	used[ci.PayloadType] = true
	var dtmf []sdpDTMF
	if cur.DTMFPT != 0 {
		dtmf = append(dtmf, sdpDTMF{cur.DTMFPT, cur.DTMFRate})
		used[cur.DTMFPT] = true
	}
	for _, c := range cs {
		i := c.Info()
		if i.Name == ci.Name && i.ClockRate == ci.ClockRate {
			continue
		}
		if pt, ok := take(i.PayloadType); ok {
			codecs = append(codecs, withPayloadType(c, pt))
		}
	}
	// telephone-event at 8 kHz and at each other clock rate, as OfferSDP.
	rates := []int{8000}
	for _, c := range codecs {
		if r := c.Info().ClockRate; !slices.Contains(rates, r) {
			rates = append(rates, r)
		}
	}
	for i, r := range rates {
		if slices.ContainsFunc(dtmf, func(d sdpDTMF) bool { return d.rate == r }) {
			continue
		}
		want := uint8(101)
		if i > 0 {
			want = uint8(111 - i)
		}
		if pt, ok := take(want); ok {
			dtmf = append(dtmf, sdpDTMF{pt, r})
		}
	}
	return buildSDP(ip, port, codecs, dtmf, media.SendRecv, cur.srtp.sdp())
}

// nextSDP gives next, a new SDP for the call whose last SDP was prev, the
// o= line RFC 3264 §8 asks for: prev's session id, and prev's version, one
// up if anything else changed. An unchanged SDP (a session refresh) goes
// out exactly as before.
func nextSDP(prev, next []byte) []byte {
	po, prest := cutOrigin(prev)
	no, nrest := cutOrigin(next)
	pf, nf := strings.Fields(po), strings.Fields(no)
	if len(pf) != 6 || len(nf) != 6 {
		return next
	}
	ver, err := strconv.ParseUint(pf[2], 10, 64)
	if err != nil {
		return next
	}
	if nrest != prest || pf[3] != nf[3] || pf[4] != nf[4] || pf[5] != nf[5] {
		ver++
	}
	nf[0], nf[1], nf[2] = pf[0], pf[1], strconv.FormatUint(ver, 10)
	return []byte(strings.Replace(string(next), no, strings.Join(nf, " "), 1))
}

// cutOrigin returns an SDP's o= line (with "o=", without its line end) and
// the rest of the SDP.
func cutOrigin(body []byte) (origin, rest string) {
	s := string(body)
	i := strings.Index(s, "\r\no=")
	if i < 0 {
		return "", s
	}
	i += 2
	j := strings.Index(s[i:], "\r\n")
	if j < 0 {
		return "", s
	}
	return s[i : i+j], s[:i] + s[i+j:]
}

type sdpDTMF struct {
	pt   uint8
	rate int
}

func buildSDP(ip net.IP, port int, codecs Codecs, dtmf []sdpDTMF, dir media.Direction, sec sdpSecurity) []byte {
	ipv := "IP4"
	if ip.To4() == nil {
		ipv = "IP6"
	}
	id := strconv.FormatInt(time.Now().UnixNano()/1e3, 10)
	var b strings.Builder
	b.WriteString("v=0\r\n")
	fmt.Fprintf(&b, "o=hotline %s %s IN %s %s\r\n", id, id, ipv, ip)
	b.WriteString("s=hotline\r\n")
	fmt.Fprintf(&b, "c=IN %s %s\r\n", ipv, ip)
	b.WriteString("t=0 0\r\n")
	profile := sec.profile
	if profile == "" {
		profile = "RTP/AVP"
	}
	fmt.Fprintf(&b, "m=audio %d %s", port, profile)
	for _, c := range codecs {
		fmt.Fprintf(&b, " %d", c.Info().PayloadType)
	}
	for _, d := range dtmf {
		fmt.Fprintf(&b, " %d", d.pt)
	}
	b.WriteString("\r\n")
	for _, c := range codecs {
		i := c.Info()
		fmt.Fprintf(&b, "a=rtpmap:%d %s/%d", i.PayloadType, i.Name, i.ClockRate)
		if i.Channels > 0 {
			fmt.Fprintf(&b, "/%d", i.Channels)
		}
		b.WriteString("\r\n")
		if i.FMTP != "" {
			fmt.Fprintf(&b, "a=fmtp:%d %s\r\n", i.PayloadType, i.FMTP)
		}
	}
	for _, d := range dtmf {
		fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/%d\r\na=fmtp:%d 0-16\r\n", d.pt, d.rate, d.pt)
	}
	for _, c := range sec.crypto {
		fmt.Fprintf(&b, "a=crypto:%s\r\n", c)
	}
	fmt.Fprintf(&b, "a=ptime:20\r\na=%s\r\n", dir)
	return []byte(b.String())
}

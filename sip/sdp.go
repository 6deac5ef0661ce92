package sip

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/pion/sdp/v3"
)

// ErrNoCommonCodec means the offer has no audio codec the server speaks (→ 488).
var ErrNoCommonCodec = errors.New("sdp: no common audio codec")

// supportedCodecs lists the codecs the server can terminate, in preference order.
func supportedCodecs() []media.Codec { return []media.Codec{media.PCMU(), media.PCMA()} }

// Offer is the part of a remote SDP the server acts on.
type Offer struct {
	Addr     *net.UDPAddr // remote RTP address (c= + m= port)
	Codec    media.Codec  // chosen codec, with the remote's payload type
	DTMFPT   uint8        // remote telephone-event payload type (0 = none)
	Inactive bool
}

// ParseOffer parses a remote SDP and picks the first audio codec in the
// remote's order that the server supports.
func ParseOffer(body []byte) (*Offer, error) {
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
	o := &Offer{Addr: &net.UDPAddr{IP: ip, Port: audio.MediaName.Port.Value}}

	// rtpmap names, keyed by payload type.
	names := map[uint8]string{0: "PCMU/8000", 8: "PCMA/8000"}
	for _, a := range audio.Attributes {
		switch a.Key {
		case "rtpmap":
			pt, rest, ok := strings.Cut(a.Value, " ")
			if n, err := strconv.Atoi(pt); ok && err == nil && n >= 0 && n < 128 {
				names[uint8(n)] = strings.ToUpper(rest)
			}
		case "inactive":
			o.Inactive = true
		}
	}
	for _, f := range audio.MediaName.Formats {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || n >= 128 {
			continue
		}
		name := names[uint8(n)]
		if strings.HasPrefix(name, "TELEPHONE-EVENT/8000") {
			o.DTMFPT = uint8(n)
		}
	}
	for _, f := range audio.MediaName.Formats {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || n >= 128 {
			continue
		}
		name := names[uint8(n)]
		for _, c := range supportedCodecs() {
			info := c.Info()
			if name == fmt.Sprintf("%s/%d", info.Name, info.ClockRate) {
				o.Codec = withPayloadType(c, uint8(n))
				return o, nil
			}
		}
	}
	return nil, ErrNoCommonCodec
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
// chosen codec and, if offered, telephone-event.
func AnswerSDP(ip net.IP, port int, codec media.Codec, dtmfPT uint8) []byte {
	return buildSDP(ip, port, []media.Codec{codec}, dtmfPT)
}

// OfferSDP builds an offer with every supported codec and telephone-event 101.
func OfferSDP(ip net.IP, port int) []byte {
	return buildSDP(ip, port, supportedCodecs(), 101)
}

func buildSDP(ip net.IP, port int, codecs []media.Codec, dtmfPT uint8) []byte {
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
	fmt.Fprintf(&b, "m=audio %d RTP/AVP", port)
	for _, c := range codecs {
		fmt.Fprintf(&b, " %d", c.Info().PayloadType)
	}
	if dtmfPT != 0 {
		fmt.Fprintf(&b, " %d", dtmfPT)
	}
	b.WriteString("\r\n")
	for _, c := range codecs {
		i := c.Info()
		fmt.Fprintf(&b, "a=rtpmap:%d %s/%d\r\n", i.PayloadType, i.Name, i.ClockRate)
	}
	if dtmfPT != 0 {
		fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n", dtmfPT, dtmfPT)
	}
	b.WriteString("a=ptime:20\r\na=sendrecv\r\n")
	return []byte(b.String())
}

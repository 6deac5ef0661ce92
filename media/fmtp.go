package media

import "strings"

// RemoteFMTPCodec is a codec whose encoder adapts to the receiving end's
// decoder, as that end's SDP describes it in the a=fmtp line of the payload
// type. Opus sends in-band FEC only to a decoder that says it uses it
// (RFC 7587 §6.1, useinbandfec). CodecInfo.FMTP stays ours: it describes
// what we receive.
type RemoteFMTPCodec interface {
	Codec
	// WithRemoteFMTP returns the codec encoding for a receiver whose format
	// parameters are fmtp ("" when its SDP has none).
	WithRemoteFMTP(fmtp string) Codec
}

// WithRemoteFMTP returns c set up for a receiver with format parameters
// fmtp; a codec that has nothing to adapt is returned as it is.
func WithRemoteFMTP(c Codec, fmtp string) Codec {
	if r, ok := c.(RemoteFMTPCodec); ok {
		return r.WithRemoteFMTP(fmtp)
	}
	return c
}

// FMTPParam returns the value of parameter name in an a=fmtp parameter
// list ("minptime=10;useinbandfec=1"); names compare case-insensitively
// and spaces around separators are allowed.
func FMTPParam(fmtp, name string) (string, bool) {
	for _, p := range strings.Split(fmtp, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

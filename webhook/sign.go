package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header names of a delivery.
const (
	HeaderSignature = "Hotline-Signature"
	HeaderEventID   = "Hotline-Event-Id"
	HeaderEventType = "Hotline-Event-Type"
)

// Tolerance is how far a signed timestamp may be from the receiver's clock.
const Tolerance = 5 * time.Minute

func mac(secret string, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(strconv.FormatInt(unix, 10)))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Sign returns the Hotline-Signature header value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with secret>".
func Sign(secret string, t time.Time, body []byte) string {
	unix := t.Unix()
	return "t=" + strconv.FormatInt(unix, 10) + ",v1=" + hex.EncodeToString(mac(secret, unix, body))
}

// ParseSignature splits a Hotline-Signature header into its timestamp and its v1 signatures
// (more than one while a secret is being rotated). Unknown fields are ignored, so a later
// scheme can be added beside v1.
func ParseSignature(header string) (t int64, sigs [][]byte, err error) {
	haveT := false
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return 0, nil, fmt.Errorf("%w: field %q has no '='", ErrBadSignature, part)
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || haveT {
				return 0, nil, fmt.Errorf("%w: timestamp %q", ErrBadSignature, v)
			}
			t, haveT = n, true
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return 0, nil, fmt.Errorf("%w: v1 %q is not a hex SHA-256", ErrBadSignature, v)
			}
			sigs = append(sigs, b)
		}
	}
	if !haveT || len(sigs) == 0 {
		return 0, nil, fmt.Errorf("%w: header %q needs t= and v1=", ErrBadSignature, header)
	}
	return t, sigs, nil
}

// Verify checks a delivery on the receiving side: header is the Hotline-Signature value, body
// the raw request body, now the receiver's clock. It returns an error wrapping ErrBadSignature
// when no v1 matches, and ErrStale when the signed time is more than Tolerance from now (a
// replay). It compares in constant time.
func Verify(secret, header string, body []byte, now time.Time) error {
	t, sigs, err := ParseSignature(header)
	if err != nil {
		return err
	}
	want := mac(secret, t, body)
	ok := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			ok = true
		}
	}
	if !ok {
		return fmt.Errorf("%w: no v1 signature matches the body", ErrBadSignature)
	}
	// Checked after the MAC, so the timestamp is one the sender signed.
	if d := now.Sub(time.Unix(t, 0)); d > Tolerance || d < -Tolerance {
		return fmt.Errorf("%w: signed %v from now", ErrStale, d.Round(time.Second))
	}
	return nil
}

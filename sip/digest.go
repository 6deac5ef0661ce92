package sip

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// HA1 is the digest secret MD5(user:realm:password). It is what the server
// stores for SIP authentication: the password itself never is.
func HA1(user, realm, password string) string {
	return md5hex(user + ":" + realm + ":" + password)
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// nonces are stateless: a timestamp and an HMAC of it, so any server
// restart or request order works and stale ones are recognised.
type nonceSource struct {
	key []byte
	ttl time.Duration
}

func newNonceSource(ttl time.Duration) *nonceSource {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return &nonceSource{key: k, ttl: ttl}
}

func (n *nonceSource) make(now time.Time) string {
	b := make([]byte, 8, 8+16)
	binary.BigEndian.PutUint64(b, uint64(now.UnixNano()))
	m := hmac.New(sha256.New, n.key)
	m.Write(b[:8])
	b = append(b, m.Sum(nil)[:16]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// check reports whether the nonce is ours and, if so, whether it is stale.
func (n *nonceSource) check(nonce string, now time.Time) (valid, stale bool) {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != 24 {
		return false, false
	}
	m := hmac.New(sha256.New, n.key)
	m.Write(b[:8])
	if !hmac.Equal(m.Sum(nil)[:16], b[8:]) {
		return false, false
	}
	at := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	return true, now.Sub(at) > n.ttl
}

// digestCredentials is a parsed Authorization header.
type digestCredentials struct {
	Username, Realm, Nonce, URI, Response, Algorithm, Cnonce, QOP, NC, Opaque string
}

var errBadAuthorization = errors.New("malformed Authorization header")

// parseDigest parses `Digest k="v", k2=v2` (RFC 2617 / 3261).
func parseDigest(h string) (*digestCredentials, error) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Digest") {
		return nil, errBadAuthorization
	}
	c := &digestCredentials{}
	for len(rest) > 0 {
		rest = strings.TrimLeft(rest, " ,\t")
		if rest == "" {
			break
		}
		k, v, ok := strings.Cut(rest, "=")
		if !ok {
			return nil, errBadAuthorization
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimLeft(v, " \t")
		var val string
		if strings.HasPrefix(v, `"`) {
			end := strings.IndexByte(v[1:], '"')
			if end < 0 {
				return nil, errBadAuthorization
			}
			val, rest = v[1:1+end], v[2+end:]
		} else {
			end := strings.IndexByte(v, ',')
			if end < 0 {
				end = len(v)
			}
			val, rest = strings.TrimSpace(v[:end]), v[end:]
		}
		switch k {
		case "username":
			c.Username = val
		case "realm":
			c.Realm = val
		case "nonce":
			c.Nonce = val
		case "uri":
			c.URI = val
		case "response":
			c.Response = val
		case "algorithm":
			c.Algorithm = val
		case "cnonce":
			c.Cnonce = val
		case "qop":
			c.QOP = val
		case "nc":
			c.NC = val
		case "opaque":
			c.Opaque = val
		}
	}
	if c.Username == "" || c.Nonce == "" || c.Response == "" || c.URI == "" {
		return nil, errBadAuthorization
	}
	if c.Algorithm != "" && !strings.EqualFold(c.Algorithm, "MD5") {
		return nil, fmt.Errorf("digest algorithm %q is not supported", c.Algorithm)
	}
	return c, nil
}

// verifyDigest checks a response against the stored HA1 (RFC 2617, qop=auth or none).
func verifyDigest(c *digestCredentials, ha1, method string) bool {
	ha2 := md5hex(method + ":" + c.URI)
	var want string
	if c.QOP != "" {
		if c.QOP != "auth" {
			return false
		}
		want = md5hex(ha1 + ":" + c.Nonce + ":" + c.NC + ":" + c.Cnonce + ":" + c.QOP + ":" + ha2)
	} else {
		want = md5hex(ha1 + ":" + c.Nonce + ":" + ha2)
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(c.Response))) == 1
}

func challenge(realm, nonce string, stale bool) string {
	s := fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=MD5, qop="auth"`, realm, nonce)
	if stale {
		s += ", stale=true"
	}
	return s
}

package chat

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzVerify: whatever a platform (or an attacker) sends as timestamp, signature and body,
// Verify never panics and accepts only the signature Sign makes.
func FuzzVerify(f *testing.F) {
	secret := []byte("s3cret")
	now := time.Unix(1_800_000_000, 0)
	f.Add("1800000000", Sign(secret, 1_800_000_000, []byte(`{"user":"u","text":"hi"}`)), []byte(`{"user":"u","text":"hi"}`))
	f.Add("", "", []byte(nil))
	f.Add("-9223372036854775808", "sha256=", []byte("x"))
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		err := Verify(secret, ts, sig, body, now)
		n, _ := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
		if err == nil && strings.TrimSpace(sig) != Sign(secret, n, body) {
			t.Fatalf("accepted a signature Sign does not make: %q %q", ts, sig)
		}
		_ = VerifyIdentity(secret, ts, sig)
		_ = ImageType(body)
	})
}

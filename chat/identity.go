package chat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// A site identifies its logged-in user to the chat by signing the user's id on its backend:
// signature = hex(HMAC-SHA256(secret, user_id)), the secret shared with hotline
// (chat.identity_secret). A chat whose identity verifies joins that user's customer profile;
// an unsigned or wrongly signed claim is refused, never trusted.

// SignIdentity is what a site's backend computes for userID.
func SignIdentity(secret []byte, userID string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(userID))
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyIdentity reports whether signature is userID's, under secret. Without a secret
// nothing verifies.
func VerifyIdentity(secret []byte, userID, signature string) bool {
	if len(secret) == 0 || userID == "" || signature == "" {
		return false
	}
	want, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(userID))
	return hmac.Equal(m.Sum(nil), want)
}

// ImageType is the content type of an image the chat accepts (PNG, JPEG, GIF, WebP), judged
// from its bytes, or "" for anything else: what the visitor's browser claims does not count.
func ImageType(b []byte) string {
	switch t := http.DetectContentType(b); t {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return t
	}
	return ""
}

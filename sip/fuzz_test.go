package sip

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/emiago/sipgo/siptest"
)

// FuzzParseDigest parses an Authorization header value as a phone sends it and checks the
// answer against a password: neither may panic, and what parses must verify or not, nothing else.
func FuzzParseDigest(f *testing.F) {
	f.Add(`Digest username="alice", realm="hotline.test", nonce="abc", uri="sip:hotline.test", response="00112233445566778899aabbccddeeff", algorithm=MD5`)
	f.Add(`Digest username="a", realm="r", nonce="n", uri="sip:x", response="r", qop=auth, nc=00000001, cnonce="c", opaque="o"`)
	f.Add(`Digest username="unterminated`)
	f.Add(`NoOneKnowsThisScheme opaque-data=here`)
	f.Add(`Digest ,,,=,"`)
	f.Fuzz(func(t *testing.T, h string) {
		c, err := parseDigest(h)
		if err != nil {
			return
		}
		if c == nil {
			t.Fatal("nil credentials without an error")
		}
		_ = verifyDigest(c, HA1(c.Username, c.Realm, "pw"), "REGISTER")
	})
}

// FuzzRegister drives the registrar with a REGISTER whose Contact, Expires and Authorization
// come from the fuzzer: it must answer exactly once, and never panic.
func FuzzRegister(f *testing.F) {
	f.Add("<sip:alice@127.0.0.1:5070>", "3600", "")
	f.Add("<sip:alice@127.0.0.1:5070>;expires=0", "", "")
	f.Add("*", "0", `Digest username="alice", realm="hotline.test", nonce="x", uri="sip:hotline.test", response="y"`)
	f.Add("sip:+19725552222@gw1.example.net;unknownparam", "-1", "NoOneKnowsThisScheme opaque-data=here")
	f.Add("<sip:user@example.com?Route=%3Csip:sip.example.com%3E>", "99999999999999999999", "Digest")
	f.Add("<name:John_Smith>", "60", `Digest username="alice"`)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := NewRegistrar(RegistrarConfig{Realm: regRealm}, testCreds{"alice": HA1("alice", regRealm, "pw")}, log)
	n := 0
	f.Fuzz(func(t *testing.T, contact, expires, authz string) {
		n++
		raw := fmt.Sprintf("REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-f%d\r\n"+
			"From: <sip:alice@%s>;tag=f%d\r\nTo: <sip:alice@%s>\r\nCall-ID: fuzz-%d\r\nCSeq: 1 REGISTER\r\n"+
			"Contact: %s\r\nExpires: %s\r\n", regRealm, n, regRealm, n, regRealm, n, contact, expires)
		if authz != "" {
			raw += "Authorization: " + authz + "\r\n"
		}
		m, err := gsip.ParseMessage([]byte(raw + "Content-Length: 0\r\n\r\n"))
		if err != nil {
			return // the stack refuses it before the registrar sees it
		}
		req, ok := m.(*gsip.Request)
		if !ok {
			return
		}
		req.SetSource("127.0.0.1:5070")
		tx := siptest.NewServerTxRecorder(req)
		r.Handle(req, tx)
		if got := len(tx.Result()); got != 1 {
			t.Fatalf("%d responses to\n%s", got, raw)
		}
		r.Expire()
	})
}

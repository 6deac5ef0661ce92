package sip

import (
	"testing"
	"time"
)

func TestHA1(t *testing.T) {
	// RFC 2617 §3.5 example credentials.
	if got := HA1("Mufasa", "testrealm@host.com", "Circle Of Life"); got != "939e7578ed9e3c518a452acee763bce9" {
		t.Fatalf("HA1 = %s", got)
	}
}

func TestVerifyDigestRFC2617(t *testing.T) {
	c, err := parseDigest(`Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"`)
	if err != nil {
		t.Fatal(err)
	}
	ha1 := HA1("Mufasa", "testrealm@host.com", "Circle Of Life")
	if !verifyDigest(c, ha1, "GET") {
		t.Fatal("RFC 2617 example did not verify")
	}
	if verifyDigest(c, HA1("Mufasa", "testrealm@host.com", "wrong"), "GET") {
		t.Fatal("wrong password verified")
	}
	if verifyDigest(c, ha1, "POST") {
		t.Fatal("wrong method verified")
	}
}

func TestVerifyDigestNoQOP(t *testing.T) {
	ha1 := HA1("alice", "hotline", "secret")
	resp := md5hex(ha1 + ":abc:" + md5hex("REGISTER:sip:127.0.0.1"))
	c, err := parseDigest(`Digest username="alice",realm="hotline",nonce="abc",uri="sip:127.0.0.1",response="` + resp + `"`)
	if err != nil {
		t.Fatal(err)
	}
	if !verifyDigest(c, ha1, "REGISTER") {
		t.Fatal("no-qop digest did not verify")
	}
}

func TestParseDigestMalformed(t *testing.T) {
	for _, h := range []string{"", "Basic abc", "Digest", `Digest username="a"`, `Digest username="a, nonce=1`, `Digest username=a,nonce=b,uri=c,response=d,algorithm=SHA-256`} {
		if _, err := parseDigest(h); err == nil {
			t.Errorf("parseDigest(%q) accepted", h)
		}
	}
}

func TestNonces(t *testing.T) {
	n := newNonceSource(time.Minute)
	now := time.Now()
	nonce := n.make(now)
	if ok, stale := n.check(nonce, now.Add(time.Second)); !ok || stale {
		t.Fatalf("fresh nonce: ok=%v stale=%v", ok, stale)
	}
	if ok, stale := n.check(nonce, now.Add(2*time.Minute)); !ok || !stale {
		t.Fatalf("old nonce: ok=%v stale=%v", ok, stale)
	}
	if ok, _ := n.check(nonce[:len(nonce)-2]+"AA", now); ok {
		t.Fatal("tampered nonce accepted")
	}
	if ok, _ := newNonceSource(time.Minute).check(nonce, now); ok {
		t.Fatal("nonce from another key accepted")
	}
}

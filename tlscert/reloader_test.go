package tlscert_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/tlscert"
	"github.com/hotline-cc/hotline/tlscert/tlscerttest"
)

// handshakeLeaf dials a TLS server on l and returns the certificate it presented.
func handshakeLeaf(t *testing.T, l net.Listener, roots *x509.CertPool) *x509.Certificate {
	t.Helper()
	c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "hotline.test"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0]
}

func serve(t *testing.T, r *tlscert.Reloader) net.Listener {
	t.Helper()
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{GetCertificate: r.GetCertificate})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.(*tls.Conn).Handshake()
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	return l
}

// A replaced certificate file is what the next handshake presents; a connection opened before
// keeps the old one.
func TestReloadOnReplace(t *testing.T) {
	dir := t.TempDir()
	ca := tlscerttest.NewCA(t, "test CA")
	first := ca.Issue(t, "hotline.test")
	certFile, keyFile := first.Write(t, dir, "server")
	var logs strings.Builder
	r, err := tlscert.New(certFile, keyFile, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	l := serve(t, r)

	if got := handshakeLeaf(t, l, roots); got.SerialNumber.Cmp(first.Cert.SerialNumber) != 0 {
		t.Fatalf("first handshake: serial %v, want %v", got.SerialNumber, first.Cert.SerialNumber)
	}
	old, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "hotline.test"})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()

	second := ca.Issue(t, "hotline.test")
	second.Write(t, dir, "server")
	// A rename within the file system's timestamp granularity keeps the mtime; the size of a
	// fresh ECDSA key and certificate can match too. Make the change visible the way any later
	// write would be.
	future := time.Now().Add(2 * time.Second)
	for _, f := range []string{certFile, keyFile} {
		if err := os.Chtimes(f, future, future); err != nil {
			t.Fatal(err)
		}
	}
	if got := handshakeLeaf(t, l, roots); got.SerialNumber.Cmp(second.Cert.SerialNumber) != 0 {
		t.Fatalf("after replace: serial %v, want the new %v", got.SerialNumber, second.Cert.SerialNumber)
	}
	if got := old.ConnectionState().PeerCertificates[0]; got.SerialNumber.Cmp(first.Cert.SerialNumber) != 0 {
		t.Errorf("established connection changed certificate")
	}
	if !strings.Contains(logs.String(), "tls certificate reloaded") || !strings.Contains(logs.String(), tlscert.Fingerprint(second.Cert.Raw)) {
		t.Errorf("reload not logged with the new fingerprint:\n%s", logs.String())
	}
}

// A broken replacement (a key that does not match) keeps the previous certificate, and a good
// pair written after it is picked up.
func TestReloadKeepsPreviousOnBadPair(t *testing.T) {
	dir := t.TempDir()
	ca := tlscerttest.NewCA(t, "test CA")
	first := ca.Issue(t, "hotline.test")
	certFile, keyFile := first.Write(t, dir, "server")
	r, err := tlscert.New(certFile, keyFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	other := ca.Issue(t, "hotline.test")
	touch := func(d time.Duration) {
		ts := time.Now().Add(d)
		for _, f := range []string{certFile, keyFile} {
			if err := os.Chtimes(f, ts, ts); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(certFile, other.CertPEM, 0o600); err != nil { // new cert, old key
		t.Fatal(err)
	}
	touch(2 * time.Second)
	if got := r.Current().Leaf; got.SerialNumber.Cmp(first.Cert.SerialNumber) != 0 {
		t.Fatalf("mismatched pair replaced the certificate")
	}
	if err := os.WriteFile(keyFile, other.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	touch(4 * time.Second)
	if got := r.Current().Leaf; got.SerialNumber.Cmp(other.Cert.SerialNumber) != 0 {
		t.Fatalf("good pair after a bad one not loaded")
	}
}

func TestNewRejectsMissingAndBadFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := tlscert.New(dir+"/none.crt", dir+"/none.key", slog.New(slog.DiscardHandler)); err == nil {
		t.Error("missing files accepted")
	}
	ca := tlscerttest.NewCA(t, "test CA")
	p := ca.Issue(t, "a")
	certFile, _ := p.Write(t, dir, "a")
	_, keyFile := ca.Issue(t, "b").Write(t, dir, "b")
	if _, err := tlscert.New(certFile, keyFile, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), certFile) {
		t.Errorf("mismatched pair: err = %v, want one naming %s", err, certFile)
	}
}

func TestDescribe(t *testing.T) {
	ca := tlscerttest.NewCA(t, "test CA")
	p := ca.Issue(t, "hotline.test", "127.0.0.1")
	c := p.TLS(t)
	i := tlscert.Describe(&c)
	if !strings.Contains(i.Subject, "hotline.test") || !strings.Contains(i.Issuer, "test CA") || len(i.SHA256) != 95 {
		t.Errorf("info = %+v", i)
	}
}

// BenchmarkGetCertificate is the cost a handshake pays for the reload check (two stats).
func BenchmarkGetCertificate(b *testing.B) {
	dir := b.TempDir()
	ca := tlscerttest.NewCA(b, "bench CA")
	certFile, keyFile := ca.Issue(b, "hotline.test").Write(b, dir, "server")
	r, err := tlscert.New(certFile, keyFile, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if c, _ := r.GetCertificate(nil); c == nil {
			b.Fatal("no certificate")
		}
	}
}

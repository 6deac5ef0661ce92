package tlscert

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// Reloader serves a certificate and key pair from two files, read again when either changes.
type Reloader struct {
	certFile, keyFile string
	log               *slog.Logger

	mu     sync.Mutex
	cert   *tls.Certificate
	stamp  stamp // of the files cert was loaded from
	failed stamp // of the files that last failed to load: reported once, not per handshake
	onLoad func(Info)
}

// stamp identifies a version of the two files.
type stamp struct {
	certMod, keyMod   time.Time
	certSize, keySize int64
}

// New loads the pair; it fails when the files are missing or do not make a certificate.
func New(certFile, keyFile string, log *slog.Logger) (*Reloader, error) {
	r := &Reloader{certFile: certFile, keyFile: keyFile, log: log}
	st, err := r.stat()
	if err != nil {
		return nil, err
	}
	c, err := load(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	r.cert, r.stamp = c, st
	return r, nil
}

// OnLoad sets a function told about every certificate loaded after New (for the log).
func (r *Reloader) OnLoad(f func(Info)) {
	r.mu.Lock()
	r.onLoad = f
	r.mu.Unlock()
}

// GetCertificate is for tls.Config.GetCertificate: the current certificate, loaded again first
// when the files changed since.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.Current(), nil
}

// Current is the certificate in use, after loading the files again if they changed.
func (r *Reloader) Current() *tls.Certificate {
	st, err := r.stat()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil || st == r.stamp || st == r.failed {
		return r.cert
	}
	c, err := load(r.certFile, r.keyFile)
	if err != nil {
		// Often a renewer between writing the certificate and writing the key: the next
		// handshake after the second write loads the pair.
		r.failed = st
		r.log.Warn("tls certificate not reloaded: keeping the previous one", "cert", r.certFile, "key", r.keyFile, "error", err)
		return r.cert
	}
	r.cert, r.stamp, r.failed = c, st, stamp{}
	info := Describe(c)
	r.log.Info("tls certificate reloaded", info.Attrs()...)
	if r.onLoad != nil {
		r.onLoad(info)
	}
	return r.cert
}

func (r *Reloader) stat() (stamp, error) {
	c, err := os.Stat(r.certFile)
	if err != nil {
		return stamp{}, fmt.Errorf("tls cert: %w", err)
	}
	k, err := os.Stat(r.keyFile)
	if err != nil {
		return stamp{}, fmt.Errorf("tls key: %w", err)
	}
	return stamp{certMod: c.ModTime(), keyMod: k.ModTime(), certSize: c.Size(), keySize: k.Size()}, nil
}

func load(certFile, keyFile string) (*tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls cert %s, key %s: %w", certFile, keyFile, err)
	}
	if c.Leaf == nil {
		if c.Leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return nil, fmt.Errorf("tls cert %s: %w", certFile, err)
		}
	}
	return &c, nil
}

// Info describes a certificate for logs.
type Info struct {
	Subject, Issuer string
	NotAfter        time.Time
	SHA256          string // of the DER certificate, as colon-separated upper-case hex
	DNSNames        []string
}

// Describe the leaf of c.
func Describe(c *tls.Certificate) Info {
	leaf := c.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return Info{Subject: "unparsable: " + err.Error()}
		}
	}
	return Info{Subject: leaf.Subject.String(), Issuer: leaf.Issuer.String(), NotAfter: leaf.NotAfter,
		SHA256: Fingerprint(leaf.Raw), DNSNames: leaf.DNSNames}
}

// Attrs are the slog attributes of i.
func (i Info) Attrs() []any {
	return []any{"subject", i.Subject, "issuer", i.Issuer, "not_after", i.NotAfter.UTC().Format(time.RFC3339),
		"sha256", i.SHA256, "dns_names", strings.Join(i.DNSNames, ",")}
}

// Fingerprint is the SHA-256 of der as colon-separated upper-case hex (AB:CD:…).
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

package config

import (
	"encoding/hex"
	"maps"
	"net"
	"slices"
	"strings"
)

// SIPTLS is SIP over TLS (RFC 3261 26.2, sips: URIs). The certificate and key are read again when
// either file changes, at the next handshake: renewing a certificate needs no restart, and
// connections already up keep the certificate they were opened with.
//
//	sip:
//	  tls:
//	    listen: 0.0.0.0:5061
//	    cert: certs/hotline.crt     # PEM chain, leaf first
//	    key: certs/hotline.key      # PEM private key
//	    client_ca: certs/trunks.pem # default CA for trunks that require a client certificate
type SIPTLS struct {
	Listen   string `yaml:"listen"`
	Cert     string `yaml:"cert"`
	Key      string `yaml:"key"`
	ClientCA string `yaml:"client_ca"`
}

// SIPWSS is SIP over secure WebSocket (RFC 7118) for browser SIP clients (JsSIP, SIP.js). It has
// its own listener and uses sip.tls's certificate: the HTTP listener is plain HTTP, usually
// behind a proxy, and the SIP stack owns the WebSocket upgrade of its connections.
//
//	sip:
//	  wss:
//	    listen: 0.0.0.0:8443
type SIPWSS struct {
	Listen string `yaml:"listen"`
}

// TrunkTLS makes a trunk prove itself with a client certificate on SIP over TLS (mutual TLS). A
// request claims to be the trunk when its From host is one of Domains; without TLS, or without a
// certificate that passes, it is refused with 403.
//
//	trunks:
//	  carrier:
//	    tls:
//	      domains: [sip.carrier.example]
//	      client_ca: certs/carrier-ca.pem   # or sip.tls.client_ca
//	      subject: edge.carrier.example     # optional: CN or DNS name the certificate must carry
//	      fingerprint: "AB:CD:…"            # or: pin the certificate's SHA-256 instead of a CA
type TrunkTLS struct {
	Domains     []string `yaml:"domains"`
	ClientCA    string   `yaml:"client_ca"`
	Subject     string   `yaml:"subject"`
	Fingerprint string   `yaml:"fingerprint"`
}

// FingerprintBytes is Fingerprint decoded (colons and case ignored); nil when it is not set.
func (t *TrunkTLS) FingerprintBytes() []byte {
	if t.Fingerprint == "" {
		return nil
	}
	b, err := hex.DecodeString(strings.ReplaceAll(t.Fingerprint, ":", ""))
	if err != nil {
		return nil
	}
	return b
}

// TLSEnabled reports whether SIP over TLS (and so WSS) is configured.
func (c *Config) TLSEnabled() bool { return c.SIP.TLS != nil && c.SIP.TLS.Listen != "" }

func (c *Config) validateTLS(bad func(line int, format string, args ...any)) {
	if t := c.SIP.TLS; t != nil {
		if _, _, err := net.SplitHostPort(t.Listen); err != nil {
			bad(c.line("sip", "tls", "listen"), "sip.tls.listen %q: want host:port, like 0.0.0.0:5061", t.Listen)
		}
		if t.Cert == "" || t.Key == "" {
			bad(c.line("sip", "tls"), "sip.tls needs cert and key (PEM files)")
		}
	}
	if w := c.SIP.WSS; w != nil {
		if _, _, err := net.SplitHostPort(w.Listen); err != nil {
			bad(c.line("sip", "wss", "listen"), "sip.wss.listen %q: want host:port, like 0.0.0.0:8443", w.Listen)
		}
		if !c.TLSEnabled() {
			bad(c.line("sip", "wss"), "sip.wss uses sip.tls's certificate: configure sip.tls too")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Trunks)) {
		t := c.Trunks[name]
		if t == nil || t.TLS == nil {
			continue
		}
		tt, line := t.TLS, t.line
		switch {
		case !c.TLSEnabled():
			bad(line, "trunk %q: tls needs sip.tls (a TLS listener)", name)
		case len(tt.Domains) == 0:
			bad(line, "trunk %q: tls.domains is missing (the From hosts this trunk's requests carry)", name)
		case tt.Fingerprint != "" && len(tt.FingerprintBytes()) != 32:
			bad(line, "trunk %q: tls.fingerprint %q is not a SHA-256 fingerprint (64 hex digits)", name, tt.Fingerprint)
		case tt.Fingerprint == "" && tt.ClientCA == "" && c.SIP.TLS.ClientCA == "":
			// A subject alone proves nothing: anyone can sign a certificate with any name.
			bad(line, "trunk %q: tls needs client_ca (here or in sip.tls) or fingerprint", name)
		}
	}
}

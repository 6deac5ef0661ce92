package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/config"
	hsip "github.com/hotline-cc/hotline/sip"
	"github.com/hotline-cc/hotline/tlscert"
)

// secureSIP builds SIP over TLS and WSS from sip.tls, sip.wss and the trunks' tls: nil when sip.tls
// is not configured. The certificate is logged (subject, issuer, expiry, fingerprint); its files
// are read again when they change (tlscert).
func secureSIP(cfg *config.Config, log *slog.Logger) (*hsip.SecureConfig, error) {
	if !cfg.TLSEnabled() {
		return nil, nil
	}
	t := cfg.SIP.TLS
	certs, err := tlscert.New(cfg.Path(t.Cert), cfg.Path(t.Key), log)
	if err != nil {
		return nil, fmt.Errorf("%s: sip.tls: %w", cfg.File, err)
	}
	info := tlscert.Describe(certs.Current())
	log.Info("sip tls certificate", append([]any{"cert", cfg.Path(t.Cert)}, info.Attrs()...)...)
	if left := time.Until(info.NotAfter); left < 14*24*time.Hour {
		log.Warn("sip tls certificate expires soon: renew it (the file is read again when it changes)",
			"not_after", info.NotAfter.UTC().Format(time.RFC3339), "left", left.Round(time.Minute).String())
	}
	sc := &hsip.SecureConfig{TLS: &tls.Config{GetCertificate: certs.GetCertificate, MinVersion: tls.VersionTLS12}, TLSListen: t.Listen}
	if cfg.SIP.WSS != nil {
		sc.WSSListen = cfg.SIP.WSS.Listen
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Trunks)) {
		tt := cfg.Trunks[name].TLS
		if tt == nil {
			continue
		}
		rule := hsip.TrunkTLS{Name: name, Domains: tt.Domains, Subject: tt.Subject, Fingerprint: tt.FingerprintBytes()}
		if ca := orDefault(tt.ClientCA, t.ClientCA); ca != "" && (tt.ClientCA != "" || tt.Fingerprint == "") {
			if rule.Roots, err = loadCAs(cfg.Path(ca)); err != nil {
				return nil, fmt.Errorf("%s: trunk %s: tls client_ca: %w", cfg.File, name, err)
			}
		}
		log.Info("sip trunk requires a client certificate", "trunk", name, "domains", tt.Domains,
			"ca", rule.Roots != nil, "subject", tt.Subject, "fingerprint", tt.Fingerprint != "")
		sc.Trunks = append(sc.Trunks, rule)
	}
	return sc, nil
}

// orDefault is the first of a and b that is not empty.
func orDefault(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func loadCAs(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate in it", path)
	}
	return pool, nil
}

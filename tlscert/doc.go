// Package tlscert owns the server's TLS certificate: it loads the PEM certificate and key named in
// hotline.yaml, hands them to every TLS handshake (tls.Config.GetCertificate) and loads them again
// when either file changes, so a renewed certificate is used from the next handshake on without a
// restart; connections already up keep the one they were opened with. It also describes a
// certificate for the startup log (subject, issuer, expiry, SHA-256 fingerprint).
//
// It does not listen, accept or verify peers: sip/ builds its listeners and checks client
// certificates of trunks.
//
// Why a stat per handshake and not a file watcher: certificate renewers (certbot, cert-manager,
// Kubernetes secrets) replace files by rename or by swapping a symlinked directory, which inotify
// watches on the file itself miss after the first swap; a stat of both paths (a few microseconds)
// sees every kind of replacement, costs nothing when no handshake happens, and needs no goroutine
// or new dependency. A broken new pair (half-written, or a key that does not match) is reported
// and the previous certificate stays in use until a good pair is written.
package tlscert

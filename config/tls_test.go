package config

import (
	"strings"
	"testing"
)

func TestTLSConfig(t *testing.T) {
	c, err := load(t, `sip:
  tls:
    listen: 127.0.0.1:5061
    cert: certs/hotline.crt
    key: certs/hotline.key
    client_ca: certs/ca.pem
  wss:
    listen: 127.0.0.1:8443
trunks:
  carrier:
    tls:
      domains: [sip.carrier.example]
      subject: edge.carrier.example
  pinned:
    username: p
    password: x
    tls:
      domains: [pbx.example]
      fingerprint: "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89"
`)
	if err != nil {
		t.Fatal(err)
	}
	if !c.TLSEnabled() || c.SIP.TLS.Cert != "certs/hotline.crt" || c.SIP.WSS.Listen != "127.0.0.1:8443" {
		t.Errorf("sip = %+v", c.SIP)
	}
	if got := c.Trunks["pinned"].TLS.FingerprintBytes(); len(got) != 32 || got[0] != 0xab {
		t.Errorf("fingerprint = %x", got)
	}
	if p := c.TrunkProblems(func(string) bool { return false }); len(p) != 1 || !strings.Contains(p[0], "pinned") {
		t.Errorf("problems = %q, want only the dial-out trunk named (carrier is inbound only)", p)
	}
}

func TestTLSConfigInvalid(t *testing.T) {
	_, err := load(t, `sip:
  tls:
    listen: 5061
    cert: a.crt
  wss:
    listen: nowhere
trunks:
  a:
    tls:
      subject: x
  b:
    tls:
      domains: [b.example]
      subject: x
  c:
    tls:
      domains: [c.example]
      fingerprint: "12:34"
`)
	if err == nil {
		t.Fatal("invalid tls config accepted")
	}
	for _, want := range []string{
		`:3: sip.tls.listen "5061": want host:port`,
		`:3: sip.tls needs cert and key`,
		`:6: sip.wss.listen "nowhere"`,
		`trunk "a": tls.domains is missing`,
		`trunk "b": tls needs client_ca (here or in sip.tls) or fingerprint`,
		`trunk "c": tls.fingerprint "12:34" is not a SHA-256 fingerprint`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestWSSNeedsTLS(t *testing.T) {
	_, err := load(t, "sip:\n  wss:\n    listen: 127.0.0.1:8443\n")
	if err == nil || !strings.Contains(err.Error(), "sip.wss uses sip.tls's certificate") {
		t.Errorf("err = %v", err)
	}
}

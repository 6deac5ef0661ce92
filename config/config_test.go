package config

import (
	"strings"
	"testing"
)

// TestValueErrorsNameTheirLine: a bad value is reported at the line it is
// on, like an unknown key.
func TestValueErrorsNameTheirLine(t *testing.T) {
	_, err := load(t, `sip:
  listen: 5060
  transports: [udp, sctp]
  codecs: [G722, G729, g722]
http:
  listen: 127.0.0.1:8080
tts:
  engine: festival
`)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`:2: sip.listen "5060": want host:port`,
		`:3: sip.transports: "sctp" is not supported`,
		`:4: sip.codecs: "G729" is not a codec hotline speaks (use opus, G722, PCMU, PCMA)`,
		`:4: sip.codecs: "g722" is listed twice`,
		`:8: tts.engine "festival" is not supported`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestCodecsAccepted(t *testing.T) {
	c, err := load(t, "sip:\n  codecs: [opus, g722, PCMU]\n")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.SIP.Codecs, " ") != "opus g722 PCMU" {
		t.Errorf("codecs %q", c.SIP.Codecs)
	}
}

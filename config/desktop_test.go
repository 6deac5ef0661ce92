package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func load(t *testing.T, yaml string) (*Config, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hotline.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(p)
}

func TestDesktopKeys(t *testing.T) {
	c, err := load(t, `agents:
  - id: sue
    password: sue-secret
    role: supervisor
    skills: {billing: 3}
    ring: sip
desktop:
  webrtc:
    public_ip: 203.0.113.7
    ports: 40000-40999
    ice_servers:
      - urls: [stun:stun.example.com:3478]
      - urls: [turn:turn.example.com:3478]
        username: u
        credential: p
  dispositions: [sale, no_sale]
  login_per_minute: 5
  manual_wrap_up: true
`)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi, err := c.WebRTCPorts()
	if err != nil || lo != 40000 || hi != 40999 {
		t.Fatalf("ports %d-%d %v", lo, hi, err)
	}
	d := c.Desktop
	if d.WebRTC.PublicIP != "203.0.113.7" || len(d.WebRTC.ICEServers) != 2 || d.WebRTC.ICEServers[1].Username != "u" ||
		len(d.Dispositions) != 2 || d.LoginPerMinute != 5 || !d.ManualWrapUp || d.SessionTTL == 0 {
		t.Fatalf("%+v", d)
	}
	if a := c.Agents[0]; a.Role != "supervisor" || a.Skills["billing"] != 3 || a.Ring != "sip" {
		t.Fatalf("%+v", a)
	}
}

func TestDesktopDefaults(t *testing.T) {
	c, err := load(t, "log_level: info\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Desktop.Dispositions) == 0 || c.Desktop.LoginPerMinute != 10 {
		t.Fatalf("%+v", c.Desktop)
	}
}

// README and the CLI say ring: browser|sip|both; the older web still reads as browser.
func TestRingValues(t *testing.T) {
	for _, v := range []string{"browser", "sip", "both", "web"} {
		if _, err := load(t, "agents:\n  - id: a\n    password: p\n    ring: "+v+"\n"); err != nil {
			t.Errorf("ring: %s: %v", v, err)
		}
	}
}

func TestDesktopKeyErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"desktop:\n  webrtc:\n    public_ip: nope\n", `public_ip "nope" is not an IP`},
		{"desktop:\n  webrtc:\n    ports: 5-1\n", `ports "5-1"`},
		{"desktop:\n  webrtc:\n    ice_servers:\n      - urls: [http://x]\n", "not a stun:"},
		{"desktop:\n  login_per_mnute: 3\n", "unknown key login_per_mnute"},
		{"agents:\n  - id: a\n    password: p\n    role: boss\n", `role "boss"`},
		{"agents:\n  - id: a\n    password: p\n    skills: {x: 11}\n", "level 11"},
		{"agents:\n  - id: a\n    password: p\n    ring: fax\n", `ring "fax" must be browser, sip or both`},
	} {
		_, err := load(t, tc.yaml)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

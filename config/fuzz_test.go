package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse decodes and validates config bytes: never a panic, and an error names the file.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "configs", "hotline.yaml")); err == nil {
		f.Add(b)
	}
	f.Add([]byte("sip:\n  listen: 0.0.0.0:5060\n  codecs: [pcmu, opus]\n"))
	f.Add([]byte("agents:\n  - {id: alice, name: Alice}\n  - {id: alice}\n"))
	f.Add([]byte("rtp_ports: 20000-10000\n"))
	f.Add([]byte("nope: 1\n"))
	f.Add([]byte("{{"))
	f.Add([]byte("trunks: [{name: t, host: \"\"}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse("fuzz.yaml", b)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if c == nil {
			t.Fatal("nil config without an error")
		}
	})
}

package web

import (
	"encoding/json"
	"testing"
)

// FuzzDesktopMessage: a message from the desktop's WebSocket becomes a desk command or an error,
// never a panic; an unknown type is refused.
func FuzzDesktopMessage(f *testing.F) {
	for _, m := range []string{`{"type":"answer","call_id":"c1","sdp":"v=0"}`, `{"type":"dtmf","call_id":"c1","digit":"5"}`,
		`{"type":"dtmf","digit":"ß"}`, `{"type":"transfer","call_id":"c1","queue":"support"}`, `{"type":"wrapup","notes":"x"}`,
		`{"type":"state","state":"break","reason":"lunch"}`, `{"type":"record","call_id":"c1","on":true}`, `{"type":"bogus"}`, `{`} {
		f.Add([]byte(m))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m wsMsg
		if json.Unmarshal(b, &m) != nil {
			return
		}
		cmd, err := command(m)
		if (cmd == nil) == (err == nil) {
			t.Fatalf("%q: command %v, error %v", b, cmd, err)
		}
	})
}

package web

import (
	"encoding/json"
	"testing"

	"github.com/hotline-cc/hotline/desk"
	"github.com/hotline-cc/hotline/ivr"
)

// TestRecordMessages: the desktop's record message becomes desk.Record, and the call's
// recording state goes back as a recording message.
func TestRecordMessages(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want desk.Record
	}{
		{`{"type":"record","call_id":"c1","on":true}`, desk.Record{Call: "c1", On: true}},
		{`{"type":"record","call_id":"c1"}`, desk.Record{Call: "c1", On: false}},
	} {
		var m wsMsg
		if err := json.Unmarshal([]byte(tc.in), &m); err != nil {
			t.Fatal(err)
		}
		cmd, err := command(m)
		if err != nil || cmd != tc.want {
			t.Errorf("%s: command %#v, %v; want %#v", tc.in, cmd, err, tc.want)
		}
	}
	for _, tc := range []struct {
		e    desk.RecordingChanged
		want string
	}{
		{desk.RecordingChanged{Call: "c1", State: ivr.RecordingPaused, Allowed: true}, `{"type":"recording","call_id":"c1","state":"paused","allowed":true}`},
		{desk.RecordingChanged{Call: "c1", State: ivr.RecordingOff}, `{"type":"recording","call_id":"c1","state":"off"}`},
	} {
		m, ok := message(tc.e)
		b, _ := json.Marshal(m)
		if !ok || string(b) != tc.want {
			t.Errorf("%+v: %s, want %s", tc.e, b, tc.want)
		}
	}
}

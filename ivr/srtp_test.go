package ivr

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media/legtest"
	"github.com/hotline-cc/hotline/record"
)

// srtpTestLeg is a leg that takes a route's SRTP policy and refuses "required" (its offer is plain).
type srtpTestLeg struct {
	*legtest.Leg
	got chan string
}

func (l srtpTestLeg) ApplySRTP(policy string) error {
	l.got <- policy
	if policy == dialplan.SRTPRequired {
		return errors.New("srtp: SRTP is required here and the offer is plain RTP")
	}
	return nil
}

// The route's srtp: reaches the leg before anything runs; a leg that refuses it ends the call as
// rejected, cause srtp, with the flow never started.
func TestRouteSRTPPolicy(t *testing.T) {
	plan, _, err := dialplan.Parse("s.yaml", []byte(`version: 1
settings: {srtp: optional}
routes:
  - {name: secure, to: "1", flow: main, srtp: required}
  - {name: other, default: true, flow: main}
flows: {main: {start: a, nodes: [{id: a, type: hangup}]}}
`), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ to, policy, disposition, cause string }{
		{"1", "required", "rejected", "srtp"},
		{"2", "optional", "completed", ""},
	} {
		e := &Engine{Plans: onePlan{plan}, TTS: lengthTTS{}, ACD: acd.New(nil), Records: &storedCalls{}, Log: slog.New(slog.DiscardHandler)}
		leg := srtpTestLeg{legtest.New("c1", legtest.Options{Period: time.Millisecond, Silent: true}), make(chan string, 1)}
		done := make(chan *record.Call, 1)
		go func() { done <- e.Run(leg, CallInfo{ID: "c1", From: "100", To: tc.to}) }()
		var rec *record.Call
		select {
		case rec = <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the call did not end")
		}
		leg.Close()
		if got := <-leg.got; got != tc.policy {
			t.Errorf("to %s: the leg got srtp %q, want %q", tc.to, got, tc.policy)
		}
		if rec.Disposition != tc.disposition || tc.cause != "" && rec.HangupCause != tc.cause {
			t.Errorf("to %s: disposition %q cause %q, want %q %q", tc.to, rec.Disposition, rec.HangupCause, tc.disposition, tc.cause)
		}
		if tc.cause != "" && len(rec.Path) != 0 {
			t.Errorf("to %s: the flow ran (%v)", tc.to, rec.Path)
		}
	}
}

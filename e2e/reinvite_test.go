package e2e

import (
	"strconv"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// g711Tone decodes packets of payload type pt (0 PCMU, 8 PCMA) and reports
// whether they carry a tone at freq; any other payload type fails the test.
func g711Tone(t *testing.T, pkts []audiotest.HeardPacket, pt uint8, freq float64) (bool, float64) {
	t.Helper()
	var pcm media.PCM16
	for _, a := range pkts {
		switch {
		case a.Pkt.PayloadType != pt:
			t.Fatalf("payload type %d, want %d", a.Pkt.PayloadType, pt)
		case pt == 0:
			pcm = append(pcm, media.DecodeULaw(nil, a.Pkt.Payload)...)
		default:
			pcm = append(pcm, media.DecodeALaw(nil, a.Pkt.Payload)...)
		}
	}
	return audiotest.DetectTone(pcm, freq, 8000)
}

// TestReinviteLateOffer: a sipp caller changes its call with re-INVITEs
// without SDP (the server offers in each 200 OK, the answers come in the
// ACKs): it moves its media to another port in PCMA, holds, resumes, and
// then sends an ACK without an answer. Checked at the caller's two RTP
// sockets, where the server's tone really arrives: PCMU at the first until
// the move, then PCMA at the second, silent while held, back on resume, and
// still flowing after the broken ACK until the caller hangs up.
func TestReinviteLateOffer(t *testing.T) {
	const tone = 1000.0
	wav := toneWAV(t, t.TempDir(), tone)
	srv := StartServer(t, ServerOptions{Dialplan: playDialplan(wav)})
	first, moved := audiotest.NewRTPEar(t), audiotest.NewRTPEar(t)
	const step = 1500 * time.Millisecond
	res, err := peers.RunSipp(t, peers.SippArgs{Scenario: "testdata/uac_reinvite_late_offer.xml", Remote: srv.SIPAddr(), Service: "3000",
		Keys:    map[string]string{"first_port": strconv.Itoa(first.Port()), "moved_port": strconv.Itoa(moved.Port()), "talk_ms": strconv.Itoa(int(step.Milliseconds()))},
		Timeout: 60 * time.Second})
	if err != nil {
		t.Fatalf("sipp: %v\n%s\n%s", err, res.Logs, res.ErrorLog)
	}
	before, after := first.Heard(time.Time{}), moved.Heard(time.Time{})
	if len(before) < 40 || len(after) < 40 {
		t.Fatalf("%d packets at the first port, %d at the moved one", len(before), len(after))
	}
	if ok, ratio := g711Tone(t, before, 0, tone); !ok {
		t.Errorf("the first port: no tone in PCMU (ratio %.2f)", ratio)
	}
	if last, next := before[len(before)-1].At, after[0].At; last.After(next.Add(40 * time.Millisecond)) {
		t.Errorf("the first port still got RTP %v after the moved one started", last.Sub(next))
	}

	// At the moved port: PCMA, one gap (the hold), audio again after it
	// for the resume and for the step with the broken ACK.
	gapAt, gap := 0, time.Duration(0)
	for i := 1; i < len(after); i++ {
		if d := after[i].At.Sub(after[i-1].At); d > gap {
			gapAt, gap = i, d
		}
	}
	held, resumed := after[:gapAt], after[gapAt:]
	t.Logf("moved port: %d packets (%v), silent %v while held, then %d packets (%v)",
		len(held), held[len(held)-1].At.Sub(held[0].At).Round(time.Millisecond), gap.Round(time.Millisecond),
		len(resumed), resumed[len(resumed)-1].At.Sub(resumed[0].At).Round(time.Millisecond))
	if gap < step*2/3 || gap > step*3/2 {
		t.Errorf("the longest silence at the moved port is %v, want the hold's %v", gap, step)
	}
	if d := held[len(held)-1].At.Sub(held[0].At); d < step*2/3 {
		t.Errorf("%v of audio after the move, want about %v", d, step)
	}
	if d := resumed[len(resumed)-1].At.Sub(resumed[0].At); d < step*2*5/6 {
		t.Errorf("%v of audio after the resume, want about %v: the broken ACK ended the media", d, 2*step)
	}
	if !resumed[0].Pkt.Marker {
		t.Error("the first packet after the resume has no marker bit")
	}
	for what, pkts := range map[string][]audiotest.HeardPacket{"after the move": held, "after the resume": resumed} {
		if ok, ratio := g711Tone(t, pkts, 8, tone); !ok {
			t.Errorf("%s: no tone in PCMA (ratio %.2f)", what, ratio)
		}
	}

	// The server never hung up: the broken ACK kept the call.
	c := srv.WaitCalls(t, 1, 15*time.Second)[0]
	if c.HangupBy != "caller" || c.Answer.IsZero() {
		t.Errorf("record: answered %v, hangup %s/%s; want answered, ended by the caller's BYE", c.Answer, c.HangupBy, c.HangupCause)
	}
	srv.AssertMetric(t, `hotline_sip_reinvites_total{result="applied"} 3`)
	srv.AssertMetric(t, `hotline_sip_reinvites_total{result="kept"} 1`)
}

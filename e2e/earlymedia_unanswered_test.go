package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/record"
)

// unansweredDialplan transfers the caller to the carrier's subscriber first thing, so the caller is
// not answered while the number is dialled; a failed transfer plays an apology (sorry, a WAV of
// sorryTone), which answers the call.
func unansweredDialplan(t *testing.T, host string) string {
	t.Helper()
	sorry := filepath.Join(t.TempDir(), "sorry.wav")
	if err := peers.WriteToneWAV(sorry, sorryTone, 2, 8000); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`version: 1
trunks:
  carrier: {host: "%s", allow: ["^138[0-9]{8}$"]}
routes:
  - {name: direct, to: "5000", flow: direct}
flows:
  direct:
    start: xfer
    nodes:
      - {id: xfer, type: transfer, number: "%s", trunk: carrier, max_wait: 20s, next: end, failed: sorry, error: end}
      - {id: sorry, type: play, file: "%s", next: end}
      - {id: end, type: hangup}
`, host, carrierNumber, sorry)
}

// callerEvents lists what the caller's phone was told of its call, in order: RINGING (180), PROGRESS
// (183 with SDP), ESTABLISHED (200), CLOSED.
func callerEvents(p *peers.Phone) string {
	var evs []string
	for _, e := range p.Events() {
		switch e.Type {
		case peers.EventCallRinging, peers.EventCallProgress, peers.EventCallEstablished, peers.EventCallClosed:
			evs = append(evs, strings.TrimPrefix(e.Type, "CALL_"))
		}
	}
	return strings.Join(evs, ",")
}

// tracedBody returns the body of the first response with status code to the phone's INVITE, from its
// SIP trace (PhoneConfig.SIPTrace), or "" when there is none.
func tracedBody(t *testing.T, p *peers.Phone, code int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(p.Dir(), "baresip.log"))
	if err != nil {
		t.Fatalf("the caller's SIP trace: %v", err)
	}
	length := regexp.MustCompile(`(?i)\r\nContent-Length: *(\d+)\r\n`)
	for rest := string(b); ; {
		i := strings.Index(rest, fmt.Sprintf("SIP/2.0 %d ", code))
		if i < 0 {
			return ""
		}
		head, body, ok := strings.Cut(rest[i:], "\r\n\r\n")
		if !ok {
			return ""
		}
		rest = body
		m := length.FindStringSubmatch(head + "\r\n")
		if !strings.Contains(head, " INVITE\r\n") || m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		return body[:min(n, len(body))]
	}
}

// assertSameSDP checks that the caller's 200 OK carried the very SDP of its 183 (RFC 3264: the same
// session, the same o= version).
func assertSameSDP(t *testing.T, caller *peers.Phone) {
	t.Helper()
	early, answer := tracedBody(t, caller, 183), tracedBody(t, caller, 200)
	if !strings.Contains(early, "o=hotline ") || answer != early {
		t.Errorf("the 200 OK's SDP is not the 183's:\n--- 183:\n%s\n--- 200:\n%s", early, answer)
	}
}

// TestTrunkTransferEarlyMediaUnansweredBusy: a caller not answered yet is transferred; the carrier
// (sipp) answers with 183 and SDP, plays an announcement and refuses the call with 486. The caller's
// phone gets a 183 with our SDP (no 180) and hears the announcement before anything is answered; the
// transfer takes its failed edge, whose apology answers the call (a 200 OK with the 183's SDP, so the
// same media) and is heard after the announcement.
func TestTrunkTransferEarlyMediaUnansweredBusy(t *testing.T) {
	const earlyMs = 3000
	uas, carrier := startBusyCarrier(t, 0, earlyMs)
	srv := StartServer(t, ServerOptions{Dialplan: unansweredDialplan(t, carrier)})
	caller := dialTrunkRoute(t, srv, "5000", true)
	if _, err := caller.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallProgress); err != nil {
		t.Fatalf("the caller got no 183 with SDP: %v\n%s", err, srv.Log())
	}
	res, err := uas.Wait()
	if err != nil {
		t.Fatalf("the carrier's scenario failed: %v\n%s\n%s\n%s", err, res.Logs, res.ErrorLog, res.MessageLog)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 30*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("the caller was not hung up after the apology: %v", err)
	}
	if evs := callerEvents(caller); evs != "PROGRESS,ESTABLISHED,CLOSED" {
		t.Errorf("the caller's phone saw %s, want PROGRESS (183), then ESTABLISHED (200), no RINGING", evs)
	}
	assertSameSDP(t, caller)

	heard, rate, err := audiotest.ReadWAVFile(caller.RecordedWAV())
	if err != nil {
		t.Fatalf("caller recording: %v\n%s", err, srv.Log())
	}
	tl := heardTimeline(heard, rate)
	t.Logf("the caller heard (A announcement, S apology, R ringback; 100 ms a letter):\n%s", tl)
	if n := tl.ms(announcementTone); n < earlyMs/2 {
		t.Errorf("the unanswered caller heard %d ms of the %d ms announcement\n%s", n, earlyMs, srv.Log())
	}
	if n := tl.ms(sorryTone); n < 1000 || tl.first(sorryTone) < tl.first(announcementTone) {
		t.Errorf("the caller heard %d ms of the apology, not after the announcement", n)
	}
	if n := tl.ms(ringbackTone); n > 0 {
		t.Errorf("the unanswered caller heard %d ms of our ringback", n)
	}

	c := srv.WaitCalls(t, 1, 15*time.Second)[0]
	if p := pathOf(c); p != "xfer:failed,sorry:next,end:hangup" {
		t.Errorf("path %s, want the failed edge and the apology", p)
	}
	if len(c.Transfers) != 1 {
		t.Fatalf("record transfers: %+v", c.Transfers)
	}
	if x := c.Transfers[0]; x.Outcome != record.TransferBusy || x.Ringing.IsZero() || !x.Answer.IsZero() {
		t.Errorf("record transfer: %+v", x)
	}
	if c.Answer.IsZero() || c.Answer.Before(c.Transfers[0].End) {
		t.Errorf("the call was answered at %v, the transfer ended at %v: the apology answers it", c.Answer, c.Transfers[0].End)
	}
	if !strings.Contains(srv.Log(), "early media to the caller") {
		t.Error("the server did not log the early media toward the caller")
	}
}

// carrierAnswer is what the carrier's 200 OK carries after its 183 (PCMA): ANSWER_SDP of
// uas_trunk_early_answer.xml.
func carrierAnswer(pt int, rtpmap string) string {
	if pt < 0 {
		return "      Content-Length: 0\n"
	}
	return fmt.Sprintf(`      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=carrier 53655765 2353687638 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP %d 101
      a=rtpmap:%d %s
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=ptime:20
`, pt, pt, rtpmap)
}

// TestTrunkTransferEarlyMediaUnansweredAnswered: a caller not answered yet is transferred; the
// carrier (sipp) sends 183 with a PCMA answer and plays its own ringback tone, then answers, and plays
// another tone until it hangs up. The 200 OK repeats the early answer, changes the codec to PCMU, or
// carries no SDP (the early answer stands). In each case the caller's phone gets a 183 with our SDP,
// hears the carrier's early audio before the answer, is answered (200 OK with the same SDP) when the
// number answers, and goes on hearing the carrier after it: the media never stops.
func TestTrunkTransferEarlyMediaUnansweredAnswered(t *testing.T) {
	for _, tt := range []struct {
		name   string
		answer string // ANSWER_SDP
		talkPT byte   // what the carrier sends after the answer
		codec  string // the trunk leg's codec in the call record
	}{
		{"same sdp", carrierAnswer(8, "PCMA/8000"), 8, "PCMA"},
		{"answer changes the codec", carrierAnswer(0, "PCMU/8000"), 0, "PCMU"},
		{"answer without sdp", carrierAnswer(-1, ""), 8, "PCMA"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const earlyMs, talkMs = 2500, 2500
			port, err := peers.FreePort()
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			uas, err := peers.StartSipp(t, peers.SippArgs{Scenario: "testdata/uas_trunk_early_answer.xml", LocalPort: port,
				Timeout: 90 * time.Second, TraceMsg: true,
				Replace: map[string]string{"TRUNK_NUMBER": carrierNumber, "ANSWER_SDP": tt.answer,
					"EARLY_PCAP": writeTonePCAPAs(t, dir, "early.pcap", announcementTone, earlyMs, 8), "EARLY_MS": strconv.Itoa(earlyMs),
					"TALK_PCAP": writeTonePCAPAs(t, dir, "talk.pcap", talkTone, talkMs, tt.talkPT), "TALK_MS": strconv.Itoa(talkMs)}})
			if err != nil {
				t.Fatal(err)
			}
			srv := StartServer(t, ServerOptions{Dialplan: unansweredDialplan(t, fmt.Sprintf("127.0.0.1:%d", port))})
			caller := dialTrunkRoute(t, srv, "5000", true)
			res, err := uas.Wait()
			if err != nil {
				t.Fatalf("the carrier's scenario failed: %v\n%s\n%s\n%s\n%s", err, res.Logs, res.ErrorLog, res.MessageLog, srv.Log())
			}
			if _, err := caller.WaitEvent(ctxFor(t, 30*time.Second), peers.EventCallClosed); err != nil {
				t.Fatalf("the caller was not hung up after the number: %v", err)
			}
			if evs := callerEvents(caller); evs != "PROGRESS,ESTABLISHED,CLOSED" {
				t.Errorf("the caller's phone saw %s, want PROGRESS (183), then ESTABLISHED (200), no RINGING", evs)
			}
			assertSameSDP(t, caller)

			heard, rate, err := audiotest.ReadWAVFile(caller.RecordedWAV())
			if err != nil {
				t.Fatalf("caller recording: %v\n%s", err, srv.Log())
			}
			tl := heardTimeline(heard, rate)
			t.Logf("the caller heard (A the carrier's early tone, T its tone after the answer; 100 ms a letter):\n%s", tl)
			if n := tl.ms(announcementTone); n < earlyMs/2 {
				t.Errorf("the caller heard %d ms of the carrier's %d ms of early audio", n, earlyMs)
			}
			if n := tl.ms(talkTone); n < talkMs/2 || tl.first(talkTone) < tl.first(announcementTone) {
				t.Errorf("the caller heard %d ms of the carrier's %d ms after the answer, not after its early audio", n, talkMs)
			}
			if n := tl.ms(ringbackTone); n > 0 {
				t.Errorf("the unanswered caller heard %d ms of our ringback", n)
			}

			c := srv.WaitCalls(t, 1, 15*time.Second)[0]
			if p := pathOf(c); p != "xfer:next,end:hangup" {
				t.Errorf("path %s", p)
			}
			if len(c.Transfers) != 1 {
				t.Fatalf("record transfers: %+v", c.Transfers)
			}
			if x := c.Transfers[0]; x.Outcome != record.TransferAnswered || x.Codec != tt.codec || x.HangupBy != record.HangupByNumber {
				t.Errorf("record transfer: %+v, want answered in %s, hung up by the number", x, tt.codec)
			}
			if c.Disposition != record.DispositionTransferred || c.Answer.IsZero() {
				t.Errorf("record: disposition %q, answer %v", c.Disposition, c.Answer)
			}
		})
	}
}

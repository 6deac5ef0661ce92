package e2e

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/record"
)

// announcementTone is the carrier's in-band "busy" announcement (or its own ringback): a tone no one
// else in these tests plays (not the caller's 440 Hz, not the server's 440 + 480 Hz ringback).
// talkTone is what the carrier plays once answered, sorryTone the flow's apology after a failed
// transfer.
const (
	announcementTone = 1400.0
	talkTone         = 1000.0
	sorryTone        = 700.0
)

// earlyMediaDialplan answers the caller first (so the caller can hear in-band audio before the number
// answers), then transfers to the carrier's subscriber; a failed transfer just hangs up, so whatever
// the caller heard came from the carrier.
func earlyMediaDialplan(host string) string {
	return fmt.Sprintf(`version: 1
trunks:
  carrier: {host: "%s", allow: ["^138[0-9]{8}$"]}
routes:
  - {name: direct, to: "5000", flow: direct}
flows:
  direct:
    start: pickup
    nodes:
      - {id: pickup, type: answer, next: xfer}
      - {id: xfer, type: transfer, number: "%s", trunk: carrier, max_wait: 20s, next: end, failed: end, error: end}
      - {id: end, type: hangup}
`, host, carrierNumber)
}

// TestTrunkTransferEarlyMediaBusy: the carrier (sipp) answers the INVITE with 183 and SDP, plays an
// announcement in band, then refuses the call with 486. The answered caller hears the announcement
// (not our ringback), and the transfer takes its failed edge with the outcome busy.
func TestTrunkTransferEarlyMediaBusy(t *testing.T) {
	const earlyMs = 3000
	uas, carrier := startBusyCarrier(t, 0, earlyMs)
	srv := StartServer(t, ServerOptions{Dialplan: earlyMediaDialplan(carrier)})
	caller := dialTrunkRoute(t, srv, "5000", false)
	res, err := uas.Wait()
	if err != nil {
		t.Fatalf("the carrier's scenario failed: %v\n%s\n%s\n%s", err, res.Logs, res.ErrorLog, res.MessageLog)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 30*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("the caller was not hung up after the failed transfer: %v", err)
	}

	heard, rate, err := audiotest.ReadWAVFile(caller.RecordedWAV())
	if err != nil {
		t.Fatalf("caller recording: %v\n%s", err, srv.Log())
	}
	ok, ratio := audiotest.DetectTone(heard, announcementTone, rate)
	if !ok {
		t.Fatalf("the caller did not hear the carrier's announcement (%.0f Hz ratio %.2f, level %.1f dBFS, %d samples)\n%s",
			announcementTone, ratio, audiotest.RMSdBFS(heard), len(heard), srv.Log())
	}
	// At least half of the announcement reached the caller, and none of our ringback after it began.
	tl := heardTimeline(heard, rate)
	if n := tl.ms(announcementTone); n < earlyMs/2 {
		t.Errorf("the caller heard %d ms of the %d ms announcement", n, earlyMs)
	}
	if n := tl.msAfter(ringbackTone, announcementTone); n > 0 {
		t.Errorf("the caller heard %d ms of our ringback over the carrier's early media\n%s", n, tl)
	}
	t.Logf("caller heard the announcement (ratio %.2f, %d ms)", ratio, tl.ms(announcementTone))

	c := srv.WaitCalls(t, 1, 15*time.Second)[0]
	if p := pathOf(c); p != "pickup:next,xfer:failed,end:hangup" {
		t.Errorf("path %s, want the failed edge", p)
	}
	if len(c.Transfers) != 1 {
		t.Fatalf("record transfers: %+v", c.Transfers)
	}
	if x := c.Transfers[0]; x.Outcome != record.TransferBusy || !strings.Contains(x.Cause, "486") || x.Ringing.IsZero() || !x.Answer.IsZero() {
		t.Errorf("record transfer: %+v", x)
	}
	if !strings.Contains(srv.Log(), "caller hears the far end's early media") {
		t.Error("the server did not log the early media")
	}
}

// TestTrunkTransferRingbackUntilEarlyMedia: the carrier (sipp) answers the INVITE with 100 Trying
// only and stays silent for 3 s, then sends 183 with SDP and its announcement, then 486. The answered
// caller hears our ringback from the moment the number is dialled, then the announcement, and no
// ringback once the announcement began (the two never mix).
func TestTrunkTransferRingbackUntilEarlyMedia(t *testing.T) {
	const tryingMs, earlyMs = 3000, 3000
	uas, carrier := startBusyCarrier(t, tryingMs, earlyMs)
	srv := StartServer(t, ServerOptions{Dialplan: earlyMediaDialplan(carrier)})
	caller := dialTrunkRoute(t, srv, "5000", false)
	res, err := uas.Wait()
	if err != nil {
		t.Fatalf("the carrier's scenario failed: %v\n%s\n%s\n%s", err, res.Logs, res.ErrorLog, res.MessageLog)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 30*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("the caller was not hung up after the failed transfer: %v", err)
	}
	heard, rate, err := audiotest.ReadWAVFile(caller.RecordedWAV())
	if err != nil {
		t.Fatalf("caller recording: %v\n%s", err, srv.Log())
	}
	tl := heardTimeline(heard, rate)
	t.Logf("the caller heard (R ringback, A announcement, 100 ms a letter):\n%s", tl)
	first := tl.first(announcementTone)
	switch {
	case first < 0:
		t.Fatalf("the caller did not hear the carrier's announcement\n%s", srv.Log())
	case tl[:first].ms(ringbackTone) < 1000:
		t.Errorf("the caller heard %d ms of ringback while the number was dialled (100 Trying only for %d ms)",
			tl[:first].ms(ringbackTone), tryingMs)
	}
	if n := tl.ms(announcementTone); n < earlyMs/2 {
		t.Errorf("the caller heard %d ms of the %d ms announcement", n, earlyMs)
	}
	if n := tl.msAfter(ringbackTone, announcementTone); n > 0 {
		t.Errorf("the caller heard %d ms of our ringback after the carrier's early media began", n)
	}
	c := srv.WaitCalls(t, 1, 15*time.Second)[0]
	if p := pathOf(c); p != "pickup:next,xfer:failed,end:hangup" {
		t.Errorf("path %s, want the failed edge", p)
	}
}

// ringbackTone stands for our ringback (440 + 480 Hz together) in a timeline.
const ringbackTone = -1.0

// timeline is what a phone heard, 100 ms at a time: the sound that dominates each window (a tone's
// frequency, ringbackTone), or 0 for silence and anything else.
type timeline []float64

// heardTimeline classifies each 100 ms window of samples by the tones of these tests: the carrier's
// announcement and talk tones, the apology's, and our ringback. A window belongs to a sound when the
// sound holds most of its power and it is louder than -40 dBFS.
func heardTimeline(samples media.PCM16, rate int) timeline {
	win := rate / 10
	var tl timeline
	for i := 0; i+win <= len(samples); i += win {
		w := samples[i : i+win]
		what := 0.0
		if audiotest.RMSdBFS(w) > -40 {
			for _, f := range []float64{announcementTone, talkTone, sorryTone} {
				if audiotest.ToneRatio(w, f, rate) > 0.7 {
					what = f
				}
			}
			if r440, r480 := audiotest.ToneRatio(w, 440, rate), audiotest.ToneRatio(w, 480, rate); r440 > 0.25 && r480 > 0.25 && r440+r480 > 0.7 {
				what = ringbackTone
			}
		}
		tl = append(tl, what)
	}
	return tl
}

// ms is how long sound was heard.
func (tl timeline) ms(sound float64) int { return tl.msAfter(sound, 0) }

// msAfter is how long sound was heard after other was first heard (other 0: from the start).
func (tl timeline) msAfter(sound, other float64) int {
	start := 0
	if other != 0 {
		if start = tl.first(other); start < 0 {
			return 0
		}
	}
	n := 0
	for _, w := range tl[start:] {
		if w == sound {
			n += 100
		}
	}
	return n
}

// first is the window where sound is first heard, or -1.
func (tl timeline) first(sound float64) int {
	for i, w := range tl {
		if w == sound {
			return i
		}
	}
	return -1
}

// String draws the timeline, one letter per 100 ms: R ringback, A announcement, T talk, S apology,
// . anything else.
func (tl timeline) String() string {
	var b strings.Builder
	for i, w := range tl {
		if i > 0 && i%50 == 0 {
			b.WriteByte('\n')
		}
		switch w {
		case ringbackTone:
			b.WriteByte('R')
		case announcementTone:
			b.WriteByte('A')
		case talkTone:
			b.WriteByte('T')
		case sorryTone:
			b.WriteByte('S')
		default:
			b.WriteByte('.')
		}
	}
	return b.String()
}

// startBusyCarrier starts the carrier (sipp, uas_trunk_early_busy.xml): 100 Trying only for tryingMs,
// then 183 with SDP and earlyMs of the announcement tone in band, then 486. It returns the carrier's
// address for the trunk.
func startBusyCarrier(t *testing.T, tryingMs, earlyMs int) (*peers.SippRun, string) {
	t.Helper()
	port, err := peers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	pcap := writeTonePCAP(t, t.TempDir(), announcementTone, earlyMs)
	uas, err := peers.StartSipp(t, peers.SippArgs{Scenario: "testdata/uas_trunk_early_busy.xml", LocalPort: port,
		Timeout: 90 * time.Second, TraceMsg: true,
		Replace: map[string]string{"TRUNK_NUMBER": carrierNumber, "EARLY_PCAP": pcap, "EARLY_MS": strconv.Itoa(earlyMs),
			"TRYING_MS": strconv.Itoa(tryingMs)}})
	if err != nil {
		t.Fatal(err)
	}
	return uas, fmt.Sprintf("127.0.0.1:%d", port)
}

// writeTonePCAP writes ms of a tone as a capture of PCMA RTP (payload type 8, 20 ms packets) for
// sipp's play_pcap_audio, which replays the RTP toward the peer's SDP address.
func writeTonePCAP(t *testing.T, dir string, freq float64, ms int) string {
	return writeTonePCAPAs(t, dir, "announcement.pcap", freq, ms, 8)
}

// writeTonePCAPAs writes ms of a tone as a capture of RTP in payload type pt (8 PCMA, 0 PCMU) to
// dir/name.
func writeTonePCAPAs(t *testing.T, dir, name string, freq float64, ms int, pt byte) string {
	t.Helper()
	encode := media.EncodeALaw
	if pt == 0 {
		encode = media.EncodeULaw
	}
	tone := audiotest.Tone(freq, 8000, ms, 0.3)
	var payloads [][]byte
	for i := 0; (i+1)*160 <= len(tone); i++ {
		payloads = append(payloads, encode(nil, tone[i*160:(i+1)*160]))
	}
	p := filepath.Join(dir, name)
	if err := peers.WriteRTPPCAP(p, pt, 0x5eed1400+uint32(freq), 160, payloads); err != nil {
		t.Fatal(err)
	}
	return p
}

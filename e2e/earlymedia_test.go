package e2e

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/store"
)

// announcementTone is the carrier's in-band "busy" announcement: a tone no one else in these tests
// plays (not the caller's 440 Hz, not the server's 440 + 480 Hz ringback).
const announcementTone = 1400.0

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
	port, err := peers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	pcap := writeTonePCAP(t, t.TempDir(), announcementTone, earlyMs)
	uas, err := peers.StartSipp(t, peers.SippArgs{Scenario: "testdata/uas_trunk_early_busy.xml", LocalPort: port,
		Timeout: 90 * time.Second, TraceMsg: true,
		Replace: map[string]string{"TRUNK_NUMBER": carrierNumber, "EARLY_PCAP": pcap, "EARLY_MS": strconv.Itoa(earlyMs)}})
	if err != nil {
		t.Fatal(err)
	}
	srv := StartServer(t, ServerOptions{Dialplan: earlyMediaDialplan(fmt.Sprintf("127.0.0.1:%d", port))})
	caller := peers.StartPhone(t, peers.PhoneConfig{User: trunkCaller, PlayWAV: toneWAV(t, t.TempDir(), callerTone), MaxCallSeconds: 60})
	if err := caller.Dial("sip:5000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
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
	// At least half of the announcement reached the caller.
	if n := toneMs(heard, rate, announcementTone); n < earlyMs/2 {
		t.Errorf("the caller heard %d ms of the %d ms announcement", n, earlyMs)
	}
	if n := toneMs(heard, rate, 480); n > 0 {
		t.Errorf("the caller heard %d ms of our ringback over the carrier's early media", n)
	}
	t.Logf("caller heard the announcement (ratio %.2f, %d ms)", ratio, toneMs(heard, rate, announcementTone))

	c := srv.WaitCalls(t, 1, 15*time.Second)[0]
	if p := pathOf(c); p != "pickup:next,xfer:failed,end:hangup" {
		t.Errorf("path %s, want the failed edge", p)
	}
	if len(c.Transfers) != 1 {
		t.Fatalf("record transfers: %+v", c.Transfers)
	}
	if x := c.Transfers[0]; x.Outcome != store.TransferBusy || !strings.Contains(x.Cause, "486") || x.Ringing.IsZero() || !x.Answer.IsZero() {
		t.Errorf("record transfer: %+v", x)
	}
	if !strings.Contains(srv.Log(), "caller hears the far end's early media") {
		t.Error("the server did not log the early media")
	}
}

// toneMs counts the 100 ms windows of samples that tone freq dominates, in milliseconds.
func toneMs(samples media.PCM16, rate int, freq float64) int {
	win, n := rate/10, 0
	for i := 0; i+win <= len(samples); i += win {
		w := samples[i : i+win]
		if audiotest.RMSdBFS(w) > -40 && audiotest.ToneRatio(w, freq, rate) > 0.5 {
			n += 100
		}
	}
	return n
}

// writeTonePCAP writes ms of a tone as a capture of PCMA RTP (payload type 8, 20 ms packets) for
// sipp's play_pcap_audio, which replays the RTP toward the peer's SDP address.
func writeTonePCAP(t *testing.T, dir string, freq float64, ms int) string {
	t.Helper()
	tone := audiotest.Tone(freq, 8000, ms, 0.3)
	le := binary.LittleEndian
	be := binary.BigEndian
	var b []byte
	b = le.AppendUint32(b, 0xa1b2c3d4) // pcap, microsecond timestamps
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 4)
	b = le.AppendUint32(b, 0) // thiszone
	b = le.AppendUint32(b, 0) // sigfigs
	b = le.AppendUint32(b, 65535)
	b = le.AppendUint32(b, 1) // Ethernet
	for i := 0; (i+1)*160 <= len(tone); i++ {
		payload := media.EncodeALaw(nil, tone[i*160:(i+1)*160])
		rtp := []byte{0x80, 8}
		rtp = be.AppendUint16(rtp, uint16(i))
		rtp = be.AppendUint32(rtp, uint32(i*160))
		rtp = be.AppendUint32(rtp, 0x5eed1400)
		rtp = append(rtp, payload...)
		udp := be.AppendUint16(nil, 6000)
		udp = be.AppendUint16(udp, 6000)
		udp = be.AppendUint16(udp, uint16(8+len(rtp)))
		udp = be.AppendUint16(udp, 0) // no checksum
		ip := []byte{0x45, 0}
		ip = be.AppendUint16(ip, uint16(20+len(udp)+len(rtp)))
		ip = append(ip, 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1)
		be.PutUint16(ip[10:], ipChecksum(ip))
		eth := []byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00}
		frame := append(append(append(eth, ip...), udp...), rtp...)
		at := time.Duration(i) * 20 * time.Millisecond
		b = le.AppendUint32(b, uint32(1_700_000_000+at/time.Second))
		b = le.AppendUint32(b, uint32(at%time.Second/time.Microsecond))
		b = le.AppendUint32(b, uint32(len(frame)))
		b = le.AppendUint32(b, uint32(len(frame)))
		b = append(b, frame...)
	}
	p := filepath.Join(dir, "announcement.pcap")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func ipChecksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

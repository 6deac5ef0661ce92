package recording_test

import (
	"context"
	"math"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/recording"
	"github.com/pion/rtp"
)

var ports = &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 52000, Max: 52999}

const (
	toneA = 600.0  // the caller's
	toneB = 1400.0 // the other side's
)

// pair is a call's leg: the server's session (the one recorded, for the
// caller's leg) and the phone at the other end, both real RTP sessions on
// loopback.
func pair(t *testing.T, c media.Codec) (server, phone *media.RTPSession) {
	t.Helper()
	listen := func() (*net.UDPConn, *net.UDPConn) {
		rc, cc, err := ports.ListenPair()
		if err != nil {
			t.Fatal(err)
		}
		return rc, cc
	}
	src, scc := listen()
	prc, pcc := listen()
	server = media.NewRTPSession(src, scc, media.RTPConfig{Codec: c, DTMFPayload: 101,
		Remote: prc.LocalAddr().(*net.UDPAddr)})
	phone = media.NewRTPSession(prc, pcc, media.RTPConfig{Codec: c, DTMFPayload: 101,
		Remote: src.LocalAddr().(*net.UDPAddr)})
	t.Cleanup(func() { server.Close(); phone.Close() })
	return server, phone
}

// play writes a tone into w at real time until ctx is done.
func play(ctx context.Context, wg *sync.WaitGroup, w media.FrameWriter, freq float64) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		rate := w.SampleRate()
		tone := audiotest.Tone(freq, rate, 1000, 0.4)
		n := media.SamplesPerFrame(rate)
		for i := 0; ctx.Err() == nil; i = (i + n) % len(tone) {
			if w.WriteFrame(tone[i:i+n]) != nil {
				return
			}
		}
	}()
}

func newManager(t *testing.T) *recording.Manager {
	t.Helper()
	m, err := recording.NewManager(recording.Options{Dir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkChannels asserts the caller's tone is on the left only and the other
// side's on the right only.
func checkChannels(t *testing.T, path string, wantRate int) (left, right media.PCM16) {
	t.Helper()
	left, right, rate, err := recording.ReadStereo(path)
	if err != nil {
		t.Fatal(err)
	}
	if rate != wantRate {
		t.Fatalf("rate %d, want %d", rate, wantRate)
	}
	if ok, ratio := audiotest.DetectTone(left, toneA, rate); !ok {
		t.Errorf("left: caller's %v Hz not found (ratio %.2f)", toneA, ratio)
	}
	if ok, ratio := audiotest.DetectTone(right, toneB, rate); !ok {
		t.Errorf("right: other side's %v Hz not found (ratio %.2f)", toneB, ratio)
	}
	if r := audiotest.ToneRatio(left, toneB, rate); r > 0.05 {
		t.Errorf("left holds the other side's tone (ratio %.2f)", r)
	}
	if r := audiotest.ToneRatio(right, toneA, rate); r > 0.05 {
		t.Errorf("right holds the caller's tone (ratio %.2f)", r)
	}
	return left, right
}

func secondsOf(p media.PCM16, rate int) float64 { return float64(len(p)) / float64(rate) }

// The server plays a prompt to the caller while the caller talks.
func TestRecordPrompt(t *testing.T) {
	m := newManager(t)
	caller, phone := pair(t, media.PCMU())
	rec, err := m.Record(caller, "prompt-1@example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Record(caller, "again"); err == nil {
		t.Fatal("a second recording of one session was accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	play(ctx, &wg, phone.AudioOut(), toneA)
	play(ctx, &wg, caller.AudioOut(), toneB)
	time.Sleep(1500 * time.Millisecond)
	r := rec.Stop()
	cancel()
	wg.Wait()
	if r.File == "" || strings.Contains(r.File, "\\") || !strings.HasSuffix(r.File, "/prompt-1_example.wav") &&
		!strings.HasSuffix(r.File, ".wav") {
		t.Fatalf("file %q", r.File)
	}
	if r.Rate != 8000 || r.Channels != 2 || r.Format != recording.Format || r.Incomplete {
		t.Fatalf("recording %+v", r)
	}
	left, _ := checkChannels(t, filepath.Join(m.Dir(), filepath.FromSlash(r.File)), 8000)
	if d := secondsOf(left, 8000); math.Abs(d-r.End.Sub(r.Start).Seconds()) > 0.03 || d < 1.4 {
		t.Errorf("file lasts %.3fs, recording %v", d, r.End.Sub(r.Start))
	}
	if again := rec.Stop(); again.File != r.File || !again.End.Equal(r.End) {
		t.Errorf("second Stop gave %+v", again)
	}
	if st := m.Stats(); st.Active != 0 || st.FramesWritten < 100 || st.BytesWritten == 0 {
		t.Errorf("stats %+v", st)
	}
}

// Bridged with a relay: the caller's packets are relayed to the agent and
// the agent's to the caller; both reach the caller session's tap.
func TestRecordRelay(t *testing.T) {
	m := newManager(t)
	caller, callerPhone := pair(t, media.PCMU())
	agent, agentPhone := pair(t, media.PCMA())
	caller.RelayTo(agent)
	agent.RelayTo(caller)
	rec, err := m.Record(caller, "relay")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	play(ctx, &wg, callerPhone.AudioOut(), toneA)
	play(ctx, &wg, agentPhone.AudioOut(), toneB)
	// The agent's phone hears the caller: the relay runs.
	var heard media.PCM16
	var mu sync.Mutex
	agentPhone.SwapAudioIn(media.FrameWriterFunc{Rate: 8000, Fn: func(p media.PCM16) error {
		mu.Lock()
		heard = append(heard, p...)
		mu.Unlock()
		return nil
	}})
	time.Sleep(1500 * time.Millisecond)
	r := rec.Stop()
	cancel()
	wg.Wait()
	mu.Lock()
	if ok, _ := audiotest.DetectTone(heard, toneA, 8000); !ok {
		t.Fatal("the agent's phone did not hear the caller: no relay")
	}
	mu.Unlock()
	checkChannels(t, filepath.Join(m.Dir(), filepath.FromSlash(r.File)), 8000)
}

// tryWriter makes a paced writer non-blocking, as the bridge does.
type tryWriter struct{ media.TryFrameWriter }

func (w tryWriter) WriteFrame(p media.PCM16) error { return w.TryWriteFrame(p) }

// Bridged with transcoding: a G.722 caller and a G.711 agent; the file is
// 16 kHz.
func TestRecordTranscoded(t *testing.T) {
	m := newManager(t)
	caller, callerPhone := pair(t, media.G722())
	agent, agentPhone := pair(t, media.PCMU())
	caller.SwapAudioIn(media.NewResampler(tryWriter{agent.AudioOut().(media.TryFrameWriter)}, 16000))
	agent.SwapAudioIn(media.NewResampler(tryWriter{caller.AudioOut().(media.TryFrameWriter)}, 8000))
	rec, err := m.Record(caller, "transcoded")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	play(ctx, &wg, callerPhone.AudioOut(), toneA)
	play(ctx, &wg, agentPhone.AudioOut(), toneB)
	time.Sleep(1500 * time.Millisecond)
	r := rec.Stop()
	cancel()
	wg.Wait()
	if r.Rate != 16000 {
		t.Fatalf("rate %d for a G.722 caller", r.Rate)
	}
	checkChannels(t, filepath.Join(m.Dir(), filepath.FromSlash(r.File)), 16000)
}

// Pausing silences both channels and is recorded as an interval.
func TestRecordPause(t *testing.T) {
	m := newManager(t)
	caller, phone := pair(t, media.PCMU())
	rec, err := m.Record(caller, "pause")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	play(ctx, &wg, phone.AudioOut(), toneA)
	play(ctx, &wg, caller.AudioOut(), toneB)
	time.Sleep(800 * time.Millisecond)
	rec.Pause()
	if !rec.Paused() {
		t.Fatal("not paused")
	}
	time.Sleep(800 * time.Millisecond)
	rec.Resume()
	if rec.Paused() {
		t.Fatal("still paused")
	}
	time.Sleep(800 * time.Millisecond)
	r := rec.Stop()
	cancel()
	wg.Wait()
	if len(r.Paused) != 1 {
		t.Fatalf("paused %+v", r.Paused)
	}
	p := r.Paused[0]
	if d := p.End.Sub(p.Start); d < 750*time.Millisecond || d > 900*time.Millisecond {
		t.Fatalf("pause lasted %v", d)
	}
	left, right := checkChannels(t, filepath.Join(m.Dir(), filepath.FromSlash(r.File)), 8000)
	from := int(p.Start.Sub(r.Start) * 8000 / time.Second)
	to := int(p.End.Sub(r.Start) * 8000 / time.Second)
	for i := from; i < to; i++ {
		if left[i] != 0 || right[i] != 0 {
			t.Fatalf("sample %d of the pause (%d..%d) is %d/%d, not silence", i, from, to, left[i], right[i])
		}
	}
	// Audio on both sides of the pause.
	for _, s := range []media.PCM16{left[from-2000 : from-400], left[to+400 : to+2000], right[from-2000 : from-400], right[to+400 : to+2000]} {
		if audiotest.RMSdBFS(s) < -20 {
			t.Fatalf("silence outside the pause (%.1f dBFS)", audiotest.RMSdBFS(s))
		}
	}
}

// onsetMs finds where a channel first gets loud, in ms from the file's start.
func onsetMs(p media.PCM16, rate int) float64 {
	for i, v := range p {
		if v > 2000 || v < -2000 {
			return float64(i) * 1000 / float64(rate)
		}
	}
	return -1
}

// A tone that starts at a known moment on each side starts there in the
// file, within 20 ms: the caller's when its first packet reached the
// server, the other side's when the server sent its first packet.
func TestRecordAlignment(t *testing.T) {
	m := newManager(t)
	raw, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rc, cc, err := ports.ListenPair()
	if err != nil {
		t.Fatal(err)
	}
	caller := media.NewRTPSession(rc, cc, media.RTPConfig{Codec: media.PCMU(), Remote: raw.LocalAddr().(*net.UDPAddr)})
	defer caller.Close()
	rec, err := m.Record(caller, "align")
	if err != nil {
		t.Fatal(err)
	}
	// The caller: silence, then the tone from packet 30, sent on a 20 ms grid.
	var sentOnset time.Time
	done := make(chan struct{})
	go func() {
		defer close(done)
		tone := audiotest.Tone(toneA, 8000, 2000, 0.5)
		silence := make(media.PCM16, 160)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for k := range 80 {
			<-tick.C
			f := silence
			if k >= 30 {
				f = tone[(k-30)*160 : (k-29)*160]
			}
			pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(k), Timestamp: uint32(9000 + k*160), SSRC: 77},
				Payload: media.EncodeULaw(nil, f)}
			b, _ := pkt.Marshal()
			if k == 30 {
				sentOnset = time.Now()
			}
			raw.WriteToUDP(b, caller.LocalAddr())
		}
	}()
	// The other side: a tone written after 700 ms; its first loud packet is seen at the raw socket.
	time.Sleep(700 * time.Millisecond)
	heardOnset := make(chan time.Time, 1)
	go func() {
		buf := make([]byte, 1500)
		for {
			n, _, err := raw.ReadFromUDP(buf)
			if err != nil {
				return
			}
			var pkt rtp.Packet
			if pkt.Unmarshal(buf[:n]) == nil && pkt.PayloadType == 0 && len(pkt.Payload) == 160 {
				pcm := make(media.PCM16, 160)
				media.DecodeULaw(pcm, pkt.Payload)
				if onsetMs(pcm, 8000) >= 0 {
					heardOnset <- time.Now().Add(-time.Duration(onsetMs(pcm, 8000) * float64(time.Millisecond)))
					return
				}
			}
		}
	}()
	tone := audiotest.Tone(toneB, 8000, 600, 0.5)
	for i := 0; i < len(tone); i += 160 {
		_ = caller.AudioOut().WriteFrame(tone[i : i+160])
	}
	<-done
	r := rec.Stop()
	left, right, rate, err := recording.ReadStereo(filepath.Join(m.Dir(), filepath.FromSlash(r.File)))
	if err != nil {
		t.Fatal(err)
	}
	var heard time.Time
	select {
	case heard = <-heardOnset:
	case <-time.After(time.Second):
		t.Fatal("the other side's tone never left the server")
	}
	wantL := sentOnset.Sub(r.Start).Seconds() * 1000
	wantR := heard.Sub(r.Start).Seconds() * 1000
	gotL, gotR := onsetMs(left, rate), onsetMs(right, rate)
	t.Logf("left onset %.1f ms (want %.1f), right %.1f ms (want %.1f)", gotL, wantL, gotR, wantR)
	if math.Abs(gotL-wantL) > 20 {
		t.Errorf("caller's onset at %.1f ms, sent at %.1f ms", gotL, wantL)
	}
	if math.Abs(gotR-wantR) > 20 {
		t.Errorf("other side's onset at %.1f ms, sent at %.1f ms", gotR, wantR)
	}
}

// longestSilenceMs is the longest run of near-silent 10 ms windows.
func longestSilenceMs(p media.PCM16, rate int) int {
	win := rate / 100
	longest, run := 0, 0
	for i := 0; i+win <= len(p); i += win {
		if audiotest.RMSdBFS(p[i:i+win]) < -40 {
			run += 10
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// A re-INVITE moves the call from G.711 to G.722 (another rate): the file
// stays 8 kHz, both sides go on with at most a short gap.
func TestRecordCodecChange(t *testing.T) {
	m := newManager(t)
	caller, phone := pair(t, media.PCMU())
	rec, err := m.Record(caller, "reinvite")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	play(ctx, &wg, phone.AudioOut(), toneA)
	play(ctx, &wg, caller.AudioOut(), toneB)
	time.Sleep(1000 * time.Millisecond)
	caller.SetCodec(media.G722(), 101, 0)
	phone.SetCodec(media.G722(), 101, 0)
	time.Sleep(1000 * time.Millisecond)
	r := rec.Stop()
	cancel()
	wg.Wait()
	left, right := checkChannels(t, filepath.Join(m.Dir(), filepath.FromSlash(r.File)), 8000)
	after := func(p media.PCM16) media.PCM16 { return p[8000*1300/1000 : 8000*1900/1000] }
	if ok, ratio := audiotest.DetectTone(after(left), toneA, 8000); !ok {
		t.Errorf("left after the change: no caller tone (ratio %.2f)", ratio)
	}
	if ok, ratio := audiotest.DetectTone(after(right), toneB, 8000); !ok {
		t.Errorf("right after the change: no other side's tone (ratio %.2f)", ratio)
	}
	mid := func(p media.PCM16) media.PCM16 { return p[8000*200/1000 : 8000*1900/1000] }
	if l, r := longestSilenceMs(mid(left), 8000), longestSilenceMs(mid(right), 8000); l > 100 || r > 100 {
		t.Errorf("silent for %d ms (left), %d ms (right) around the change", l, r)
	}
}

// Key presses are not audio: the caller's channel holds no noise from them.
func TestRecordSkipsDTMF(t *testing.T) {
	m := newManager(t)
	caller, phone := pair(t, media.PCMU())
	rec, err := m.Record(caller, "dtmf")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	for _, d := range "123" {
		if err := phone.SendDTMF(d); err != nil {
			t.Fatal(err)
		}
	}
	var got []rune
	for deadline := time.After(2 * time.Second); len(got) < 3; {
		select {
		case d := <-caller.DTMF():
			got = append(got, d)
		case <-deadline:
			t.Fatalf("keys %q arrived", string(got))
		}
	}
	time.Sleep(200 * time.Millisecond)
	r := rec.Stop()
	left, right, _, err := recording.ReadStereo(filepath.Join(m.Dir(), filepath.FromSlash(r.File)))
	if err != nil {
		t.Fatal(err)
	}
	if lv, rv := audiotest.RMSdBFS(left), audiotest.RMSdBFS(right); lv > -60 || rv > -60 {
		t.Fatalf("key presses left sound in the file: %.1f / %.1f dBFS", lv, rv)
	}
}

// The caller hangs up: the recording finishes by itself, and a later Stop
// returns it.
func TestRecordEndsWithSession(t *testing.T) {
	m := newManager(t)
	caller, phone := pair(t, media.PCMU())
	rec, err := m.Record(caller, "hangup")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	play(ctx, &wg, phone.AudioOut(), toneA)
	time.Sleep(700 * time.Millisecond)
	closed := time.Now()
	caller.Close()
	for deadline := time.Now().Add(2 * time.Second); m.Stats().Active != 0; {
		if time.Now().After(deadline) {
			t.Fatal("the recording outlived its session")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	r := rec.Stop()
	if d := r.End.Sub(closed); d < 0 || d > 100*time.Millisecond || r.Incomplete {
		t.Fatalf("recording %+v ended %v after the session closed", r, d)
	}
	left, _, _, err := recording.ReadStereo(filepath.Join(m.Dir(), filepath.FromSlash(r.File)))
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := audiotest.DetectTone(left, toneA, 8000); !ok {
		t.Fatal("the caller's audio before the hangup is missing")
	}
}

const toneC = 2200.0 // a second agent's

// A blind transfer in relay mode: the caller is relayed to one agent, then
// to another; the recording follows the caller through both, in one file.
func TestRecordTransfer(t *testing.T) {
	m := newManager(t)
	caller, callerPhone := pair(t, media.PCMU())
	agent1, phone1 := pair(t, media.PCMU())
	agent2, phone2 := pair(t, media.PCMU())
	rec, err := m.Record(caller, "transfer")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	play(ctx, &wg, callerPhone.AudioOut(), toneA)
	play(ctx, &wg, phone1.AudioOut(), toneB)
	play(ctx, &wg, phone2.AudioOut(), toneC)
	caller.RelayTo(agent1)
	agent1.RelayTo(caller)
	time.Sleep(time.Second)
	agent1.RelayTo(nil)
	caller.RelayTo(agent2)
	agent2.RelayTo(caller)
	time.Sleep(time.Second)
	r := rec.Stop()
	cancel()
	wg.Wait()
	left, right, rate, err := recording.ReadStereo(filepath.Join(m.Dir(), filepath.FromSlash(r.File)))
	if err != nil {
		t.Fatal(err)
	}
	first, second := right[rate*200/1000:rate*900/1000], right[rate*1200/1000:rate*1900/1000]
	if ok, ratio := audiotest.DetectTone(first, toneB, rate); !ok {
		t.Errorf("first agent not on the right before the transfer (ratio %.2f)", ratio)
	}
	if ok, ratio := audiotest.DetectTone(second, toneC, rate); !ok {
		t.Errorf("second agent not on the right after the transfer (ratio %.2f)", ratio)
	}
	if ok, _ := audiotest.DetectTone(left[rate*1200/1000:rate*1900/1000], toneA, rate); !ok {
		t.Error("caller missing on the left after the transfer")
	}
	if s := longestSilenceMs(right[rate*200/1000:rate*1900/1000], rate); s > 60 {
		t.Errorf("right channel silent for %d ms across the transfer", s)
	}
}

// The caller holds the call (a=sendonly from the phone: we stop sending):
// the right channel is silent for the hold, and the other side's audio
// comes back in its place afterwards.
func TestRecordHold(t *testing.T) {
	m := newManager(t)
	caller, phone := pair(t, media.PCMU())
	rec, err := m.Record(caller, "hold")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	play(ctx, &wg, phone.AudioOut(), toneA)
	play(ctx, &wg, caller.AudioOut(), toneB)
	time.Sleep(700 * time.Millisecond)
	held := time.Now()
	caller.SetDirection(media.RecvOnly)
	time.Sleep(700 * time.Millisecond)
	resumed := time.Now()
	caller.SetDirection(media.SendRecv)
	time.Sleep(700 * time.Millisecond)
	r := rec.Stop()
	cancel()
	wg.Wait()
	_, right, rate, err := recording.ReadStereo(filepath.Join(m.Dir(), filepath.FromSlash(r.File)))
	if err != nil {
		t.Fatal(err)
	}
	at := func(t time.Time) int { return int(t.Sub(r.Start) * time.Duration(rate) / time.Second) }
	during := right[at(held)+rate/20 : at(resumed)-rate/20]
	if lv := audiotest.RMSdBFS(during); lv > -60 {
		t.Errorf("right channel during the hold at %.1f dBFS, want silence", lv)
	}
	if ok, _ := audiotest.DetectTone(right[at(resumed)+rate/10:at(resumed)+rate/2], toneB, rate); !ok {
		t.Error("the other side's audio did not come back after the hold")
	}
}

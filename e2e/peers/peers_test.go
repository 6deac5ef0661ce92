package peers

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media/audiotest"
)

// mustTone asserts that the WAV at path holds the tone want and not the
// tone notWant, using the project's media/audiotest detector.
func mustTone(t *testing.T, path string, want, notWant float64) {
	t.Helper()
	if path == "" {
		t.Fatal("no recording")
	}
	s, rate, err := audiotest.ReadWAVFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if len(s) < rate/2 {
		t.Fatalf("%s: only %d samples recorded", path, len(s))
	}
	ok, r := audiotest.DetectTone(s, want, rate)
	_, rn := audiotest.DetectTone(s, notWant, rate)
	t.Logf("%s: %.1fs, %.0f dBFS, %v Hz ratio %.3f, %v Hz ratio %.3f", filepath.Base(path),
		float64(len(s))/float64(rate), audiotest.RMSdBFS(s), want, r, notWant, rn)
	if !ok {
		t.Errorf("%s: tone %v Hz not detected (ratio %.3f)", path, want, r)
	}
	if rn > 0.1 {
		t.Errorf("%s: unexpected tone %v Hz present (ratio %.3f)", path, notWant, rn)
	}
}

// skipShort skips tests that start baresip/sipp processes under -short.
func skipShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts baresip/sipp processes; skipped with -short")
	}
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestWAVHelpers(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.wav")
	if err := WriteToneWAV(p, 440, 1, 8000); err != nil {
		t.Fatal(err)
	}
	s, rate, err := audiotest.ReadWAVFile(p)
	if err != nil || rate != 8000 || len(s) != 8000 {
		t.Fatalf("ReadWAVFile: %d samples at %d Hz, %v", len(s), rate, err)
	}
	if ok, r := audiotest.DetectTone(s, 440, rate); !ok {
		t.Fatalf("440 not detected: %v", r)
	}
	// prepareMic converts (sox) and loops.
	p16 := filepath.Join(dir, "b16k.wav")
	if err := WriteToneWAV(p16, 1000, 0.5, 16000); err != nil {
		t.Fatal(err)
	}
	mic := filepath.Join(dir, "mic.wav")
	if err := prepareMic(p16, mic, 3, MicRate); err != nil {
		t.Skipf("prepareMic with resampling: %v", err)
	}
	m, mrate, err := readWAVMono16(mic)
	if err != nil || mrate != MicRate || len(m) < 3*MicRate {
		t.Fatalf("mic: %d samples at %d Hz, %v", len(m), mrate, err)
	}
	if ok, r := audiotest.DetectTone(m, 1000, mrate); !ok {
		t.Fatalf("1000 not detected in converted mic: %v", r)
	}
}

// TestPhoneToPhoneAudio: A (440 Hz mic) calls B (1000 Hz mic, auto-answer)
// directly; each must hear the other's tone. A then sends DTMF which B
// reports as received RFC 4733 events.
func TestPhoneToPhoneAudio(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	wavA := filepath.Join(dir, "a440.wav")
	wavB := filepath.Join(dir, "b1000.wav")
	if err := WriteToneWAV(wavA, 440, 3, 0); err != nil {
		t.Fatal(err)
	}
	if err := WriteToneWAV(wavB, 1000, 3, 0); err != nil {
		t.Fatal(err)
	}
	a := StartPhone(t, PhoneConfig{User: "a", PlayWAV: wavA, RecordWAV: filepath.Join(dir, "a-heard.wav")})
	b := StartPhone(t, PhoneConfig{User: "b", PlayWAV: wavB, AutoAnswer: true, RecordWAV: filepath.Join(dir, "b-heard.wav")})

	if err := a.Dial(b.URI()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WaitEvent(ctxT(t, 5*time.Second), EventCallIncoming); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WaitEvent(ctxT(t, 5*time.Second), EventCallEstablished); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WaitEvent(ctxT(t, 5*time.Second), EventCallEstablished); err != nil {
		t.Fatal(err)
	}
	if err := a.SendDTMF("0#"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"0", "#"} {
		ev, err := b.WaitEvent(ctxT(t, 5*time.Second), EventCallDTMFStart)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Param != want {
			t.Errorf("B got DTMF %q, want %q", ev.Param, want)
		}
	}
	// Let ≥2 s of audio flow both ways (waits on the recordings, not the clock).
	for _, p := range []*Phone{a, b} {
		if err := p.WaitRecorded(ctxT(t, 10*time.Second), 2*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Hangup(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WaitEvent(ctxT(t, 5*time.Second), EventCallClosed); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WaitEvent(ctxT(t, 5*time.Second), EventCallClosed); err != nil {
		t.Fatal(err)
	}
	mustTone(t, a.RecordedWAV(), 1000, 440)
	mustTone(t, b.RecordedWAV(), 440, 1000)
}

func TestPhoneRegisterDigest(t *testing.T) {
	skipShort(t)
	f := startFakeSIP(t)
	f.addUser("alice", "alice-demo")
	f.addUser("bob", "bob-demo")
	for _, tr := range []string{"udp", "tcp"} {
		t.Run(tr, func(t *testing.T) {
			p := StartPhone(t, PhoneConfig{User: "alice", Password: "alice-demo", Registrar: f.addr, Transport: tr})
			if err := p.WaitRegistered(ctxT(t, 5*time.Second)); err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			contact := f.bindings["alice"]
			f.mu.Unlock()
			t.Logf("binding: %s", contact)
			if !strings.Contains(contact, fmt.Sprintf("127.0.0.1:%d", p.SIPPort())) {
				t.Errorf("contact %q does not point at 127.0.0.1:%d", contact, p.SIPPort())
			}
			if tr == "tcp" && !strings.Contains(contact, "transport=tcp") {
				t.Errorf("contact %q lacks transport=tcp", contact)
			}
		})
	}
	t.Run("reachable", func(t *testing.T) {
		// A registered phone answers INVITEs to its registered Contact and
		// to sip:user@127.0.0.1:port (AOR user match).
		b := StartPhone(t, PhoneConfig{User: "bob", Password: "bob-demo", Registrar: f.addr, AutoAnswer: true})
		if err := b.WaitRegistered(ctxT(t, 5*time.Second)); err != nil {
			t.Fatal(err)
		}
		f.mu.Lock()
		contact := f.bindings["bob"]
		f.mu.Unlock()
		contactURI := contact[strings.Index(contact, "<")+1 : strings.Index(contact, ">")]
		a := StartPhone(t, PhoneConfig{User: "a"})
		for _, uri := range []string{contactURI, b.URI()} {
			if err := a.Dial(uri); err != nil {
				t.Fatal(err)
			}
			if _, err := b.WaitEvent(ctxT(t, 5*time.Second), EventCallEstablished); err != nil {
				t.Fatalf("dial %s: %v", uri, err)
			}
			a.WaitEvent(ctxT(t, 5*time.Second), EventCallEstablished)
			a.Hangup()
			if _, err := b.WaitEvent(ctxT(t, 5*time.Second), EventCallClosed); err != nil {
				t.Fatal(err)
			}
			a.WaitEvent(ctxT(t, 5*time.Second), EventCallClosed)
			t.Logf("registered phone answered %s", uri)
		}
	})
	t.Run("wrong-password", func(t *testing.T) {
		p := StartPhone(t, PhoneConfig{User: "alice", Password: "nope", Registrar: f.addr})
		err := p.WaitRegistered(ctxT(t, 5*time.Second))
		if err == nil {
			t.Fatal("registration with a wrong password succeeded")
		}
		t.Logf("as expected: %v", err)
	})
}

// TestPhoneDTMFOnTheWire proves SendDTMF emits RFC 4733 telephone-events
// (checked by a Go RTP sink, not by another baresip) and that the phone's
// mic audio and codec choice reach the far end.
func TestPhoneDTMFOnTheWire(t *testing.T) {
	skipShort(t)
	f := startFakeSIP(t)
	dir := t.TempDir()
	wav := filepath.Join(dir, "440.wav")
	if err := WriteToneWAV(wav, 440, 2, 0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		codecs []string
		wantPT int
	}{{"default-pcmu", nil, 0}, {"pcma-only", []string{"PCMA"}, 8}} {
		t.Run(tc.name, func(t *testing.T) {
			p := StartPhone(t, PhoneConfig{User: "caller", PlayWAV: wav, Codecs: tc.codecs})
			if err := p.Dial("sip:4008001234@" + f.addr); err != nil {
				t.Fatal(err)
			}
			if _, err := p.WaitEvent(ctxT(t, 5*time.Second), EventCallEstablished); err != nil {
				t.Fatal(err)
			}
			call := f.lastCall()
			t.Logf("offer: pts=%v rtpmap=%v dtmfPT=%d", call.offer.pts, call.offer.rtpmaps, call.offer.dtmfPT)
			if call.offer.dtmfPT != 101 {
				t.Errorf("offer has telephone-event PT %d, want 101", call.offer.dtmfPT)
			}
			if call.offer.ip != "127.0.0.1" {
				t.Errorf("offer c= %q, want 127.0.0.1", call.offer.ip)
			}
			if err := p.SendDTMF("0"); err != nil {
				t.Fatal(err)
			}
			// Wait (bounded) for the digit and for ≥1 s of audio at the sink.
			deadline := time.Now().Add(10 * time.Second)
			for {
				pts, digits, _ := call.sink.snapshot()
				if len(digits) > 0 && pts[tc.wantPT] >= 50 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("after 10 s: digits %v, PTs %v", digits, pts)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if err := p.Hangup(); err != nil {
				t.Fatal(err)
			}
			if _, err := p.WaitEvent(ctxT(t, 5*time.Second), EventCallClosed); err != nil {
				t.Fatal(err)
			}
			pts, digits, audio := call.sink.snapshot()
			src := call.sink.sourceAddrs()
			t.Logf("RTP PTs received: %v from %v, digits %v, audio %d samples", pts, src, digits, len(audio))
			if src[fmt.Sprintf("127.0.0.1:%d", call.offer.port)] == 0 {
				t.Errorf("RTP not sent from the SDP port %d (symmetric RTP): %v", call.offer.port, src)
			}
			if len(digits) != 1 || digits[0] != "0" {
				t.Errorf("digits = %v, want [0]", digits)
			}
			if pts[101] < 3 {
				t.Errorf("only %d PT-101 packets", pts[101])
			}
			if ok, r := audiotest.DetectTone(audio, 440, 8000); !ok {
				t.Errorf("440 Hz not detected in RTP audio (ratio %.3f)", r)
			}
		})
	}
}

func TestPhoneManualAnswerAndCalleeHangup(t *testing.T) {
	skipShort(t)
	a := StartPhone(t, PhoneConfig{User: "a"})
	b := StartPhone(t, PhoneConfig{User: "b"})
	if err := a.Dial(b.URI()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WaitEvent(ctxT(t, 5*time.Second), EventCallRinging); err != nil {
		t.Fatal(err)
	}
	ev, err := b.WaitEvent(ctxT(t, 5*time.Second), EventCallIncoming)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ev.PeerURI, "sip:a@") {
		t.Errorf("incoming peer %q", ev.PeerURI)
	}
	if err := b.Answer(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*Phone{a, b} {
		if _, err := p.WaitEvent(ctxT(t, 5*time.Second), EventCallEstablished); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Hangup(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*Phone{a, b} {
		if _, err := p.WaitEvent(ctxT(t, 5*time.Second), EventCallClosed); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPhoneRemoteByeAndReject(t *testing.T) {
	skipShort(t)
	f := startFakeSIP(t)
	f.route("bye", fakeRoute{byeAfter: 800 * time.Millisecond})
	f.route("0044201234567", fakeRoute{reject: 403})
	p := StartPhone(t, PhoneConfig{User: "caller"})

	if err := p.Dial("sip:bye@" + f.addr); err != nil {
		t.Fatal(err)
	}
	if _, err := p.WaitEvent(ctxT(t, 5*time.Second), EventCallEstablished); err != nil {
		t.Fatal(err)
	}
	ev, err := p.WaitEvent(ctxT(t, 5*time.Second), EventCallClosed)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("closed by server: %q", ev.Param)

	if err := p.Dial("sip:0044201234567@" + f.addr); err != nil {
		t.Fatal(err)
	}
	ev, err = p.WaitEvent(ctxT(t, 5*time.Second), EventCallClosed)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ev.Param, "403") {
		t.Errorf("CALL_CLOSED param %q, want 403", ev.Param)
	}
}

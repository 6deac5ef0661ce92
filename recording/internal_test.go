package recording

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

var testPorts = &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 53000, Max: 53999}

// A recorder that cannot keep up loses frames, counted, and the call's
// media does not wait for it: the session keeps decoding at real time.
func TestFullTapQueueDropsWithoutBlocking(t *testing.T) {
	m, err := NewManager(Options{Dir: t.TempDir(), QueueFrames: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc, cc, _ := testPorts.ListenPair()
	prc, pcc, _ := testPorts.ListenPair()
	caller := media.NewRTPSession(rc, cc, media.RTPConfig{Codec: media.PCMU(), Remote: prc.LocalAddr().(*net.UDPAddr)})
	phone := media.NewRTPSession(prc, pcc, media.RTPConfig{Codec: media.PCMU(), Remote: rc.LocalAddr().(*net.UDPAddr)})
	defer caller.Close()
	defer phone.Close()
	var decoded atomic.Int64
	caller.SwapAudioIn(media.FrameWriterFunc{Rate: 8000, Fn: func(media.PCM16) error { decoded.Add(1); return nil }})
	rec, err := m.Record(caller, "slow")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		tone := audiotest.Tone(600, 8000, 20, 0.4)
		for ctx.Err() == nil && phone.AudioOut().WriteFrame(tone) == nil {
		}
	}()
	time.Sleep(300 * time.Millisecond)
	// Stall the recorder: its next flush waits for the lock.
	rec.mu.Lock()
	time.Sleep(2 * flushEvery)
	before := decoded.Load()
	time.Sleep(time.Second)
	during := decoded.Load() - before
	rec.mu.Unlock()
	r := rec.Stop()
	cancel()
	if during < 40 {
		t.Fatalf("the session decoded %d frames in a second while the recorder stalled, want ~50", during)
	}
	st := m.Stats()
	if st.FramesDropped < 50 {
		t.Fatalf("stats %+v: a stalled recorder with a queue of 4 should drop ~100 payloads", st)
	}
	if _, _, _, err := ReadStereo(filepath.Join(m.Dir(), r.File)); err != nil {
		t.Fatal(err)
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	start := time.Date(2026, 12, 7, 12, 0, 0, 123456789, time.UTC)
	for _, id := range []string{"", "a", "ab", "call/../../etc\x00passwd 你好"} {
		b := encodeHeader(16000, id, start, 3200)
		h, err := parseHeader(append(b, make([]byte, 3200)...))
		if err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		if h.rate != 16000 || h.channels != 2 || h.bits != 16 || h.dataOffset != int64(len(b)) || h.dataLen != 3200 {
			t.Fatalf("%q: header %+v", id, h)
		}
		if h.callID != id && !(bytes.ContainsRune([]byte(id), 0)) {
			t.Fatalf("call id %q, want %q", h.callID, id)
		}
		if !h.start.Equal(start) {
			t.Fatalf("start %v", h.start)
		}
	}
	if _, err := parseHeader([]byte("RIFF\x00\x00\x00\x00WAVEdata\x00\x00\x00\x00")); !errors.Is(err, ErrFormat) {
		t.Fatalf("data before fmt: %v", err)
	}
}

// The header reader takes any bytes: it never panics, and what it accepts
// is a PCM16 file whose data starts inside what it was given.
func FuzzParseHeader(f *testing.F) {
	f.Add(encodeHeader(8000, "seed@example", time.Unix(1, 0), 0))
	f.Add(encodeHeader(16000, "", time.Time{}, 1<<20))
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseHeader(b)
		if err != nil {
			return
		}
		if h.bits != 16 || h.channels < 1 || h.channels > 2 || h.rate < 1 || h.dataOffset > int64(len(b)) || h.dataOffset < 12 {
			t.Fatalf("accepted %+v from %d bytes", h, len(b))
		}
		_ = samplesIn(h, int64(len(b))+1000)
	})
}

// A crash leaves a .part with header sizes of 0 and maybe half a frame;
// Recover fixes the sizes from the length, cuts the half frame, renames it,
// and says which call it was.
func TestRecoverTruncatedPart(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	rel := relPath(start, "crash/1", 1)
	abs := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		t.Fatal(err)
	}
	hdr := encodeHeader(8000, "crash/1", start, 0)
	tone := audiotest.Tone(600, 8000, 500, 0.5)
	body := make([]byte, 0, len(tone)*4+3)
	for _, s := range tone {
		body = append(body, byte(s), byte(uint16(s)>>8), 0, 0) // left tone, right silence
	}
	body = append(body, 1, 2, 3) // torn last frame
	if err := os.WriteFile(abs+".part", append(hdr, body...), 0o640); err != nil {
		t.Fatal(err)
	}
	got, err := Recover(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("recovered %+v", got)
	}
	r := got[0]
	if r.CallID != "crash/1" || r.Recording.File != rel || !r.Recording.Incomplete || r.Recording.Rate != 8000 ||
		!r.Recording.Start.Equal(start) || r.Recording.End.Sub(start) != 500*time.Millisecond {
		t.Fatalf("recovered %+v", r)
	}
	if _, err := os.Stat(abs + ".part"); !os.IsNotExist(err) {
		t.Fatal(".part still there")
	}
	left, right, rate, err := ReadStereo(abs)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 4000 || rate != 8000 {
		t.Fatalf("%d samples at %d Hz", len(left), rate)
	}
	if ok, _ := audiotest.DetectTone(left, 600, 8000); !ok || audiotest.RMSdBFS(right) > -90 {
		t.Fatal("samples changed")
	}
	// The header now tells the truth: a strict reader agrees.
	f, _ := os.Open(abs)
	defer f.Close()
	h, size, err := readHeaderFile(f)
	if err != nil || h.dataLen != 16000 || h.dataOffset+h.dataLen != size {
		t.Fatalf("header %+v size %d err %v", h, size, err)
	}
	if again, err := Recover(dir); err != nil || len(again) != 0 {
		t.Fatalf("second Recover: %v %v", again, err)
	}
}

type forgetter struct{ ids []string }

func (f *forgetter) ForgetMedia(id string) error { f.ids = append(f.ids, id); return nil }

// Retention deletes what is older than Days, then the oldest while over
// MaxBytes, leaves a recording in progress alone, and forgets each call.
func TestRetentionByAgeAndBudget(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	m, err := NewManager(Options{Dir: dir, Retention: Retention{Days: 30, MaxBytes: 2400}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.now = func() time.Time { return now }
	write := func(id string, age time.Duration, size int, part bool) string {
		start := now.Add(-age)
		p := filepath.Join(dir, filepath.FromSlash(relPath(start, id, 1)))
		if part {
			p += ".part"
		}
		os.MkdirAll(filepath.Dir(p), 0o750)
		hdr := encodeHeader(8000, id, start, 0)
		if err := os.WriteFile(p, append(hdr, make([]byte, size-len(hdr))...), 0o640); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, start, start)
		return p
	}
	ancient := write("ancient", 40*24*time.Hour, 200, false)
	old := write("old", 3*24*time.Hour, 1000, false)
	mid := write("mid", 2*24*time.Hour, 1000, false)
	fresh := write("fresh", time.Hour, 1000, false)
	live := write("live", 0, 500, true)
	f := &forgetter{}
	s, err := m.Sweep(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.ids) != 3 || f.ids[0] != "ancient" || f.ids[1] != "old" || f.ids[2] != "mid" {
		t.Errorf("forgot %q, want ancient, old, mid (age first, then oldest first)", f.ids)
	}
	for _, p := range []string{ancient, old, mid} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s kept", filepath.Base(p))
		}
	}
	for _, p := range []string{fresh, live} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s deleted", filepath.Base(p))
		}
	}
	if s.Deleted != 3 || s.TotalBytes != 1500 {
		t.Fatalf("swept %+v", s)
	}
	// The ancient one's day directory went with it.
	if _, err := os.Stat(filepath.Dir(ancient)); !os.IsNotExist(err) {
		t.Error("empty day directory kept")
	}
}

func TestRetentionForgetsEachDeletedCall(t *testing.T) {
	dir := t.TempDir()
	m, _ := NewManager(Options{Dir: dir, Retention: Retention{MaxBytes: 1}}, nil)
	start := time.Now().Add(-time.Minute)
	for _, id := range []string{"a@x", "b c"} {
		p := filepath.Join(dir, filepath.FromSlash(relPath(start, id, 1)))
		os.MkdirAll(filepath.Dir(p), 0o750)
		os.WriteFile(p, encodeHeader(8000, id, start, 0), 0o640)
	}
	f := &forgetter{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.RunRetention(ctx, time.Hour, f); close(done) }()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if entries, _ := os.ReadDir(dir); len(entries) == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if len(f.ids) != 2 || !(f.ids[0] == "a@x" && f.ids[1] == "b c" || f.ids[0] == "b c" && f.ids[1] == "a@x") {
		t.Fatalf("forgot %q", f.ids)
	}
}

func TestSilenceSpans(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.wav")
	tone := audiotest.Tone(600, 8000, 1000, 0.5)
	hdr := encodeHeader(8000, "r", time.Now(), int64(len(tone)*4))
	body := make([]byte, 0, len(tone)*4)
	for _, s := range tone {
		body = append(body, byte(s), byte(uint16(s)>>8), byte(s), byte(uint16(s)>>8))
	}
	os.WriteFile(p, append(hdr, body...), 0o640)
	made := time.Now().Add(-72 * time.Hour).Truncate(time.Second)
	os.Chtimes(p, made, made)
	err := SilenceSpans(p, []Span{{Channel: 0, From: 100 * time.Millisecond, To: 200 * time.Millisecond},
		{Channel: -1, From: 500 * time.Millisecond, To: 600 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	left, right, _, err := ReadStereo(p)
	if err != nil {
		t.Fatal(err)
	}
	zero := func(s media.PCM16) bool {
		for _, v := range s {
			if v != 0 {
				return false
			}
		}
		return true
	}
	if !zero(left[800:1600]) || zero(right[800:1600]) {
		t.Error("left-only span wrong")
	}
	if !zero(left[4000:4800]) || !zero(right[4000:4800]) {
		t.Error("both-channel span not silent")
	}
	if zero(left[1600:4000]) || zero(left[4800:]) || zero(left[:800]) {
		t.Error("audio outside the spans silenced")
	}
	if st, err := os.Stat(p); err != nil || !st.ModTime().Equal(made) {
		t.Error("redaction renewed the file's time, which retention counts its age from")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if err := SilenceSpans(p, []Span{{Channel: 2}}); err == nil {
		t.Error("channel 2 of a stereo file accepted")
	}
}

func TestFileName(t *testing.T) {
	for id, want := range map[string]string{
		"a84b4c76e66710": "a84b4c76e66710",
		"abc.DEF_1-2":    "abc.DEF_1-2",
		"a@b":            "x614062",
		"../etc/passwd":  "x2e2e2f6574632f706173737764",
		".hidden":        "x2e68696464656e",
		"":               "x",
	} {
		if got := fileName(id); got != want {
			t.Errorf("fileName(%q) = %q, want %q", id, got, want)
		}
	}
	long := fileName(string(bytes.Repeat([]byte("z"), 300)))
	if len(long) != 65 || long[0] != 'h' {
		t.Errorf("long id gives %q", long)
	}
	if got := relPath(time.Date(2026, 1, 2, 23, 0, 0, 0, time.FixedZone("x", -3*3600)), "c", 2); got != "2026/01/03/c-2.wav" {
		t.Errorf("relPath = %q", got)
	}
}

// While recording, the .part file's header is brought up to date now and
// then, so the file plays up to there even before Recover.
func TestPartHeaderUpdated(t *testing.T) {
	old := headerEvery
	headerEvery = 2
	defer func() { headerEvery = old }()
	m, err := NewManager(Options{Dir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc, cc, _ := testPorts.ListenPair()
	prc, pcc, _ := testPorts.ListenPair()
	caller := media.NewRTPSession(rc, cc, media.RTPConfig{Codec: media.PCMU(), Remote: prc.LocalAddr().(*net.UDPAddr)})
	phone := media.NewRTPSession(prc, pcc, media.RTPConfig{Codec: media.PCMU(), Remote: rc.LocalAddr().(*net.UDPAddr)})
	defer caller.Close()
	defer phone.Close()
	rec, err := m.Record(caller, "growing")
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Stop()
	time.Sleep(2 * time.Second)
	f, err := os.Open(filepath.Join(m.Dir(), filepath.FromSlash(rec.File())+".part"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, size, err := readHeaderFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if h.dataLen < 4000 || h.dataOffset+h.dataLen > size {
		t.Fatalf("header says %d bytes of samples in a file of %d", h.dataLen, size)
	}
}

// ReadStereo and Recover take whatever a disk holds: they never panic, and
// a file Recover finishes reads back with as many samples as it says.
func FuzzReadAndRecover(f *testing.F) {
	f.Add(append(encodeHeader(8000, "c", time.Unix(5, 0), 0), 1, 2, 3, 4, 5, 6, 7))
	f.Add(append(encodeHeader(16000, "c", time.Unix(5, 0), 400), 1, 2))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "x.wav")
		os.WriteFile(p, b, 0o640)
		ReadStereo(p)
		os.WriteFile(p+".part", b, 0o640)
		got, err := Recover(dir)
		if err != nil {
			return
		}
		if len(got) != 1 {
			t.Fatalf("recovered %d files from one", len(got))
		}
		left, _, rate, err := ReadStereo(p)
		if err != nil {
			t.Fatalf("recovered file does not read: %v", err)
		}
		if want := got[0].Recording.End.Sub(got[0].Recording.Start); time.Duration(len(left))*time.Second/time.Duration(rate) != want {
			t.Fatalf("%d samples at %d Hz, recovered as %v", len(left), rate, want)
		}
	})
}

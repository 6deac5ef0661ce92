package recording

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

const ms = time.Millisecond

// Jitter does not move audio later: the timeline follows the fastest
// packets, and consecutive packets stay contiguous.
func TestAlignerIgnoresJitter(t *testing.T) {
	var a aligner
	rng := rand.New(rand.NewPCG(1, 2))
	base := 300 * ms
	for k := range 500 {
		jitter := time.Duration(rng.IntN(8000)) * time.Microsecond
		pos, _ := a.place(uint32(5000+k*160), 9, 8000, base+time.Duration(k)*20*ms+jitter)
		want := base + time.Duration(k)*20*ms
		if k > 50 && (pos < want-ms || pos > want+2*ms) {
			t.Fatalf("packet %d at %v, sent at %v (jitter %v)", k, pos, want, jitter)
		}
	}
}

func TestAlignerReanchors(t *testing.T) {
	var a aligner
	for k := range 10 {
		a.place(uint32(k*160), 1, 8000, time.Duration(k)*20*ms)
	}
	// Another SSRC while the stream runs is a stray: not placed.
	if _, ok := a.place(555, 5, 8000, 190*ms); ok {
		t.Fatal("a stray stream's packet was placed")
	}
	if pos, ok := a.place(10*160, 1, 8000, 200*ms); !ok || !near(pos, 200*ms) {
		t.Fatalf("the stream after a stray packet: %v %v", pos, ok)
	}
	// A new SSRC once the old stream stopped (a transfer, a re-INVITE): where it arrives.
	if pos, _ := a.place(777, 2, 8000, 205*ms+ssrcHold); pos != 205*ms+ssrcHold {
		t.Fatalf("new SSRC placed at %v", pos)
	}
	// A new clock rate on the same SSRC.
	if pos, _ := a.place(777, 2, 16000, 225*ms+ssrcHold); pos != 225*ms+ssrcHold {
		t.Fatalf("new clock placed at %v", pos)
	}
	// The sender's clock stood still for a second: the packet is placed where it arrived.
	if pos, _ := a.place(777+320, 2, 16000, 1245*ms+ssrcHold); pos != 1245*ms+ssrcHold {
		t.Fatalf("after a stalled clock at %v", pos)
	}
	// The timestamp jumps ten seconds ahead of the arrivals: never later than arrival.
	if pos, _ := a.place(777+320+160000, 2, 16000, 1265*ms+ssrcHold); pos != 1265*ms+ssrcHold {
		t.Fatalf("after a jump at %v", pos)
	}
	// A late packet goes back in time, and the stream goes on where it was.
	if pos, _ := a.place(777+320+160000-320, 2, 16000, 1285*ms+ssrcHold); !near(pos, 1245*ms+ssrcHold) {
		t.Fatalf("late packet at %v", pos)
	}
	if pos, _ := a.place(777+320+160000+320, 2, 16000, 1285*ms+ssrcHold); !near(pos, 1285*ms+ssrcHold) {
		t.Fatalf("next packet at %v", pos)
	}
}

// near allows for the offset's creep (leak).
func near(a, b time.Duration) bool { return a-b < 100*time.Microsecond && b-a < 100*time.Microsecond }

// A sender whose clock runs 0.05 % slow stays within a few ms of its arrivals.
func TestAlignerFollowsSlowClock(t *testing.T) {
	var a aligner
	for k := range 3000 { // a minute
		at := time.Duration(float64(k) * 20 * 1.0005 * float64(ms))
		pos, _ := a.place(uint32(k*160), 3, 8000, at)
		if d := at - pos; d < 0 || d > 5*ms {
			t.Fatalf("packet %d placed %v before its arrival", k, d)
		}
	}
}

// failAfter fails writes with ENOSPC once n bytes went through.
type failAfter struct {
	w io.Writer
	n int
}

func (f *failAfter) Write(b []byte) (int, error) {
	if len(b) > f.n {
		k, _ := f.w.Write(b[:f.n])
		f.n = 0
		return k, syscall.ENOSPC
	}
	f.n -= len(b)
	return f.w.Write(b)
}

// A full disk stops the recording, once, keeps what was written, and the
// call goes on.
func TestWriteErrorStopsRecordingNotCall(t *testing.T) {
	m, err := NewManager(Options{Dir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.sink = func(w io.Writer) io.Writer { return &failAfter{w: w, n: 40000} } // ~1.25 s of 8 kHz stereo
	rc, cc, _ := testPorts.ListenPair()
	prc, pcc, _ := testPorts.ListenPair()
	caller := media.NewRTPSession(rc, cc, media.RTPConfig{Codec: media.PCMU(), Remote: prc.LocalAddr().(*net.UDPAddr)})
	phone := media.NewRTPSession(prc, pcc, media.RTPConfig{Codec: media.PCMU(), Remote: rc.LocalAddr().(*net.UDPAddr)})
	defer caller.Close()
	defer phone.Close()
	rec, err := m.Record(caller, "full-disk")
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
	time.Sleep(3 * time.Second)
	if caller.Context().Err() != nil {
		t.Fatal("the call ended")
	}
	received := caller.Stats().Received
	time.Sleep(100 * time.Millisecond)
	if caller.Stats().Received <= received {
		t.Fatal("the caller's media stopped")
	}
	r := rec.Stop()
	if !r.Incomplete {
		t.Fatalf("recording %+v not marked incomplete", r)
	}
	if st := m.Stats(); st.Errors != 1 {
		t.Fatalf("stats %+v", st)
	}
	left, _, _, err := ReadStereo(filepath.Join(m.Dir(), r.File))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 10000 {
		t.Fatalf("%d samples kept, want the 40000 bytes that were written", len(left))
	}
	if d := r.End.Sub(r.Start); d != 1250*ms {
		t.Fatalf("recording lasts %v", d)
	}
	if _, err := os.Stat(filepath.Join(m.Dir(), r.File+".part")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal(".part left")
	}
}

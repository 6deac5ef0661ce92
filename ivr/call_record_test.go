package ivr

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
)

// fakeLeg is an InboundLeg whose inbound audio the test writes through the writer the IVR swapped in.
type fakeLeg struct {
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	in     media.FrameWriter
	swaps  chan media.FrameWriter
}

func newFakeLeg() *fakeLeg {
	ctx, cancel := context.WithCancel(context.Background())
	return &fakeLeg{ctx: ctx, cancel: cancel, swaps: make(chan media.FrameWriter, 4)}
}

func (l *fakeLeg) ID() string                                     { return "leg" }
func (l *fakeLeg) Context() context.Context                       { return l.ctx }
func (l *fakeLeg) AudioOut() media.FrameWriter                    { return media.Discard(8000) }
func (l *fakeLeg) FlushAudioOut()                                 {}
func (l *fakeLeg) DTMF() <-chan rune                              { return nil }
func (l *fakeLeg) Hangup(context.Context, string) error           { l.cancel(); return nil }
func (l *fakeLeg) Logger() *slog.Logger                           { return slog.New(slog.DiscardHandler) }
func (l *fakeLeg) Ringing() error                                 { return nil }
func (l *fakeLeg) Progress() error                                { return nil }
func (l *fakeLeg) Answer() error                                  { return nil }
func (l *fakeLeg) Reject(int, string)                             {}
func (l *fakeLeg) HangupBy(context.Context, string, string) error { return nil }
func (l *fakeLeg) HangupInfo() (string, string)                   { return "", "" }
func (l *fakeLeg) OutputRate() int                                { return 8000 }
func (l *fakeLeg) Codec() string                                  { return "PCMU" }
func (l *fakeLeg) SwapAudioIn(w media.FrameWriter) media.FrameWriter {
	l.mu.Lock()
	prev := l.in
	l.in = w
	l.mu.Unlock()
	l.swaps <- w
	return prev
}

func newRecordCall(t *testing.T) (*call, *fakeLeg) {
	leg := newFakeLeg()
	t.Cleanup(leg.cancel)
	c := &call{engine: &Engine{}, leg: leg, log: leg.Logger(), rec: &record.Call{},
		vars: map[string]string{"call_id": "abc/1@host"}, digits: make(chan rune, 4), keyed: make(chan struct{}, 1)}
	return c, leg
}

// feed writes frames of the given level into the recorder once it is swapped in.
func feed(t *testing.T, leg *fakeLeg, loud, quiet int) {
	w := <-leg.swaps
	frame := make(media.PCM16, 160)
	for i := range loud + quiet {
		for j := range frame {
			frame[j] = 0
			if i < loud {
				frame[j] = int16(8000 * (j%2*2 - 1))
			}
		}
		if err := w.WriteFrame(frame); err != nil {
			t.Error(err)
		}
	}
}

func TestRecordSilence(t *testing.T) {
	c, leg := newRecordCall(t)
	dir := t.TempDir()
	go feed(t, leg, 50, 60) // 1 s of sound, then 1.2 s of silence
	res, err := c.Record(context.Background(), dialplan.RecordRequest{Dir: dir, MaxDuration: 10 * time.Second, Beep: true, Silence: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.EndedBy != "silence" || res.Duration != 2*time.Second || c.rec.Recording != res.Path {
		t.Errorf("result = %+v, record %q", res, c.rec.Recording)
	}
	if filepath.Dir(filepath.Dir(res.Path)) != dir || filepath.Base(res.Path)[:6] != "abc_1@" {
		t.Errorf("path = %s", res.Path)
	}
	samples, err := media.LoadWAVFile(res.Path, 8000)
	if err != nil || len(samples) != 16000 || samples[1] == 0 || samples[15000] != 0 {
		t.Errorf("wav: %d samples, %v", len(samples), err)
	}
	if leg.in != nil {
		t.Error("the leg's inbound audio was not given back")
	}
}

func TestRecordMaxDurationAndKey(t *testing.T) {
	c, leg := newRecordCall(t)
	go feed(t, leg, 100, 0)
	res, err := c.Record(context.Background(), dialplan.RecordRequest{Dir: t.TempDir(), MaxDuration: time.Second})
	if err != nil || res.EndedBy != "max_duration" || res.Duration != time.Second {
		t.Errorf("max duration: %+v, %v", res, err)
	}

	c, leg = newRecordCall(t)
	go func() {
		<-leg.swaps
		c.digits <- '5' // not the finish key
		c.digits <- '#'
	}()
	res, err = c.Record(context.Background(), dialplan.RecordRequest{Dir: t.TempDir(), MaxDuration: 10 * time.Second, FinishKey: "#"})
	if err != nil || res.EndedBy != "key" {
		t.Errorf("finish key: %+v, %v", res, err)
	}
	if _, err := os.Stat(res.Path); err != nil {
		t.Errorf("empty recording not saved: %v", err)
	}
}

func TestRecordHangupKeepsAudio(t *testing.T) {
	c, leg := newRecordCall(t)
	go func() {
		feedDone := make(chan struct{})
		go func() { feed(t, leg, 10, 0); close(feedDone) }()
		<-feedDone
		leg.cancel()
	}()
	res, err := c.Record(leg.Context(), dialplan.RecordRequest{Dir: t.TempDir(), MaxDuration: 10 * time.Second})
	if !errors.Is(err, dialplan.ErrHangup) || res.EndedBy != "hangup" || res.Path == "" || res.Duration != 200*time.Millisecond {
		t.Errorf("hangup: %+v, %v", res, err)
	}
}

func TestTransferAndBot(t *testing.T) {
	c, _ := newRecordCall(t)
	_, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: "13800000000", Trunk: testTrunk(t, "")})
	if !errors.Is(err, errNoTrunkDialling) {
		t.Errorf("external transfer without a trunk dialer: %v", err)
	}
	if _, err := c.Bot(context.Background(), dialplan.BotRequest{Profile: &dialplan.BotProfile{Name: "b"}}); !errors.Is(err, ErrNoBotEngine) {
		t.Errorf("bot: %v", err)
	}
	if _, err := c.Transfer(context.Background(), dialplan.TransferRequest{}); err == nil {
		t.Error("a transfer without target succeeded")
	}
}

package ivr

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/legtest"
	"github.com/hotline-cc/hotline/record"
)

func newRecordCall(t *testing.T) (*call, *legtest.Leg) {
	leg := legtest.New("leg", legtest.Options{Period: time.Millisecond, Silent: true})
	t.Cleanup(leg.Close)
	c := &call{engine: &Engine{}, leg: leg, log: leg.Logger(), rec: &record.Call{},
		vars: map[string]string{"call_id": "abc/1@host"}, digits: make(chan rune, 4), keyed: make(chan struct{}, 1)}
	return c, leg
}

// swappedIn waits until the recorder has taken the leg's inbound audio.
func swappedIn(leg *legtest.Leg) {
	for !slices.Contains(leg.Swaps(), "record") {
		time.Sleep(time.Millisecond)
	}
}

// feed has the caller send loud frames, then quiet ones, from when the recorder takes the audio.
func feed(leg *legtest.Leg, loud, quiet int) {
	audio := make(media.PCM16, 160*(loud+quiet))
	for i := range 160 * loud {
		audio[i] = int16(8000 * (i%2*2 - 1))
	}
	leg.Say(audio)
}

func TestRecordSilence(t *testing.T) {
	c, leg := newRecordCall(t)
	dir := t.TempDir()
	feed(leg, 50, 60) // 1 s of sound, then 1.2 s of silence
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
	if sw := leg.Swaps(); sw[len(sw)-1] != "<nil>" {
		t.Errorf("the leg's inbound audio was not given back: %q", sw)
	}
}

func TestRecordMaxDurationAndKey(t *testing.T) {
	c, leg := newRecordCall(t)
	feed(leg, 100, 0)
	res, err := c.Record(context.Background(), dialplan.RecordRequest{Dir: t.TempDir(), MaxDuration: time.Second})
	if err != nil || res.EndedBy != "max_duration" || res.Duration != time.Second {
		t.Errorf("max duration: %+v, %v", res, err)
	}

	c, leg = newRecordCall(t)
	go func() {
		swappedIn(leg)
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
	feed(leg, 10, 0)
	leg.HangUpWhenQuiet()
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

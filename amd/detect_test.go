package amd_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/amd"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/legtest"
)

// before is the writer the leg's audio went to before detection.
var before = media.Discard(8000)

func TestDetectOnLeg(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		name  string
		rate  int // the leg's and the detector's (real legs resample to the detector's rate; legtest does not)
		audio func(rate int) media.PCM16
		want  amd.Verdict
	}{
		{"person", 8000, func(r int) media.PCM16 {
			return cat(silence(300*time.Millisecond, r, rng), voice(400*time.Millisecond, r))
		}, amd.Human},
		{"voicemail, wideband", 16000, func(r int) media.PCM16 { return cat(silence(300*time.Millisecond, r, rng), voice(3*time.Second, r)) }, amd.Machine},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A short frame period: the leg sends its 20 ms frames 10 times faster than real time.
			leg := legtest.New("amd-"+tc.name, legtest.Options{Rate: tc.rate, Period: 2 * time.Millisecond})
			defer leg.Close()
			leg.SwapAudioIn(before)
			leg.Say(tc.audio(tc.rate))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res := amd.Detect(ctx, leg, amd.Config{SampleRate: tc.rate})
			t.Log(res)
			if res.Verdict != tc.want || res.Decided > 2*time.Second {
				t.Errorf("got %v, want %v", res, tc.want)
			}
			swaps := leg.Swaps()
			if len(swaps) != 3 || swaps[2] != before.String() {
				t.Errorf("swaps %q: want the detector in, then %q back", swaps, before.String())
			}
		})
	}
}

func TestDetectCutShort(t *testing.T) {
	leg := legtest.New("amd-hangup", legtest.Options{Period: 2 * time.Millisecond})
	defer leg.Close()
	go func() {
		time.Sleep(50 * time.Millisecond)
		leg.HangUp()
	}()
	if res := amd.Detect(context.Background(), leg, amd.Config{}); res.Verdict != amd.NotSure || res.Cause != amd.CauseHangup {
		t.Errorf("hangup: got %v, want NOTSURE (hangup)", res)
	}

	leg2 := legtest.New("amd-cancel", legtest.Options{Period: 2 * time.Millisecond})
	defer leg2.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if res := amd.Detect(ctx, leg2, amd.Config{}); res.Verdict != amd.NotSure || res.Cause != amd.CauseCancelled {
		t.Errorf("cancel: got %v, want NOTSURE (cancelled)", res)
	}
	if s := leg2.Swaps(); !slices.Equal(s, []string{"amd(8000 Hz)", "<nil>"}) {
		t.Errorf("swaps %q", s)
	}

	if res := amd.Detect(context.Background(), leg2, amd.Config{SampleRate: 11025}); res.Verdict != amd.NotSure || res.Cause == "" {
		t.Errorf("bad config: %v", res)
	}
}

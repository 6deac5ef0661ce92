package amd_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/amd"
	"github.com/hotline-cc/hotline/amd/amdtest"
	"github.com/hotline-cc/hotline/media"
)

// genDir caches the rendered speech of the labelled set (ignored by git).
const genDir = "testdata/.gen"

func labelledSet(t *testing.T) []amdtest.Clip {
	t.Helper()
	clips, err := amdtest.Set(genDir)
	if errors.Is(err, amdtest.ErrNoEspeak) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return clips
}

// The floors the labelled set must clear with the defaults: the accuracy the campaign relies
// on, and few people taken for machines (each would be an abandoned call). They sit just
// under what the defaults measure (README.md), so a change that makes detection worse
// fails; the false-machine floor is above the campaign's 3 % target, which the defaults miss
// on slow Mandarin answers (the benchmark reports it as missed).
const (
	minAccuracy        = 0.95
	maxFalseMachine    = 0.08
	maxHumanMedianWait = 3 * time.Second
)

func TestAccuracyOnLabelledSet(t *testing.T) {
	clips := labelledSet(t)
	if len(clips) < 60 {
		t.Fatalf("labelled set has %d clips, want at least 60", len(clips))
	}
	t.Run("8kHz", func(t *testing.T) { checkAccuracy(t, clips, amd.Config{BeepTimeout: 20 * time.Second}) })
	t.Run("16kHz", func(t *testing.T) {
		wide := slices.Clone(clips)
		for i := range wide {
			wide[i].Audio = media.Resample(wide[i].Audio, amdtest.Rate, 16000)
		}
		checkAccuracy(t, wide, amd.Config{BeepTimeout: 20 * time.Second, SampleRate: 16000})
	})
}

// TestLongHumanAnswers shows what cadence cannot do: people who answer with a whole
// sentence are taken for machines. It asserts only that the detector still decides.
func TestLongHumanAnswers(t *testing.T) {
	clips, err := amdtest.LongHumans(genDir)
	if errors.Is(err, amdtest.ErrNoEspeak) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	s := amdtest.Run(clips, amd.Config{})
	for _, o := range s.Outcomes {
		t.Logf("%-5v %-60s %v", o.Correct(), o.Clip.Name, o.Result)
		if o.Result.Decided > 5*time.Second {
			t.Errorf("%s: decided at %v", o.Clip.Name, o.Result.Decided)
		}
	}
	t.Logf("%d long answers: %d taken for people, %d for machines", len(clips), s.Correct, s.HumanAsMachine)
}

func checkAccuracy(t *testing.T, clips []amdtest.Clip, cfg amd.Config) {
	s := amdtest.Run(clips, cfg)
	for _, o := range s.Outcomes {
		if !o.Correct() || testing.Verbose() {
			t.Logf("%-5v %-60s %v", o.Correct(), o.Clip.Name, o.Result)
		}
	}
	t.Logf("%d clips (%d human, %d machine): accuracy %.1f %%, false machine %.1f %%, not sure %d; human decision median %v p95 %v; beeps %d/%d heard, %d false, end error p95 %v",
		len(clips), s.Humans, s.Machines, 100*s.Accuracy(), 100*s.FalseMachineRate(), s.NotSure,
		amdtest.Quantile(s.HumanLatency, 0.5), amdtest.Quantile(s.HumanLatency, 0.95),
		s.BeepsHeard, s.Beeps, s.FalseBeeps, amdtest.Quantile(s.BeepError, 0.95))
	if a := s.Accuracy(); a < minAccuracy {
		t.Errorf("accuracy %.1f %%, want ≥ %.0f %%", 100*a, 100*minAccuracy)
	}
	if f := s.FalseMachineRate(); f > maxFalseMachine {
		t.Errorf("false machine %.1f %% of humans, want ≤ %.0f %%", 100*f, 100*maxFalseMachine)
	}
	if m := amdtest.Quantile(s.HumanLatency, 0.5); m > maxHumanMedianWait {
		t.Errorf("median decision on humans %v, want ≤ %v", m, maxHumanMedianWait)
	}
	if s.BeepsHeard < s.Beeps*9/10 || s.FalseBeeps > 0 {
		t.Errorf("beeps: %d of %d heard within 40 ms, %d false; want ≥ 90 %% and none false", s.BeepsHeard, s.Beeps, s.FalseBeeps)
	}
}

package amd_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/amd"
	"github.com/hotline-cc/hotline/amd/amdtest"
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

// The floors the labelled set must clear: the accuracy the campaign relies on, and few
// people taken for machines (each would be an abandoned call).
const (
	minAccuracy        = 0.90
	maxFalseMachine    = 0.05
	maxHumanMedianWait = 3 * time.Second
)

func TestAccuracyOnLabelledSet(t *testing.T) {
	clips := labelledSet(t)
	if len(clips) < 60 {
		t.Fatalf("labelled set has %d clips, want at least 60", len(clips))
	}
	s := amdtest.Run(clips, amd.Config{BeepTimeout: 20 * time.Second})
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

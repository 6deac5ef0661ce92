package pacing_test

import (
	"fmt"
	"testing"

	"github.com/hotline-cc/hotline/campaign/pacing"
	"github.com/hotline-cc/hotline/campaign/pacing/pacingsim"
)

// TestSimulatedCampaigns runs the scenario grid (5–50 agents, 20–60 %
// person answers, 2 and 4 min median handle times, 4 simulated hours, a
// third of the runs across midnight) with three seeds each, in both modes
// on the same calls, and holds the predictive pacer to the cap and to
// being worth having.
func TestSimulatedCampaigns(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		pred := pacingsim.Grid(pacing.Predictive, seed)
		prog := pacingsim.Grid(pacing.Progressive, seed)
		for i, sc := range pred {
			t.Run(fmt.Sprintf("seed=%d/%s", seed, sc.Name), func(t *testing.T) {
				t.Parallel()
				r := pacingsim.Run(sc, pacing.Config{})
				base := pacingsim.Run(prog[i], pacing.Config{})
				t.Logf("%v", r)
				t.Logf("progressive on the same calls: utilisation %.1f %%, abandoned %d", 100*base.Utilisation, base.Abandoned)
				checkCap(t, r)
				if base.Abandoned != 0 {
					t.Errorf("progressive abandoned %d calls with free agents covering every dial", base.Abandoned)
				}
				if base.MaxRatio != 1 || base.MinRatio != 1 {
					t.Errorf("progressive ratio %.2f–%.2f, want exactly 1", base.MinRatio, base.MaxRatio)
				}
				// Predictive must be worth having: never worse than progressive
				// with 15 agents or more, and with 50 it cuts the agents' idle
				// time by a fifth at least and keeps them ≥ 70 % busy.
				if sc.Agents >= 15 && r.Utilisation < base.Utilisation-0.005 {
					t.Errorf("utilisation %.1f %% below progressive's %.1f %%", 100*r.Utilisation, 100*base.Utilisation)
				}
				if sc.Agents >= 50 {
					if cut := 1 - (1-r.Utilisation)/(1-base.Utilisation); cut < 0.2 {
						t.Errorf("idle time cut by %.0f %% against progressive, want ≥ 20 %%", 100*cut)
					}
					if r.Utilisation < 0.7 {
						t.Errorf("utilisation %.1f %% < 70 %%", 100*r.Utilisation)
					}
				}
			})
		}
	}
}

func checkCap(t *testing.T, r *pacingsim.Result) {
	t.Helper()
	if r.Live == 0 || r.Connected == 0 {
		t.Fatalf("no live answers: the simulation did not dial")
	}
	if r.AbandonRate() > 0.03 {
		t.Errorf("abandon rate %.2f %% > 3 %% (%d of %d live)", 100*r.AbandonRate(), r.Abandoned, r.Live)
	}
	for d, day := range r.PerDay {
		if day.AbandonRate() > 0.03 {
			t.Errorf("%s: abandon rate %.2f %% > 3 %% (%d of %d)", d, 100*day.AbandonRate(), day.Abandoned, day.Live)
		}
		if pd := r.PacerDays[d]; pd.Abandoned != int64(day.Abandoned) || pd.Live != int64(day.Live) {
			t.Errorf("%s: pacer counted %d abandoned of %d live, the simulation %d of %d", d, pd.Abandoned, pd.Live, day.Abandoned, day.Live)
		}
	}
	if r.MinRatio < 1 {
		t.Errorf("ratio fell to %.3f", r.MinRatio)
	}
	if r.Negative > 0 {
		t.Errorf("%d negative decisions", r.Negative)
	}
	if r.Pacer.Abandoned != int64(r.Abandoned) || r.Pacer.Live != int64(r.Live) {
		t.Errorf("pacer counted %d abandoned of %d live, the simulation %d of %d", r.Pacer.Abandoned, r.Pacer.Live, r.Abandoned, r.Live)
	}
}

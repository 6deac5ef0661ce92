package main

import (
	"sort"
	"time"

	"github.com/hotline-cc/hotline/campaign/pacing"
	"github.com/hotline-cc/hotline/campaign/pacing/pacingsim"
)

// The dialer part: how fast the predictive pacer decides (campaign/pacing's
// Want on a busy floor, in process) and what abandon rate it keeps on the
// simulated call populations of pacingsim.Grid, each also run
// progressively on the same calls for comparison. No server, no network.
const (
	dialerDecisions     = 2_000_000 // per timing run
	dialerRuns          = 3
	dialerTargetPerSec  = 100_000
	dialerAbandonTarget = 0.03
	dialerSeed          = 1
)

type dialerScenario struct {
	pred, prog *pacingsim.Result
	worstDay   float64
}

type dialerRun struct {
	perSec    []float64 // decisions per second, one per run
	scenarios []dialerScenario
	wall      time.Duration // of the simulations
}

func (d *dialerRun) medianPerSec() float64 { return median(append([]float64(nil), d.perSec...)) }

func (d *dialerRun) worst() (rate, day float64) {
	for _, s := range d.scenarios {
		rate, day = max(rate, s.pred.AbandonRate()), max(day, s.worstDay)
	}
	return rate, day
}

func (r *report) dialerBench() {
	run := &dialerRun{}
	runs := dialerRuns
	if *quick {
		runs = 1
	}
	for range runs {
		p, step := pacingsim.BusyPacer()
		n := 0
		t0 := time.Now()
		for range dialerDecisions {
			step(10 * time.Millisecond)
			n += p.Want()
		}
		run.perSec = append(run.perSec, dialerDecisions/time.Since(t0).Seconds())
		_ = n
	}
	logf("dialer: %.0f decisions/s", run.medianPerSec())
	t0 := time.Now()
	prog := pacingsim.Grid(pacing.Progressive, dialerSeed)
	for i, sc := range pacingsim.Grid(pacing.Predictive, dialerSeed) {
		s := dialerScenario{pred: pacingsim.Run(sc, pacing.Config{}), prog: pacingsim.Run(prog[i], pacing.Config{})}
		for _, d := range s.pred.PerDay {
			s.worstDay = max(s.worstDay, d.AbandonRate())
		}
		run.scenarios = append(run.scenarios, s)
	}
	run.wall = time.Since(t0)
	rate, day := run.worst()
	logf("dialer: %d scenarios simulated in %v, worst abandon rate %.2f %% (worst day %.2f %%)", len(run.scenarios), run.wall.Round(time.Millisecond), 100*rate, 100*day)
	r.dialer = run
}

func (r *report) dialerSection(p func(string, ...any)) {
	d := r.dialer
	if d == nil {
		return
	}
	p("## Predictive dialer pacing")
	p("")
	p("`campaign/pacing` decides how many outbound dials to place now. Decisions: `Want()` on a busy predictive pacer (50 agents,")
	p("40 calls in flight, an hour of events learnt), the fake clock moving 10 ms a decision so the 15 s adaptation runs; %d", dialerDecisions)
	p("decisions a run, %d runs, one goroutine. Abandon rate: the simulated campaigns of `pacingsim.Grid` (seed %d): 4 hours each,", len(d.perSec), dialerSeed)
	p("a third of them across midnight (judged per day too), ring times 4–20 s, 15 %% machines, 10 %% busy, no answer after 30 s,")
	p("log-normal handle times clamped to 1–6 min; an answered person not connected within 2 s is abandoned. The simulator")
	p("counts abandons itself. Utilisation is agents' busy time over logged-in time; progressive runs on the same calls.")
	p("Command: `go run -tags opus ./bench -only dialer -merge` (the same figures as `go test -tags opus -run TestSimulated -v ./campaign/pacing/`).")
	p("")
	perSec := d.medianPerSec()
	p("| measure | result | target | verdict |")
	p("|---|---|---|---|")
	p("| decisions per second (median of %d) | %.0f (%.0f ns each) | ≥ %d | %s |", len(d.perSec), perSec, 1e9/perSec, dialerTargetPerSec, verdict(perSec >= dialerTargetPerSec))
	rate, day := d.worst()
	met := rate <= dialerAbandonTarget && day <= dialerAbandonTarget
	p("| worst abandon rate over %d scenarios (run / worst day) | %.2f %% / %.2f %% | ≤ %.0f %% | %s |", len(d.scenarios), 100*rate, 100*day, 100*dialerAbandonTarget, verdict(met))
	p("")
	p("| scenario | live answers | abandoned | abandon rate | worst day | mean ratio | budget spent | utilisation | progressive | target ≤ 3 %% |")
	p("|---|---|---|---|---|---|---|---|---|---|")
	sc := append([]dialerScenario(nil), d.scenarios...)
	sort.SliceStable(sc, func(i, j int) bool { return sc[i].pred.Scenario.Agents < sc[j].pred.Scenario.Agents })
	for _, s := range sc {
		r := s.pred
		p("| %s | %d | %d | %.2f %% | %.2f %% | %.2f | %.0f %% of the time | %.1f %% | %.1f %% | %s |", r.Scenario.Name[len("predictive/"):], r.Live, r.Abandoned,
			100*r.AbandonRate(), 100*s.worstDay, r.Mean, 100*r.Limited, 100*r.Utilisation, 100*s.prog.Utilisation,
			verdict(r.AbandonRate() <= dialerAbandonTarget && s.worstDay <= dialerAbandonTarget))
	}
	p("")
	p("\"Budget spent\" is the share of the time the day's or the 30 days' abandon budget was used up, so the pacer dialled")
	p("progressively (each day begins so, until its live answers earn a first abandon). Simulated in %s.", d.wall.Round(time.Millisecond))
	p("")
}

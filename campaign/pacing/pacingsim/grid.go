package pacingsim

import (
	"fmt"
	"time"

	"github.com/hotline-cc/hotline/campaign/pacing"
)

// Grid is the scenarios the tests and the benchmark run: 5, 15 and 50
// agents × person-answer rates of 20, 40 and 60 % × short (median 2 min)
// and long (median 4 min) handle times, 4 simulated hours each. Every
// third scenario starts at 22:00 UTC, so its run crosses midnight and is
// judged on two days. The seed picks the population's random draws; the
// same seed gives the same calls to both modes.
func Grid(mode pacing.Mode, seed uint64) []Scenario {
	var out []Scenario
	i := 0
	for _, agents := range []int{5, 15, 50} {
		for _, answer := range []float64{0.2, 0.4, 0.6} {
			for _, handle := range []time.Duration{2 * time.Minute, 4 * time.Minute} {
				i++
				start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
				if i%3 == 0 {
					start = time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)
				}
				out = append(out, Scenario{
					Name:   fmt.Sprintf("%s/agents=%d/answer=%.0f%%/handle=%v", mode, agents, 100*answer, handle),
					Mode:   mode,
					Agents: agents, AnswerRate: answer, MachineRate: 0.15, BusyRate: 0.1,
					HandleMedian: handle, Duration: 4 * time.Hour, Start: start, Seed: seed*1000 + uint64(i),
				})
			}
		}
	}
	return out
}

// BusyPacer is a predictive pacer in steady state (50 agents, 30 % answer
// rate, an hour of events behind it) and a function that moves its clock,
// for measuring decisions.
func BusyPacer() (p *pacing.Pacer, step func(time.Duration)) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	p = pacing.New(pacing.Config{Mode: pacing.Predictive}, func() time.Time { return now })
	p.AgentsLoggedIn(50)
	p.AgentFree(50)
	for i := range 3000 {
		now = now.Add(time.Second)
		id := fmt.Sprint(i)
		p.Dialled(id)
		switch i % 10 {
		case 0, 1, 2:
			p.Answered(id, true)
			p.Connected(id)
			p.HandleTime(3 * time.Minute)
		case 3:
			p.Answered(id, false)
		default:
			p.Failed(id, pacing.NoAnswer)
		}
	}
	for i := range 40 { // calls in flight
		p.Dialled(fmt.Sprint("f", i))
	}
	p.AgentFree(6)
	return p, func(d time.Duration) { now = now.Add(d) }
}

package pacing_test

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/campaign/pacing/pacingsim"
)

// BenchmarkWant measures one dialler decision on a busy predictive pacer
// (50 agents, 40 calls in flight), the clock moving 10 ms a decision so
// the 15 s adaptation and the agent-time integrals run as they would.
func BenchmarkWant(b *testing.B) {
	p, step := pacingsim.BusyPacer()
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		step(10 * time.Millisecond)
		n += p.Want()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
	if n < 0 {
		b.Fatal(n)
	}
}

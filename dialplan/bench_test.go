package dialplan

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// routesPlan is a plan with n routes: exact numbers, prefixes, patterns, calendar and header
// conditions, and a default route at the end.
func routesPlan(n int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\nsettings:\n  calendars:\n    office: {hours: {mon-fri: \"09:00-17:00\"}, holidays: [\"2026-12-25\"]}\nroutes:\n")
	for i := range n {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "  - {name: r%d, to: \"4008%06d\", flow: main}\n", i, i)
		case 1:
			fmt.Fprintf(&b, "  - {name: r%d, to_prefix: \"5%06d\", flow: main}\n", i, i)
		case 2:
			fmt.Fprintf(&b, "  - {name: r%d, to_pattern: \"^6%06d[0-9]$\", calendar: office, when: open, flow: main}\n", i, i)
		case 3:
			fmt.Fprintf(&b, "  - {name: r%d, to: \"7%06d\", header: {name: X-Campaign, value: c%d}, flow: main}\n", i, i, i)
		}
	}
	b.WriteString("  - {name: fallback, default: true, flow: main}\n")
	b.WriteString("flows: {main: {start: a, nodes: [{id: a, type: hangup}]}}\n")
	return []byte(b.String())
}

// BenchmarkRouteSelect measures picking a route among 10,000 for calls that match at random places
// (the worst case, a call no route matches, walks them all). It reports per-call latency percentiles.
func BenchmarkRouteSelect(b *testing.B) {
	p, _, err := Parse("bench.yaml", routesPlan(10000), Options{})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 24, 10, 0, 0, 0, time.UTC)
	facts := []*Facts{
		{To: "4008000000", From: "1", Time: now},       // first route
		{To: fmt.Sprintf("4008%06d", 5000), Time: now}, // middle
		{To: fmt.Sprintf("6%06d5", 9998), Time: now},   // pattern near the end
		{To: fmt.Sprintf("7%06d", 9999), Headers: map[string]string{"x-campaign": "c9999"}, Time: now},
		{To: "999", From: "1", Time: now}, // no match: default route
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := facts[i%len(facts)]
		start := time.Now()
		if _, _, ok := p.Select(f); !ok {
			b.Fatal("no route")
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))].Nanoseconds()) }
	b.ReportMetric(pct(0.50), "p50-ns")
	b.ReportMetric(pct(0.99), "p99-ns")
	b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds()), "max-ns")
}

// bigPlan is a plan of about n nodes in flows of 50 using every common node type.
func bigPlan(n int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\nqueues: {support: {members: [alice]}}\nroutes:\n")
	flows := n / 50
	for f := range flows {
		fmt.Fprintf(&b, "  - {name: r%d, to: \"%d\", flow: f%d}\n", f, f, f)
	}
	b.WriteString("flows:\n")
	for f := range flows {
		fmt.Fprintf(&b, "  f%d:\n    start: n0\n    nodes:\n", f)
		for i := range 50 {
			next := fmt.Sprintf("n%d", i+1)
			switch {
			case i == 49:
				b.WriteString("      - {id: n49, type: hangup}\n")
			case i%5 == 0:
				fmt.Fprintf(&b, "      - {id: n%d, type: say, text: {en-US: \"Hello ${caller} %d\", zh-CN: \"你好 %d\"}, next: %s}\n", i, i, i, next)
			case i%5 == 1:
				fmt.Fprintf(&b, "      - {id: n%d, type: menu, prompt: \"Press 1\", options: {\"1\": %s, \"2\": n0}, nomatch: n49}\n", i, next)
			case i%5 == 2:
				fmt.Fprintf(&b, "      - {id: n%d, type: set, vars: {v%d: \"${caller}\"}, next: %s}\n", i, i, next)
			case i%5 == 3:
				fmt.Fprintf(&b, "      - {id: n%d, type: branch, cases: [{if: 'v%d == \"1\" && time < \"12:00\"', then: %s}], else: %s}\n", i, i-1, next, next)
			default:
				fmt.Fprintf(&b, "      - {id: n%d, type: queue, queue: support, next: %s, noagent: %s}\n", i, next, next)
			}
		}
	}
	return []byte(b.String())
}

// BenchmarkParse5000Nodes measures parsing and validating a 5,000-node plan, which is what a reload
// does before it swaps the plan in.
func BenchmarkParse5000Nodes(b *testing.B) {
	data := bigPlan(5000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		p, _, err := Parse("big.yaml", data, Options{KnownAgents: map[string]bool{"alice": true}})
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Flows) != 100 {
			b.Fatalf("%d flows", len(p.Flows))
		}
	}
}

func TestBenchPlansAreValid(t *testing.T) {
	if _, w, err := Parse("big.yaml", bigPlan(500), Options{}); err != nil || len(w) != 0 {
		t.Fatalf("bigPlan: %v %v", err, w)
	}
	if _, _, err := Parse("routes.yaml", routesPlan(100), Options{}); err != nil {
		t.Fatalf("routesPlan: %v", err)
	}
}

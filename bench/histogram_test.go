package main

import (
	"math"
	"testing"
)

func TestHistQuantile(t *testing.T) {
	inf := math.Inf(1)
	h0 := promHist{0.02: 10, 0.02025: 10, 0.0225: 10, 0.03: 10, inf: 10}
	// Between the snapshots: 97 in (0.02, 0.02025], 2 in (0.02225, 0.0225], 1 above 30 ms.
	h1 := promHist{0.02: 10, 0.02025: 107, 0.0225: 109, 0.03: 109, inf: 110}
	for _, tc := range []struct {
		q    float64
		want string
	}{
		{0.5, "20–20.25 ms"},
		{0.97, "20–20.25 ms"},
		{0.98, "20.25–22.50 ms"},
		{0.99, "20.25–22.50 ms"}, // rank 99 exactly
		{0.999, "> 30 ms"},
	} {
		if b := histQuantile(h0, h1, tc.q); b.String() != tc.want {
			t.Errorf("q%v: %v, want %s", tc.q, b, tc.want)
		}
	}
	if got := histCount(h0, h1); got != 100 {
		t.Errorf("%d counted, want 100", got)
	}
	if m := histMax(h0, h1); m.String() != "> 30 ms" {
		t.Errorf("max %v, want above 30 ms", m)
	}
	if b := histQuantile(h1, h1, 0.5); b.ok || b.String() != "–" {
		t.Errorf("a quantile of nothing: %v", b)
	}
	for _, tc := range []struct {
		b    bucket
		want bool
	}{
		{bucket{21.75, 22, true}, true},
		{bucket{18, 18.25, true}, true},
		{bucket{22, 22.25, true}, false},
		{bucket{17.75, 18, true}, false},
		{bucket{30, inf, true}, false},
		{bucket{}, false},
	} {
		if got := tc.b.within(18, 22); got != tc.want {
			t.Errorf("%v within 18–22 ms: %v", tc.b, got)
		}
	}
}

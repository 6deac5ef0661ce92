package memtrim

import (
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"
)

func newTest(freed *int) *Trimmer {
	return New(Config{Quiet: 30 * time.Second, MinGap: time.Minute, Rounds: 3, MinPeak: 20, Below: 0.5,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), free: func() { *freed++ }})
}

// feed gives the trimmer one sample every 5 s and returns the times it returned memory (seconds).
func feed(t *Trimmer, start time.Time, samples []int) []int {
	var at []int
	for i, n := range samples {
		if t.Observe(start.Add(time.Duration(i)*5*time.Second), n) {
			at = append(at, i*5)
		}
	}
	return at
}

func repeat(n, times int) []int {
	s := make([]int, times)
	for i := range s {
		s[i] = n
	}
	return s
}

func TestReturnsAfterThePeakHasPassed(t *testing.T) {
	freed := 0
	tr := newTest(&freed)
	load := append(append(repeat(0, 3), repeat(500, 20)...), repeat(10, 80)...) // idle, peak for 100 s, then low
	at := feed(tr, time.Unix(0, 0), load)
	// Low from t=115 s; quiet 30 s later, then two more rounds a minute apart, then no more.
	if !slices.Equal(at, []int{145, 205, 265}) || freed != 3 || tr.Trims() != 3 {
		t.Fatalf("returned at %v (freed %d), want at 145, 205 and 265 s", at, freed)
	}
}

func TestNothingWhileTheLoadIsSteadyOrSmall(t *testing.T) {
	freed := 0
	tr := newTest(&freed)
	if at := feed(tr, time.Unix(0, 0), repeat(500, 100)); len(at) != 0 {
		t.Fatalf("steady load: returned at %v", at)
	}
	freed = 0
	tr = newTest(&freed)
	if at := feed(tr, time.Unix(0, 0), append(repeat(10, 10), repeat(0, 20)...)); len(at) != 0 {
		t.Fatalf("peak of 10 calls (below MinPeak): returned at %v", at)
	}
}

func TestDipShorterThanQuietIsIgnored(t *testing.T) {
	freed := 0
	tr := newTest(&freed)
	load := append(append(append(repeat(400, 5), repeat(100, 5)...), repeat(400, 5)...), repeat(100, 5)...) // 25 s dips
	if at := feed(tr, time.Unix(0, 0), load); len(at) != 0 {
		t.Fatalf("returned at %v during short dips", at)
	}
}

func TestBoundedRate(t *testing.T) {
	freed := 0
	tr := newTest(&freed)
	var load []int
	for i := 0; i < 6; i++ { // a burst every 50 s: 15 s up, 35 s down; every other one may be followed by a return
		load = append(append(load, repeat(300, 3)...), repeat(0, 7)...)
	}
	at := feed(tr, time.Unix(0, 0), load)
	for i := 1; i < len(at); i++ {
		if at[i]-at[i-1] < 60 {
			t.Fatalf("returns at %v: closer than MinGap", at)
		}
	}
	if len(at) < 2 {
		t.Fatalf("returns at %v: want one per MinGap over %d s of bursts", at, len(load)*5)
	}
}

package main

import (
	"fmt"
	"time"
)

// callWindow is the part of a run when all of its calls were up at once,
// as the server counted them (hotline_active_calls counts an inbound call
// from its INVITE until its handler returns after the BYE).
type callWindow struct {
	calls       int
	maxUp       int           // the most calls seen up at once
	length      time.Duration // from the first snapshot to the second
	upAfter     int           // calls up just after the second snapshot
	endedAfter  int           // calls ended (hotline_calls_total) by then
	settle, pad time.Duration // after the last call came up; before the first hang-up was due
}

// clean reports whether every call was up from the first snapshot to the
// second: all of them up before it, and still all up and none ended after it.
func (w callWindow) clean() bool {
	return w.maxUp >= w.calls && w.length > 0 && w.upAfter == w.calls && w.endedAfter == 0
}

func (w callWindow) String() string {
	if w.clean() {
		return fmt.Sprintf("measured for %.1f s with all %d calls up", w.length.Seconds(), w.calls)
	}
	return fmt.Sprintf("no clean window: at most %d of %d calls up at once, %d up and %d ended at the end of %.1f s",
		w.maxUp, w.calls, w.upAfter, w.endedAfter, w.length.Seconds())
}

// watchCalls follows a run of calls that are each held for hold after
// their INVITE: it waits until the server has all of them up (and settle
// more, for the last one's answer and first packets), calls start, calls
// sample every 500 ms, and calls end pad before the first call's hang-up is
// due. The first INVITE comes after the last look that saw no call up, so
// the first hang-up comes after that look plus hold.
func watchCalls(addr string, calls int, hold time.Duration, start, sample, end func()) callWindow {
	w := callWindow{calls: calls, settle: time.Second, pad: time.Second}
	up := func() int {
		n, _ := metricValue(addr, "hotline_active_calls")
		w.maxUp = max(w.maxUp, int(n))
		return int(n)
	}
	none := time.Now()
	for deadline := none.Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		t := time.Now()
		if up() > 0 {
			break
		}
		none = t
	}
	stopBy := none.Add(hold - w.pad)
	for up() < calls && time.Now().Add(w.settle).Before(stopBy) {
		time.Sleep(100 * time.Millisecond)
	}
	if w.maxUp >= calls {
		time.Sleep(w.settle)
	}
	t0 := time.Now()
	start()
	for time.Now().Add(500 * time.Millisecond).Before(stopBy) {
		sample()
		time.Sleep(500 * time.Millisecond)
	}
	if d := time.Until(stopBy); d > 0 {
		time.Sleep(d)
	}
	end()
	w.length = time.Since(t0)
	w.upAfter = up()
	ended, _ := metricValue(addr, "hotline_calls_total")
	w.endedAfter = int(ended)
	return w
}

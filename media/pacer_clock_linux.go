package media

import (
	"time"

	"golang.org/x/sys/unix"
)

// pacerClock wakes a pacer thread on an absolute schedule of the kernel's
// monotonic clock. The thread sleeps in clock_nanosleep itself instead of
// waiting on a Go timer: a Go timer fires only when the P that holds it next
// schedules, and on a busy machine that P's thread may itself be waiting for
// a CPU, so the tick comes late. Woken by the kernel, the pacer's
// high-priority thread (pacer_priority_linux.go) runs at once and only
// needs a P to go on.
type pacerClock struct {
	start  unix.Timespec
	period time.Duration
}

func newPacerClock(period time.Duration) *pacerClock {
	c := &pacerClock{period: period}
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &c.start)
	return c
}

// sleepUntil sleeps until slot tick k (k periods after the start) and
// returns the slot tick that is due on waking, which is k or, after a
// stall, later.
func (c *pacerClock) sleepUntil(k int64) int64 {
	at := unix.NsecToTimespec(c.start.Nano() + k*int64(c.period))
	for {
		err := unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &at, nil)
		if err != unix.EINTR {
			break
		}
	}
	var now unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &now)
	return (now.Nano() - c.start.Nano()) / int64(c.period)
}

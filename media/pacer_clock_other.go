//go:build !linux

package media

import "time"

// pacerClock wakes the pacer on an absolute schedule (see the Linux file).
type pacerClock struct {
	start  time.Time
	period time.Duration
}

func newPacerClock(period time.Duration) *pacerClock {
	return &pacerClock{start: time.Now(), period: period}
}

func (c *pacerClock) sleepUntil(k int64) int64 {
	time.Sleep(time.Until(c.start.Add(time.Duration(k) * c.period)))
	return int64(time.Since(c.start) / c.period)
}

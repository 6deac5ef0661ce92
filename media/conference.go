package media

import (
	"context"
	"fmt"
)

// Conference connects legs so that everyone hears everyone (a three-way
// warm transfer: the caller, the first agent and the second talk together)
// until ctx is done or all but one of them have left, by hanging up. It
// returns ctx.Err() when ctx ended it, nil otherwise. Each remaining leg's
// inbound audio goes back to where it went before. The mixer runs at the
// highest rate among the legs, so wideband parties stay wideband.
func Conference(ctx context.Context, legs ...Leg) error {
	rate := 8000
	for _, l := range legs {
		rate = max(rate, l.AudioOut().SampleRate())
	}
	m := NewMixer(rate)
	defer m.Close()
	left := make(chan struct{}, len(legs))
	for _, l := range legs {
		p, err := m.Join(l, PartyOptions{})
		if err != nil {
			return fmt.Errorf("conference: %w", err)
		}
		go func() {
			<-p.Done() // closed by the deferred Close at the latest
			left <- struct{}{}
		}()
	}
	for in := len(legs); in > 1; in-- {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-left:
		}
	}
	return nil
}

package media

import (
	"context"
	"fmt"
)

// MonitorMode is how a supervisor takes part in a monitored call.
type MonitorMode int

const (
	// MonitorListen: the supervisor hears the caller and the agent; nobody hears the supervisor.
	MonitorListen MonitorMode = iota
	// MonitorWhisper: the supervisor hears both; only the agent hears the supervisor.
	MonitorWhisper
	// MonitorBarge: all three hear each other.
	MonitorBarge
)

func (m MonitorMode) String() string {
	switch m {
	case MonitorListen:
		return "listen"
	case MonitorWhisper:
		return "whisper"
	case MonitorBarge:
		return "barge"
	}
	return fmt.Sprintf("MonitorMode(%d)", int(m))
}

// options are the supervisor's PartyOptions for the mode.
func (m MonitorMode) options(agent *Party) PartyOptions {
	switch m {
	case MonitorWhisper:
		return Whisper(agent)
	case MonitorBarge:
		return Barge()
	}
	return Listen()
}

// Monitor is a call between a caller and an agent that a supervisor can
// join and leave. While it is the two of them, Run bridges them as Bridge
// does (relaying RTP where the codecs allow, so a call that nobody monitors
// costs what it did); when a supervisor joins, the bridge stops and the
// three legs are mixed; when the supervisor leaves or hangs up, the bridge
// comes back. Run owns the call's audio routing: Join, SetMode and Leave
// only ask it for a change and wait until it is made.
type Monitor struct {
	caller, agent Leg
	reqs          chan monitorReq
	done          chan struct{}
}

type monitorReq struct {
	join  Leg // the supervisor's leg, for Join; nil for SetMode and Leave
	mode  MonitorMode
	leave bool
	reply chan error
}

// NewMonitor prepares a monitored call between caller and agent; Run
// connects them.
func NewMonitor(caller, agent Leg) *Monitor {
	return &Monitor{caller: caller, agent: agent, reqs: make(chan monitorReq), done: make(chan struct{})}
}

// Run connects the caller and the agent, with the supervisor while one has
// joined, until either of them ends (nil) or ctx is done (ctx.Err()). It
// takes the place of Bridge(ctx, caller, agent) and, like it, leaves the two
// legs' audio routing to the caller afterwards.
func (mo *Monitor) Run(ctx context.Context) error {
	defer close(mo.done)
	var req monitorReq
	for {
		var err error
		var ended bool
		if req.join == nil {
			req, ended, err = mo.bridged(ctx)
		} else {
			req, ended, err = mo.mixed(ctx, req)
		}
		if ended {
			return err
		}
	}
}

// bridged runs the bridge until a supervisor joins (returned) or the call ends.
func (mo *Monitor) bridged(ctx context.Context) (join monitorReq, ended bool, err error) {
	bctx, stop := context.WithCancel(ctx)
	defer stop()
	res := make(chan error, 1)
	go func() { res <- Bridge(bctx, mo.caller, mo.agent) }()
	for {
		select {
		case err := <-res:
			return monitorReq{}, true, err
		case r := <-mo.reqs:
			if r.join == nil {
				r.reply <- fmt.Errorf("monitor: no supervisor on the call")
				continue
			}
			stop()
			// The bridge has undone its routing (relay off, audio in
			// released) before the mixer takes the legs.
			if err := <-res; ctx.Err() != nil || mo.caller.Context().Err() != nil || mo.agent.Context().Err() != nil {
				r.reply <- fmt.Errorf("monitor: the call ended: %w", ErrClosed)
				if ctx.Err() == nil {
					err = nil
				}
				return monitorReq{}, true, err
			}
			return r, false, nil
		}
	}
}

// mixed runs the caller, the agent and the supervisor of join in a mixer
// until the supervisor leaves (returns a zero request: back to the bridge)
// or the call ends.
func (mo *Monitor) mixed(ctx context.Context, join monitorReq) (next monitorReq, ended bool, err error) {
	rate := 8000
	for _, l := range []Leg{mo.caller, mo.agent, join.join} {
		rate = max(rate, l.AudioOut().SampleRate())
	}
	m := NewMixer(rate)
	defer m.Close()
	caller, err := m.Join(mo.caller, PartyOptions{})
	if err != nil {
		join.reply <- err
		return monitorReq{}, true, nil
	}
	agent, err := m.Join(mo.agent, PartyOptions{})
	if err != nil {
		join.reply <- err
		return monitorReq{}, true, nil
	}
	sup, err := m.Join(join.join, join.mode.options(agent))
	join.reply <- err
	if err != nil {
		return monitorReq{}, false, nil
	}
	for {
		select {
		case <-ctx.Done():
			return monitorReq{}, true, ctx.Err()
		case <-caller.Done():
			return monitorReq{}, true, nil
		case <-agent.Done():
			return monitorReq{}, true, nil
		case <-sup.Done(): // the supervisor hung up
			return monitorReq{}, false, nil
		case r := <-mo.reqs:
			switch {
			case r.join != nil:
				r.reply <- fmt.Errorf("monitor: a supervisor is already on the call")
			case r.leave:
				m.Close()
				r.reply <- nil
				return monitorReq{}, false, nil
			default:
				r.reply <- sup.SetMode(r.mode.options(agent))
			}
		}
	}
}

// ask hands r to Run and waits for the answer.
func (mo *Monitor) ask(r monitorReq) error {
	r.reply = make(chan error, 1)
	select {
	case mo.reqs <- r:
		return <-r.reply
	case <-mo.done:
		return fmt.Errorf("monitor: the call ended: %w", ErrClosed)
	}
}

// Join brings the supervisor's leg into the call in mode; it returns when
// the supervisor is mixed in.
func (mo *Monitor) Join(supervisor Leg, mode MonitorMode) error {
	return mo.ask(monitorReq{join: supervisor, mode: mode})
}

// SetMode changes how the supervisor takes part (listen, whisper, barge).
func (mo *Monitor) SetMode(mode MonitorMode) error { return mo.ask(monitorReq{mode: mode}) }

// Leave takes the supervisor out of the call (their leg's audio in goes
// back to where it went before Join) and bridges the caller and the agent
// again.
func (mo *Monitor) Leave() error { return mo.ask(monitorReq{leave: true}) }

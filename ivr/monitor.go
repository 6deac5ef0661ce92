package ivr

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
)

// Supervisors on calls: while a caller talks with an agent, the bridge between them is a
// media.Monitor, registered by call id, that a supervisor's leg can join to listen, whisper to
// the agent or barge in. One supervisor at a time per call; every session goes into the call's
// record. A consultation or transfer ends the bridge and with it the supervisor's session.

var (
	// ErrNotMonitorable: the call is not talking with an agent (not found, in the IVR, queued).
	ErrNotMonitorable = errors.New("the call is not talking with an agent")
	// ErrMonitored: another supervisor is on the call.
	ErrMonitored = errors.New("another supervisor is on the call")
)

// ParseMonitorMode reads listen, whisper or barge.
func ParseMonitorMode(s string) (media.MonitorMode, bool) {
	switch s {
	case "listen":
		return media.MonitorListen, true
	case "whisper":
		return media.MonitorWhisper, true
	case "barge":
		return media.MonitorBarge, true
	}
	return 0, false
}

// monitored is a bridged call a supervisor can join.
type monitored struct {
	mon   *media.Monitor
	agent string
	done  chan struct{} // closed when the bridge ended

	mu       sync.Mutex
	busy     *record.Monitoring // the supervisor on the call now
	sessions []record.Monitoring
}

type monitors struct {
	mu    sync.Mutex
	calls map[string]*monitored
}

func (ms *monitors) add(callID string, m *monitored) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.calls == nil {
		ms.calls = map[string]*monitored{}
	}
	ms.calls[callID] = m
}

func (ms *monitors) remove(callID string, m *monitored) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.calls[callID] == m {
		delete(ms.calls, callID)
	}
}

func (ms *monitors) get(callID string) *monitored {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.calls[callID]
}

// connect bridges the caller and agent as a monitored call until a leg ends or ctx is done;
// the supervisors' sessions go into the record.
func (c *call) connect(ctx context.Context, agent AgentLeg) {
	callID := c.vars["call_id"]
	m := &monitored{mon: media.NewMonitor(c.leg, agent), agent: c.rec.Agent, done: make(chan struct{})}
	e := c.engine
	e.monitors.add(callID, m)
	_ = m.mon.Run(ctx)
	e.monitors.remove(callID, m)
	close(m.done)
	m.mu.Lock()
	if m.busy != nil { // the supervisor's session ends with the bridge
		m.busy.End = time.Now()
		m.sessions = append(m.sessions, *m.busy)
		m.busy = nil
	}
	c.rec.Monitoring = append(c.rec.Monitoring, m.sessions...)
	m.mu.Unlock()
}

// CanSupervise tells whether supervisor may join call callID now.
func (e *Engine) CanSupervise(callID, supervisor string) error {
	m := e.monitors.get(callID)
	if m == nil {
		return ErrNotMonitorable
	}
	if supervisor == m.agent {
		return fmt.Errorf("%w: %s is the call's agent", ErrNotMonitorable, supervisor)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.busy != nil {
		return ErrMonitored
	}
	return nil
}

// Supervise brings supervisor's leg into call callID in mode and returns when the supervisor
// leaves (ctx done), their leg ends, or the call's bridge ends (a hangup, a consultation).
func (e *Engine) Supervise(ctx context.Context, callID, supervisor string, leg media.Leg, mode media.MonitorMode) error {
	m := e.monitors.get(callID)
	if m == nil {
		return ErrNotMonitorable
	}
	if supervisor == m.agent {
		return fmt.Errorf("%w: %s is the call's agent", ErrNotMonitorable, supervisor)
	}
	m.mu.Lock()
	if m.busy != nil {
		m.mu.Unlock()
		return ErrMonitored
	}
	now := time.Now()
	sess := &record.Monitoring{Supervisor: supervisor, Start: now, Modes: []record.MonitorStep{{Mode: mode.String(), At: now}}}
	m.busy = sess
	m.mu.Unlock()
	end := func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.busy == sess {
			sess.End = time.Now()
			m.sessions = append(m.sessions, *sess)
			m.busy = nil
		}
	}
	defer end()
	log := e.Log.With("call_id", callID, "supervisor", supervisor)
	if err := m.mon.Join(leg, mode); err != nil {
		return fmt.Errorf("%w: %v", ErrNotMonitorable, err)
	}
	log.Info("supervisor joined", "mode", mode.String(), "agent", m.agent)
	select {
	case <-ctx.Done():
		_ = m.mon.Leave()
		log.Info("supervisor left")
	case <-leg.Context().Done():
		_ = m.mon.Leave() // the monitor noticed too; Leave only makes sure
		log.Info("supervisor hung up")
	case <-m.done:
		log.Info("supervisor's session ended with the bridge")
	}
	return nil
}

// SetMonitorMode changes how supervisor takes part in call callID.
func (e *Engine) SetMonitorMode(callID, supervisor string, mode media.MonitorMode) error {
	m := e.monitors.get(callID)
	if m == nil {
		return ErrNotMonitorable
	}
	m.mu.Lock()
	sess := m.busy
	m.mu.Unlock()
	if sess == nil || sess.Supervisor != supervisor {
		return fmt.Errorf("%w: %s is not on the call", ErrNotMonitorable, supervisor)
	}
	if err := m.mon.SetMode(mode); err != nil {
		return fmt.Errorf("%w: %v", ErrNotMonitorable, err)
	}
	m.mu.Lock()
	if m.busy == sess {
		sess.Modes = append(sess.Modes, record.MonitorStep{Mode: mode.String(), At: time.Now()})
	}
	m.mu.Unlock()
	e.Log.Info("supervisor mode", "call_id", callID, "supervisor", supervisor, "mode", mode.String())
	return nil
}

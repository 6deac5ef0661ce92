package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/rtc"
	"github.com/hotline-cc/hotline/web"
)

// supervision joins supervisors' browsers to calls (web.Supervision): it answers the page's
// WebRTC offer with the engine and hands the leg to the IVR, which mixes it into the call.
type supervision struct {
	calls *ivr.Engine
	rtc   *rtc.Engine
	log   *slog.Logger

	mu       sync.Mutex
	sessions map[string]*monitorSession // call id + "\x00" + supervisor
}

type monitorSession struct{ cancel context.CancelFunc }

var _ web.Supervision = (*supervision)(nil)

func newSupervision(calls *ivr.Engine, e *rtc.Engine, log *slog.Logger) *supervision {
	return &supervision{calls: calls, rtc: e, log: log, sessions: map[string]*monitorSession{}}
}

func monitorErr(err error) error {
	if errors.Is(err, ivr.ErrNotMonitorable) || errors.Is(err, ivr.ErrMonitored) {
		return fmt.Errorf("%w: %v", web.ErrNoCall, err)
	}
	return err
}

func (s *supervision) Monitor(callID, supervisor, offer, mode string) (string, error) {
	m, ok := ivr.ParseMonitorMode(mode)
	if !ok {
		return "", web.ErrBadMode
	}
	if err := s.calls.CanSupervise(callID, supervisor); err != nil {
		return "", monitorErr(err)
	}
	log := s.log.With("call_id", callID, "supervisor", supervisor)
	leg, answer, err := s.rtc.Accept(context.Background(), "monitor-"+callID, offer, log)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithCancel(context.Background())
	ms := &monitorSession{cancel: cancel}
	key := callID + "\x00" + supervisor
	s.mu.Lock()
	if old := s.sessions[key]; old != nil {
		old.cancel()
	}
	s.sessions[key] = ms
	s.mu.Unlock()
	go func() {
		defer leg.Close()
		defer cancel()
		if err := s.calls.Supervise(ctx, callID, supervisor, leg, m); err != nil {
			log.Warn("monitoring refused", "error", err)
		}
		s.mu.Lock()
		if s.sessions[key] == ms {
			delete(s.sessions, key)
		}
		s.mu.Unlock()
	}()
	return answer, nil
}

func (s *supervision) SetMode(callID, supervisor, mode string) error {
	m, ok := ivr.ParseMonitorMode(mode)
	if !ok {
		return web.ErrBadMode
	}
	return monitorErr(s.calls.SetMonitorMode(callID, supervisor, m))
}

func (s *supervision) Stop(callID, supervisor string) error {
	key := callID + "\x00" + supervisor
	s.mu.Lock()
	ms := s.sessions[key]
	delete(s.sessions, key)
	s.mu.Unlock()
	if ms == nil {
		return fmt.Errorf("%w: %s is not on the call", web.ErrNoCall, supervisor)
	}
	ms.cancel()
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/rtc"
	hsip "github.com/hotline-cc/hotline/sip"
	"github.com/hotline-cc/hotline/web"
	"golang.org/x/crypto/bcrypt"
)

// setupDesktop seeds the configured agents into the store (bcrypt hash for
// the desktop, HA1 for SIP; never the plain password), loads every stored
// agent into the ACD and the SIP credentials, records agent state changes,
// and builds the WebRTC engine and the agent desktop. It runs after the
// store is open and before the dialplan is loaded (queues name agents).
func (s *server) setupDesktop() error {
	cfg := s.cfg
	for _, a := range cfg.Agents {
		acc, err := s.store.GetAgent(a.ID)
		if err != nil && !errors.Is(err, record.ErrNotFound) {
			return err
		}
		if acc == nil {
			acc = &record.Agent{ID: a.ID}
		}
		acc.Name, acc.Role, acc.Skills, acc.Ring = a.Name, a.Role, a.Skills, a.Ring
		if acc.Name == "" {
			acc.Name = a.ID
		}
		acc.HA1 = s.creds[a.ID]
		switch {
		case a.PasswordHash != "":
			acc.PasswordHash = a.PasswordHash
		case a.Password != "" && (acc.PasswordHash == "" || bcrypt.CompareHashAndPassword([]byte(acc.PasswordHash), []byte(a.Password)) != nil):
			h, err := bcrypt.GenerateFromPassword([]byte(a.Password), bcrypt.DefaultCost)
			if err != nil {
				return fmt.Errorf("agent %s: %w", a.ID, err)
			}
			acc.PasswordHash = string(h)
		}
		if err := s.store.PutAgent(acc); err != nil {
			return err
		}
	}
	accounts, err := s.store.ListAgents()
	if err != nil {
		return err
	}
	s.ring = map[string]string{}
	for _, acc := range accounts {
		if acc.HA1 != "" {
			s.creds[acc.ID] = acc.HA1
		}
		s.acd.SetAgent(acc.ID, acc.Name)
		s.acd.SetSkills(acc.ID, acc.Skills)
		s.ring[acc.ID] = acc.Ring
	}

	// State changes are stored off the ACD's lock, in order.
	changes := make(chan acd.StateChange, 4096)
	s.acd.OnStateChange(func(c acd.StateChange) {
		select {
		case changes <- c:
		default:
			s.log.Warn("agent state log full; dropping a change", "agent", c.Agent, "to", c.To)
		}
	})
	go func() {
		for c := range changes {
			if err := s.store.AppendAgentState(record.AgentState(c)); err != nil {
				s.log.Error("storing agent state failed", "agent", c.Agent, "error", err)
			}
		}
	}()

	lo, hi, _ := cfg.WebRTCPorts()
	var ice []rtc.ICEServer
	for _, is := range cfg.Desktop.WebRTC.ICEServers {
		ice = append(ice, rtc.ICEServer{URLs: is.URLs, Username: is.Username, Credential: is.Credential})
	}
	engine, err := rtc.NewEngine(rtc.Config{PublicIP: cfg.Desktop.WebRTC.PublicIP, ICEServers: ice, PortMin: lo, PortMax: hi,
		Loopback: cfg.Desktop.WebRTC.PublicIP == "127.0.0.1", Log: s.log})
	if err != nil {
		return err
	}
	s.desk = &web.Desktop{
		Accounts: s.store, WrapUps: s.store, ACD: s.acd, RTC: engine,
		Dispositions: cfg.Desktop.Dispositions, LoginPerMinute: cfg.Desktop.LoginPerMinute,
		SessionTTL: cfg.Desktop.SessionTTL.D(), Origins: cfg.Desktop.Origins, ManualWrapUp: cfg.Desktop.ManualWrapUp,
		HoldAudio: ivr.HoldPattern(8000), Log: s.log, Queues: s.queueNames,
	}
	return nil
}

// dialAgent rings an agent on the device their preference names: the
// desktop (WebRTC) when they have it open, unless they prefer their SIP
// phone and it is registered; otherwise the SIP phone.
func (s *server) dialAgent(ctx context.Context, agentID string, caller ivr.CallInfo) (ivr.AgentLeg, error) {
	binding, registered := s.reg.Lookup(agentID)
	onDesktop := s.desk != nil && s.desk.OnDesktop(agentID)
	if onDesktop && (s.ring[agentID] != "sip" || !registered) {
		leg, err := s.desk.Ring(ctx, agentID, web.ScreenPop{
			CallID: caller.ID, From: caller.From, To: caller.To, Route: caller.Route, Queue: caller.Queue,
			Path: caller.Path, WaitMs: caller.Waited.Milliseconds(), Language: caller.Language, Handoff: caller.Handoff,
		})
		if errors.Is(err, web.ErrRejected) {
			return nil, fmt.Errorf("desktop: %w", ivr.ErrAgentRejected)
		}
		if err != nil {
			return nil, fmt.Errorf("desktop: %w", err)
		}
		return leg, nil
	}
	if !registered {
		return nil, fmt.Errorf("agent %s is not registered", agentID)
	}
	return s.sip.Dial(ctx, hsip.DialRequest{Binding: binding, FromUser: caller.From, FromName: caller.From})
}

// queueNames lists the current dialplan's queues, for desktop transfers.
func (s *server) queueNames() []string {
	p := s.plans.Current()
	if p == nil {
		return nil
	}
	names := make([]string, 0, len(p.Queues))
	for n := range p.Queues {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

package desk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
)

// ACD is what the desk needs of the agents' states (acd.ACD implements it).
type ACD interface {
	Agent(id string) (acd.AgentStatus, bool)
	SetState(id string, s acd.State, reason string) error
	SetDevice(id, device string, online bool)
	SetManualWrapUp(id string, manual bool)
	Changed() <-chan struct{}
}

// Browsers answers the desktop softphone's WebRTC offers (WebRTC adapts rtc.Engine).
type Browsers interface {
	// Answer takes a browser's SDP offer and returns its leg and our SDP answer; the leg's media
	// flows once the browser applies the answer.
	Answer(ctx context.Context, id, offer string, log *slog.Logger) (BrowserLeg, string, error)
}

// BrowserLeg is a desktop softphone's leg.
type BrowserLeg interface {
	ivr.AgentLeg
	// WaitConnected waits until ICE and DTLS are up, the leg ended, or ctx is done.
	WaitConnected(ctx context.Context) error
	// InjectDTMF delivers a key the agent pressed on the desktop's pad.
	InjectDTMF(d rune)
	// Cause is why the leg ended ("" while it runs).
	Cause() string
}

// Phones rings agents' registered SIP phones.
type Phones interface {
	// Registered reports whether the agent has a SIP phone registered.
	Registered(agent string) bool
	// DialPhone rings the agent's phone until it answers (its leg), fails or ctx is done.
	DialPhone(ctx context.Context, agent string, caller ivr.CallInfo) (ivr.AgentLeg, error)
}

// WrapUps stores agents' wrap-ups (the store implements it).
type WrapUps interface {
	PutWrapUp(callID string, w record.WrapUp) error
}

// Config configures a Desk.
type Config struct {
	ACD      ACD
	Browsers Browsers // nil: no desktop softphone
	Phones   Phones   // nil: no SIP phones
	WrapUps  WrapUps
	// Ring is the agent's device preference (record.RingBrowser, RingSIP, RingBoth; "" is
	// browser when the desktop is open); nil: all "".
	Ring func(agent string) string
	// Queues lists the queues an agent may transfer a caller to.
	Queues func() []string
	// Dispositions are the wrap-up codes agents choose from; empty: any.
	Dispositions []string
	// ManualWrapUp: saving the wrap-up, or the agent choosing available, ends wrap-up.
	ManualWrapUp bool
	// HoldAudio is what a desktop call's caller hears on hold, at 8 kHz; nil: silence.
	HoldAudio media.PCM16
	Log       *slog.Logger
}

// Desk is every agent's session and calls.
type Desk struct {
	cfg Config

	mu     sync.Mutex // guards agents
	agents map[string]*agentDesk
}

// New makes a desk.
func New(cfg Config) *Desk {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Ring == nil {
		cfg.Ring = func(string) string { return "" }
	}
	if cfg.Queues == nil {
		cfg.Queues = func() []string { return nil }
	}
	return &Desk{cfg: cfg, agents: map[string]*agentDesk{}}
}

// Dispositions are the wrap-up codes agents choose from.
func (d *Desk) Dispositions() []string { return d.cfg.Dispositions }

// Queues are the queues an agent may transfer a caller to.
func (d *Desk) Queues() []string { return d.cfg.Queues() }

func (d *Desk) agent(id string) *agentDesk {
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.agents[id]
	if a == nil {
		a = &agentDesk{id: id, desk: d, calls: map[string]*agentCall{}}
		d.agents[id] = a
	}
	return a
}

// OnDesktop reports whether the agent has the desktop open.
func (d *Desk) OnDesktop(agent string) bool { return d.agent(agent).current() != nil }

// Errors of DialAgent.
var (
	// ErrUnreachable: the agent has neither the desktop open nor a SIP phone registered.
	ErrUnreachable = errors.New("agent has no device to ring")
	errDesktopGone = errors.New("desktop disconnected")
)

// DialAgent implements ivr.AgentDialer: it rings the agent on the device their preference and
// presence choose, and returns the leg of the one that answers.
func (d *Desk) DialAgent(ctx context.Context, agentID string, caller ivr.CallInfo) (ivr.AgentLeg, error) {
	a := d.agent(agentID)
	onDesktop := d.cfg.Browsers != nil && a.current() != nil
	registered := d.cfg.Phones != nil && d.cfg.Phones.Registered(agentID)
	dev := Choose(d.cfg.Ring(agentID), onDesktop, registered)
	if dev == DeviceNone {
		return nil, fmt.Errorf("agent %s: %w", agentID, ErrUnreachable)
	}
	return a.ring(ctx, caller, dev)
}

// Device is where a call rings for an agent.
type Device string

const (
	DeviceNone    Device = ""
	DeviceBrowser Device = "browser" // the desktop's softphone
	DevicePhone   Device = "sip"     // the agent's registered SIP phone
	DeviceBoth    Device = "both"    // both at once; the first to answer takes the call
)

// Choose picks where an agent's call rings from their preference (record.Ring*) and what they
// have: the desktop open (browser) and a registered SIP phone. A preferred device that is not
// there gives way to the other.
func Choose(pref string, browser, phone bool) Device {
	switch {
	case pref == record.RingBoth && browser && phone:
		return DeviceBoth
	case pref == record.RingSIP && phone:
		return DevicePhone
	case browser:
		return DeviceBrowser
	case phone:
		return DevicePhone
	}
	return DeviceNone
}

package chat

import (
	"context"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/record"
)

// AgentDesk offers chats to agents and carries messages between an agent's desktop and the
// chat (package desk implements it).
type AgentDesk interface {
	// OfferChat shows the chat on the agent's desktop and returns once the agent accepts it,
	// or an error when they refuse it, have no desktop, or ctx ends (the offer timed out or
	// the visitor left).
	OfferChat(ctx context.Context, agentID string, offer Offer) (AgentSide, error)
}

// Offer is what the agent's desktop shows when a chat is offered (the chat's screen pop).
type Offer struct {
	ChatID   string
	Queue    string
	Visitor  string // display name from the pre-chat form, or ""
	Contact  string // phone or e-mail from the pre-chat form, or ""
	Language string // BCP 47
	Waited   time.Duration
	Handoff  *record.Handoff       // the bot's packet, when the bot escalated
	Thread   []Event               // the thread so far, as message events (images by their staff path)
	Customer *record.CustomerBrief // nil: not identified
}

// AgentSide is an accepted chat at an agent's desk, as the chat sees it.
type AgentSide interface {
	// Deliver shows the visitor's event (a message, typing, the visitor left) on the agent's
	// desktop. It never blocks.
	Deliver(ev Event)
	// Events are the agent's messages, typing and end of the chat; the channel is closed when
	// the agent's side is gone (logged out, desktop closed for good).
	Events() <-chan Event
}

// Event kinds.
const (
	EventMessage = "message"
	EventTyping  = "typing"
	EventEnded   = "ended"
)

// Event is one thing that happened in a chat, on either side.
type Event struct {
	Kind string    `json:"kind"` // EventMessage, EventTyping, EventEnded
	From string    `json:"from"` // record.SpeakerCaller (the visitor), SpeakerBot, SpeakerAgent
	Text string    `json:"text,omitempty"`
	At   time.Time `json:"at"`
	// Attachment is the path (under /chat/api/) of an image the message carries.
	Attachment string `json:"attachment,omitempty"`
	Cause      string `json:"cause,omitempty"` // EventEnded: why
}

// Router queues chats for agents: the ACD's queues, with chats counted against each agent's
// chat capacity instead of their call state (package acd implements it).
type Router interface {
	EnqueueChat(spec acd.QueueSpec, chatID string, priority int) error
	Offer(id string) (agents []string, ok bool)
	Answered(id, agentID string)
	NotAnswered(id, agentID, reason string)
	Leave(id string)
	// ChatEnded frees one of the agent's chat slots.
	ChatEnded(agentID, chatID string)
	Staffed(spec acd.QueueSpec) bool
	Changed() <-chan struct{}
	// Agent is an agent's snapshot (the name the visitor sees).
	Agent(id string) (acd.AgentStatus, bool)
}

// Customers finds who a chat's visitor is (package customer implements it).
type Customers interface {
	// Identify finds or creates the profile these identifiers lead to and attaches the
	// interaction to it.
	Identify(ctx context.Context, ids record.Identifiers, interaction string) (*record.CustomerBrief, error)
}

package desk

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hotline-cc/hotline/chat"
	"github.com/hotline-cc/hotline/record"
)

// Chats at the agent's desk. A chat is offered on the desktop and waits for the agent's accept
// or decline; once accepted, the visitor's messages are shown as they come and the agent's go
// back to the chat. A reload of the desktop keeps the agent's chats (they are shown again to the
// new session); a desktop gone for longer than chatGrace gives them back (the chat queues again).

// chatGrace is how long an agent's chats wait for their desktop to come back.
const chatGrace = 30 * time.Second

// maxChatThread bounds what a desk keeps of a chat to show a reloaded desktop.
const maxChatThread = 200

// maxChatText is the longest message an agent may send, as for visitors.
const maxChatText = 4096

// Chat events for the desktop.
type (
	// ChatOffered is a chat offered to the agent, with its screen pop.
	ChatOffered struct{ Offer chat.Offer }
	// ChatWithdrawn is an offer that ended unanswered: "timeout" (or the visitor left), "rejected",
	// "desktop_gone".
	ChatWithdrawn struct{ Chat, Reason string }
	// ChatAccepted is a chat the agent now has.
	ChatAccepted struct{ Chat string }
	// ChatEvent is something that happened in one of the agent's chats (the visitor wrote,
	// typed or left; on a reload, also what was said before).
	ChatEvent struct {
		Chat  string
		Event chat.Event
	}
	// ChatClosed is a chat that ended; its wrap-up is due.
	ChatClosed struct{ Chat, Cause string }
)

func (ChatOffered) event()   {}
func (ChatWithdrawn) event() {}
func (ChatAccepted) event()  {}
func (ChatEvent) event()     {}
func (ChatClosed) event()    {}

// Chat commands from the desktop.
type (
	AcceptChat struct{ Chat string }
	RejectChat struct{ Chat string }
	SendChat   struct{ Chat, Text string }
	ChatTyping struct {
		Chat string
		On   bool
	}
	EndChat struct{ Chat string }
)

func (AcceptChat) command() {}
func (RejectChat) command() {}
func (SendChat) command()   {}
func (ChatTyping) command() {}
func (EndChat) command()    {}

// agentChat is the agent's part of one chat; guarded by the agentDesk's lock.
type agentChat struct {
	offer    chat.Offer
	since    time.Time
	answers  chan bool // while offered: accept or decline
	accepted bool
	ended    bool // the wrap-up is due
	cause    string
	events   chan chat.Event // the agent's side, to the chat
	closed   bool            // events is closed: the agent is gone
	thread   []chat.Event    // what was said since the offer, for a reloaded desktop
	grace    *time.Timer     // the desktop is gone; the chat goes back when it fires
}

var errChatDeclined = errors.New("desktop: the agent declined the chat")

var _ chat.AgentDesk = (*Desk)(nil)

// OfferChat implements chat.AgentDesk.
func (d *Desk) OfferChat(ctx context.Context, agentID string, o chat.Offer) (chat.AgentSide, error) {
	a := d.agent(agentID)
	log := d.cfg.Log.With("chat_id", o.ChatID, "agent", agentID)
	c := &agentChat{offer: o, since: time.Now(), answers: make(chan bool, 1), events: make(chan chat.Event, 16)}
	a.mu.Lock()
	if a.session == nil {
		a.mu.Unlock()
		return nil, fmt.Errorf("desktop: %s: %w", agentID, ErrUnreachable)
	}
	if a.chats == nil {
		a.chats = map[string]*agentChat{}
	}
	a.chats[o.ChatID] = c
	a.mu.Unlock()
	a.emit(ChatOffered{Offer: o})
	log.Info("chat offered on the desktop", "queue", o.Queue)
	withdraw := func(reason string) {
		a.mu.Lock()
		if a.chats[o.ChatID] == c {
			delete(a.chats, o.ChatID)
		}
		a.mu.Unlock()
		a.emit(ChatWithdrawn{Chat: o.ChatID, Reason: reason})
	}
	select {
	case <-ctx.Done():
		withdraw("timeout")
		return nil, ctx.Err()
	case ok := <-c.answers:
		if !ok {
			withdraw("rejected")
			return nil, errChatDeclined
		}
	}
	a.mu.Lock()
	c.accepted = true
	a.mu.Unlock()
	a.emit(ChatAccepted{Chat: o.ChatID})
	log.Info("chat accepted on the desktop")
	return &chatSide{a: a, id: o.ChatID, c: c}, nil
}

// chatSide is an accepted chat as the chat runtime sees the agent.
type chatSide struct {
	a  *agentDesk
	id string
	c  *agentChat
}

func (s *chatSide) Events() <-chan chat.Event { return s.c.events }

func (s *chatSide) Deliver(ev chat.Event) {
	a := s.a
	a.mu.Lock()
	if ev.Kind == chat.EventMessage {
		s.c.keepLocked(ev)
	}
	ended := ev.Kind == chat.EventEnded && !s.c.ended
	if ended {
		s.c.ended, s.c.cause = true, ev.Cause
	}
	a.mu.Unlock()
	a.emit(ChatEvent{Chat: s.id, Event: ev})
	if ended {
		a.emit(ChatClosed{Chat: s.id, Cause: ev.Cause})
	}
}

func (c *agentChat) keepLocked(ev chat.Event) {
	c.thread = append(c.thread, ev)
	if n := len(c.thread); n > maxChatThread {
		c.thread = c.thread[n-maxChatThread:]
	}
}

// chat returns the agent's accepted, open chat id.
func (a *agentDesk) openChat(id string) (*agentChat, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.chats[id]
	switch {
	case c == nil || !c.accepted:
		return nil, fmt.Errorf("chat %s is not yours", id)
	case c.ended || c.closed:
		return nil, fmt.Errorf("chat %s has ended", id)
	}
	return c, nil
}

// doChat carries out a chat command of the agent.
func (s *Session) doChat(cmd Command) error {
	a := s.agent
	switch c := cmd.(type) {
	case AcceptChat, RejectChat:
		id, accept := "", false
		if ac, ok := c.(AcceptChat); ok {
			id, accept = ac.Chat, true
		} else {
			id = c.(RejectChat).Chat
		}
		a.mu.Lock()
		ch := a.chats[id]
		a.mu.Unlock()
		if ch == nil || ch.accepted {
			return fmt.Errorf("chat %s is not offered to you", id)
		}
		select {
		case ch.answers <- accept:
			return nil
		default:
			return fmt.Errorf("chat %s is being answered already", id)
		}
	case SendChat:
		text := strings.TrimSpace(c.Text)
		if text == "" {
			return errors.New("empty message")
		}
		if len(text) > maxChatText || !utf8.ValidString(text) {
			return fmt.Errorf("message too long: at most %d bytes", maxChatText)
		}
		ch, err := a.openChat(c.Chat)
		if err != nil {
			return err
		}
		ev := chat.Event{Kind: chat.EventMessage, From: record.SpeakerAgent, Text: text, At: time.Now()}
		select {
		case ch.events <- ev:
		default:
			return errors.New("the chat is not keeping up; send again in a moment")
		}
		a.mu.Lock()
		ch.keepLocked(ev)
		a.mu.Unlock()
		return nil
	case ChatTyping:
		ch, err := a.openChat(c.Chat)
		if err != nil {
			return err
		}
		text := "off"
		if c.On {
			text = "on"
		}
		select {
		case ch.events <- chat.Event{Kind: chat.EventTyping, From: record.SpeakerAgent, Text: text, At: time.Now()}:
		default: // a typing hint is not worth waiting for
		}
		return nil
	case EndChat:
		ch, err := a.openChat(c.Chat)
		if err != nil {
			return err
		}
		select {
		case ch.events <- chat.Event{Kind: chat.EventEnded, From: record.SpeakerAgent, Cause: "agent_ended", At: time.Now()}:
		default:
			return errors.New("the chat is not keeping up; end it again in a moment")
		}
		a.mu.Lock()
		ch.ended, ch.cause = true, "agent_ended"
		a.mu.Unlock()
		a.emit(ChatClosed{Chat: c.Chat, Cause: "agent_ended"})
		return nil
	}
	return fmt.Errorf("unknown command %T", cmd)
}

// chatWrapUp reports whether id is an ended chat of the agent's, due for wrap-up, and forgets
// it if forget.
func (a *agentDesk) chatWrapUp(id string, forget bool) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.chats[id]
	if c == nil || !c.accepted || !(c.ended || c.closed) {
		return false
	}
	if forget {
		delete(a.chats, id)
	}
	return true
}

// chatsLocked lists the agent's chats, oldest first.
func (a *agentDesk) chatsLocked() []*agentChat {
	out := make([]*agentChat, 0, len(a.chats))
	for _, c := range a.chats {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].since.Before(out[j].since) })
	return out
}

// chatsAttached shows a new session the agent's chats; they no longer wait for a desktop.
func (a *agentDesk) chatsAttached(s *Session) {
	a.mu.Lock()
	var evs []Event
	for _, c := range a.chatsLocked() {
		if c.grace != nil {
			c.grace.Stop()
			c.grace = nil
		}
		evs = append(evs, ChatOffered{Offer: c.offer})
		if !c.accepted {
			continue
		}
		evs = append(evs, ChatAccepted{Chat: c.offer.ChatID})
		for _, ev := range c.thread {
			evs = append(evs, ChatEvent{Chat: c.offer.ChatID, Event: ev})
		}
		if c.ended || c.closed {
			evs = append(evs, ChatClosed{Chat: c.offer.ChatID, Cause: orCause(c.cause)})
		}
	}
	a.mu.Unlock()
	for _, e := range evs {
		s.emit(e)
	}
}

func orCause(c string) string {
	if c == "" {
		return "ended"
	}
	return c
}

// chatsDetachedLocked starts the grace of the agent's open chats: offers end at once (the
// desktop cannot answer them), accepted chats go back after chatGrace unless a desktop returns.
func (a *agentDesk) chatsDetachedLocked() {
	for _, c := range a.chats {
		if !c.accepted {
			select {
			case c.answers <- false:
			default:
			}
			continue
		}
		if c.ended || c.closed || c.grace != nil {
			continue
		}
		c := c
		c.grace = time.AfterFunc(chatGrace, func() {
			a.mu.Lock()
			defer a.mu.Unlock()
			if a.session != nil || c.closed || c.grace == nil {
				return
			}
			c.grace = nil
			c.closed = true
			close(c.events)
			delete(a.chats, c.offer.ChatID)
			a.desk.cfg.Log.Info("desktop gone: chat given back", "chat_id", c.offer.ChatID, "agent", a.id)
		})
	}
}

package main

import (
	"cmp"
	"context"
	"fmt"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/chat"
	"github.com/hotline-cc/hotline/customer"
	"github.com/hotline-cc/hotline/desk"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/engines"
	"github.com/hotline-cc/hotline/web"
)

// startChat runs the chat channel: chats restored from the store, answered by the dialplan's
// bot profile named in chat.bot, queued in the dialplan's queues for the agents' desktops, and
// recorded through the same redaction and analysis as calls (s.after).
func (s *server) startChat(ctx context.Context, agents *acd.ACD, desks *desk.Desk, customers *customer.Service, eng *engines.Set) (*web.Chat, error) {
	cfg := s.cfg
	cc := cfg.Chat
	agents.SetDefaultChatCapacity(cc.ChatCapacity())
	plan := s.plans.Current()
	if cc.Bot != "" && plan.Bots[cc.Bot] == nil {
		return nil, fmt.Errorf("%s: chat.bot %q: the dialplan has no such bot (it has %v)", cfg.File, cc.Bot, keys(plan.Bots))
	}
	if cc.Queue != "" && plan.Queues[cc.Queue] == nil {
		return nil, fmt.Errorf("%s: chat.queue %q: the dialplan has no such queue (it has %v)", cfg.File, cc.Queue, plan.QueueNames())
	}
	if cc.Calendar != "" && plan.Settings.Calendars[cc.Calendar] == nil {
		return nil, fmt.Errorf("%s: chat.calendar %q: the dialplan has no such calendar", cfg.File, cc.Calendar)
	}
	channels := map[string]chat.Channel{}
	for _, ch := range cc.Channels {
		channels[ch.Name] = chat.Channel{Name: ch.Name, Secret: []byte(ch.SecretValue()), Callback: ch.Callback}
	}
	s.chat = chat.New(chat.Config{Channels: channels, Store: s.store, Records: s.after, Router: agents, Desk: desks, Customers: customers,
		Plan: func() *dialplan.Plan { return s.plans.Current() }, Bots: eng, Log: s.log,
		Settings: chat.Settings{Bot: cc.Bot, Instructions: cc.Instructions, Queue: cc.Queue, Calendar: cc.Calendar,
			IdentitySecret: []byte(cc.IdentitySecretValue()), VIPTag: cmp.Or(cc.VIPTag, cfg.Customers.VIPTag),
			VIPPriority: cfg.Customers.VIPPriorityValue(), BotContext: cfg.Customers.BotContextOn(),
			OfferTimeout: cc.OfferTimeout.D(), QueueTimeout: cc.QueueTimeout.D(), IdleTimeout: cc.IdleTimeout.D()}})
	if err := s.chat.Start(ctx); err != nil {
		return nil, err
	}
	s.log.Info("web chat", "bot", cc.Bot, "queue", cc.Queue, "calendar", cc.Calendar, "capacity", cc.ChatCapacity(),
		"widget", "/chat/widget.js", "demo", "/chat/demo", "origins", cc.Origins)
	return &web.Chat{Service: s.chat, Origins: cc.Origins, PerMinute: cc.ChatRate(), PerAddress: cc.ChatAddressRate()}, nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

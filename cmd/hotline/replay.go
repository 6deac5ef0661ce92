package main

import (
	"log/slog"

	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/dialplan/live"
	"github.com/hotline-cc/hotline/replay"
	"github.com/hotline-cc/hotline/store"
)

// botReplay serves POST /api/bot/replay: stored conversations replayed against the live
// dialplan, with engines of their own per request (the calls' engines are not disturbed), judged by
// the configured model when there is one.
func botReplay(cfg *config.Config, plans *live.Manager, st *store.Store, log *slog.Logger) (*replay.Service, error) {
	if _, err := replay.FromConfig(cfg.Engines, log); err != nil {
		return nil, err
	}
	return &replay.Service{Plan: plans.Current, Calls: st.ListCalls, ChatBot: cfg.Chat.Bot, ChatQueue: cfg.Chat.Queue,
		Engines: func() *replay.Engines { e, _ := replay.FromConfig(cfg.Engines, log); return e },
		Judge:   func(th float64) (replay.Judge, error) { return replay.JudgeFor(replay.JudgeAuto, cfg.Engines, th) }}, nil
}

package main

import (
	"log/slog"
	"sort"

	"github.com/hotline-cc/hotline/dialplan/live"
	"github.com/hotline-cc/hotline/engines"
	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/replies"
	"github.com/hotline-cc/hotline/store"
)

// newReplies is the reply-script library: scripts in the store, candidates grounded in the
// knowledge base of the live dialplan's bots, written by engines.llm when it is a server.
func newReplies(st *store.Store, eng *engines.Set, plans *live.Manager, log *slog.Logger) (*replies.Service, error) {
	cfg := replies.Config{Store: st, KB: planKB{plans: plans, eng: eng, log: log}, Log: log}
	if ep, ok := eng.LLM(); ok {
		cfg.LLM = &ep
	}
	return replies.New(cfg)
}

// planKB searches the knowledge base of the current dialplan's bot profiles (the first by name
// that has one), so a dialplan deploy that moves the folder moves the scripts' grounding too.
type planKB struct {
	plans *live.Manager
	eng   *engines.Set
	log   *slog.Logger
}

func (p planKB) Search(query string, k int) []kb.Hit {
	plan := p.plans.Current()
	if plan == nil {
		return nil
	}
	names := make([]string, 0, len(plan.Bots))
	for name := range plan.Bots {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		dir := plan.Bots[name].KnowledgeBase
		if dir == "" {
			continue
		}
		idx, err := p.eng.KnowledgeBase(dir)
		if err != nil || idx == nil {
			p.log.Warn("reply scripts: knowledge base", "dir", dir, "error", err)
			continue
		}
		return idx.Search(query, k)
	}
	return nil
}

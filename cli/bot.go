package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/replay"
	"github.com/hotline-cc/hotline/store"
)

const botUsage = `usage: hotline bot replay -config hotline.yaml [-kb DIR] [-dialplan FILE] [-profile NAME] [-since 720h] [-limit N]
                         [-store COPY] [-judge auto|overlap|llm] [-threshold 0.5] [-json]

Replays the caller turns of stored conversations (calls and chats) as text through a candidate
bot — the dialplan's bot profile, the knowledge-base folder -kb, the configured dialog engine —
and reports per conversation same / different / now_escalates / now_answers, whether each
changed answer sentence is supported by a retrieved passage (term overlap, or the model of
engines.llm), and the containment rate before and after. Exit status 1 when containment drops or
a changed answer is unsupported, 2 on a usage error. While a server holds the store, replay a
copy (-store) or set HOTLINE_ADMIN_TOKEN: the server then replays against its live dialplan.`

// Bot runs the bot commands: `hotline bot replay`.
func (e *Env) Bot(args []string) int {
	if len(args) == 0 || args[0] != "replay" {
		fmt.Fprintln(e.Stderr, botUsage)
		return exitConfig
	}
	return e.botReplay(args[1:])
}

func (e *Env) botReplay(args []string) int {
	fs := flag.NewFlagSet("bot replay", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() { fmt.Fprintln(e.Stderr, botUsage); fs.PrintDefaults() }
	cfgPath := fs.String("config", "configs/hotline.yaml", "server configuration (store, dialplan, engines)")
	kbDir := fs.String("kb", "", "knowledge-base folder to answer from (default: the profile's)")
	dpPath := fs.String("dialplan", "", "candidate dialplan file (default: the configuration's)")
	profile := fs.String("profile", "", "bot profile that answers every conversation (default: the one each conversation had)")
	since := fs.Duration("since", 720*time.Hour, "replay conversations that started this long ago or later")
	limit := fs.Int("limit", 0, "replay at most this many conversations, newest first (0: all)")
	storePath := fs.String("store", "", "read the conversations from this store file (a copy, while a server holds the store)")
	threshold := fs.Float64("threshold", replay.DefaultThreshold, "share of a sentence's terms a passage must contain to support it")
	judgeKind := fs.String("judge", replay.JudgeAuto, "who decides whether a passage supports a sentence: auto (the model of engines.llm when it is a server), overlap or llm")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return exitConfig
	}
	if fs.NArg() > 0 || *since <= 0 || *limit < 0 || *threshold <= 0 || *threshold > 1 {
		fs.Usage()
		return exitConfig
	}
	cfg, ok := e.loadConfig(*cfgPath)
	if !ok {
		return exitConfig
	}
	plan, _, code := e.loadPlanForTool(*cfgPath, *dpPath)
	if plan == nil {
		return code
	}
	path := *storePath
	if path == "" {
		path = cfg.Path(cfg.Store)
	}
	if *kbDir != "" { // relative to the working directory, as a shell user means it
		var err error
		if *kbDir, err = filepath.Abs(*kbDir); err != nil {
			return e.fail(err)
		}
	}
	calls, err := e.botConversations(path, time.Now().Add(-*since), *limit)
	if errors.Is(err, store.ErrLocked) && *storePath == "" && *dpPath == "" && e.hasToken(cfg) {
		// The server holds the store: it replays against its live dialplan.
		var rep replay.Report
		body, _ := json.Marshal(replay.Request{KBDir: *kbDir, Profile: *profile, Since: since.String(), Limit: *limit, Threshold: *threshold})
		if err := e.callAPI(cfg, "POST", "/api/bot/replay", body, &rep); err != nil {
			return e.fail(err)
		}
		return e.reportReplay(&rep, *asJSON)
	}
	if err != nil {
		return e.fail(err)
	}
	log := slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	eng, err := replay.FromConfig(cfg.Engines, log)
	if err != nil {
		fmt.Fprintf(e.Stderr, "hotline: %v\n", err)
		return exitConfig
	}
	judge, err := replay.JudgeFor(*judgeKind, cfg.Engines, *threshold)
	if err != nil {
		fmt.Fprintf(e.Stderr, "hotline: %v\n", err)
		return exitConfig
	}
	rep, err := replay.Run(context.Background(), calls, replay.Options{Judge: judge, Plan: plan, Profile: *profile, KBDir: *kbDir,
		ChatBot: cfg.Chat.Bot, ChatQueue: cfg.Chat.Queue, Engines: eng, Threshold: *threshold, Logger: log})
	if err != nil {
		fmt.Fprintf(e.Stderr, "hotline: %v\n", err)
		return exitConfig
	}
	return e.reportReplay(rep, *asJSON)
}

// reportReplay prints the report; the exit status says whether the candidate regressed.
func (e *Env) reportReplay(rep *replay.Report, asJSON bool) int {
	if asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		e.printReplay(rep)
	}
	if rep.Summary.Regressed {
		return exitFail
	}
	return exitOK
}

// hasToken reports whether the admin token for the server's API is at hand.
func (e *Env) hasToken(cfg *config.Config) bool {
	return e.Getenv("HOTLINE_ADMIN_TOKEN") != "" || cfg.HTTP.AdminToken != ""
}

// botConversations reads the stored calls and chats with a bot conversation, newest first.
// The store is opened directly: a running server holds it, so then a copy is needed.
func (e *Env) botConversations(path string, since time.Time, limit int) ([]*record.Call, error) {
	st, err := store.Open(path)
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%w; replay a copy of it instead: cp %s /tmp/replay.db && hotline bot replay -store /tmp/replay.db …, "+
			"or set HOTLINE_ADMIN_TOKEN to have the server replay against its live dialplan", err, path)
	}
	if err != nil {
		return nil, err
	}
	defer st.Close()
	all, err := st.ListCalls(record.CallQuery{Since: since, Newest: true})
	if err != nil {
		return nil, err
	}
	return replay.Select(all, limit), nil
}

func (e *Env) printReplay(rep *replay.Report) {
	s := rep.Summary
	fmt.Fprintf(e.Stdout, "replayed %d conversations: %d same, %d different, %d now escalate, %d now answer",
		s.Replayed, s.Same, s.Different, s.NowEscalates, s.NowAnswers)
	if s.Failed > 0 {
		fmt.Fprintf(e.Stdout, ", %d could not be replayed", s.Failed)
	}
	fmt.Fprintf(e.Stdout, "\ncontainment %.1f%% → %.1f%% (%d → %d of %d)\nunsupported changed answers: %d\n",
		100*s.ContainmentBefore, 100*s.ContainmentAfter, s.ContainedBefore, s.ContainedAfter, s.Replayed, s.Unsupported)
	for _, c := range rep.Conversations {
		if c.Error != "" {
			fmt.Fprintf(e.Stdout, "\n%s  %s  %s  error: %s\n", c.ID, c.Start.Local().Format(time.DateTime), c.Channel, c.Error)
			continue
		}
		if c.Verdict == replay.Same {
			continue
		}
		fmt.Fprintf(e.Stdout, "\n%s  %s  %s  %s  %s\n", c.ID, c.Start.Local().Format(time.DateTime), c.Channel, c.Profile, c.Verdict)
		for _, t := range c.Turns {
			if t.Same {
				continue
			}
			fmt.Fprintf(e.Stdout, "  caller: %s\n  before: %s\n  after:  %s\n", t.Caller, dash(t.Before), dash(t.After))
			for _, sn := range t.Sentences {
				if !sn.Supported {
					fmt.Fprintf(e.Stdout, "  unsupported (%.0f%%): %s\n", 100*sn.Score, sn.Text)
				}
			}
		}
		if c.ReasonAfter != "" && c.EscalatedAfter {
			fmt.Fprintf(e.Stdout, "  escalates: %s\n", c.ReasonAfter)
		}
	}
	if s.Regressed {
		fmt.Fprintf(e.Stdout, "\nREGRESSED: %s\n", strings.Join(s.Reasons, "; "))
	}
}

package ivr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
)

// ErrNoBotEngine is what a bot node gets while no bot engine is wired in: the node follows its error
// edge, so a plan with a bot entry still serves callers.
var ErrNoBotEngine = errors.New("bot engine not configured")

// BotEngines gives the engines (ASR, dialog, TTS, knowledge base) a bot
// profile runs with; the server builds them from its configuration.
type BotEngines interface {
	ForProfile(p *dialplan.BotProfile) (bot.Config, error)
}

// Bot hands the caller to the voice bot until it is done, escalates, or the
// caller hangs up. The transcript and any handoff packet go into the call
// record, so the agent who takes the call next sees them.
func (c *call) Bot(ctx context.Context, req dialplan.BotRequest) (dialplan.BotResult, error) {
	if c.engine.Bots == nil {
		c.log.Warn("bot: no engine configured", "profile", req.Profile.Name)
		return dialplan.BotResult{}, ErrNoBotEngine
	}
	cfg, err := c.engine.Bots.ForProfile(req.Profile)
	if err != nil {
		return dialplan.BotResult{}, fmt.Errorf("bot %s: %w", req.Profile.Name, err)
	}
	if err := c.answer(); err != nil {
		return dialplan.BotResult{}, err
	}
	if cfg.Logger == nil {
		cfg.Logger = c.log
	}
	c.live.set(func(l *LiveCall) { l.State = StateBot })
	c.checkpoint("bot "+req.Profile.Name, nil)
	prof := botProfile(req.Profile, c.lang, c.expandKnown)
	if ctx := c.customer.BotContext(); c.engine.BotContext && ctx != "" {
		prof.Instructions = strings.TrimSpace(prof.Instructions + "\n" + ctx)
	}
	c.log.Info("bot: start", "profile", prof.Name, "language", prof.Language)
	// The bot reads keys from the call's digit buffer: the call's DTMF pump
	// owns the leg's key channel.
	res := bot.Run(ctx, botLeg{c.leg, c.digits}, cfg, prof)
	c.rec.Transcript = append(c.rec.Transcript, res.Transcript...)
	if res.Handoff != nil {
		c.rec.Handoff = res.Handoff
	}
	c.log.Info("bot: end", "profile", prof.Name, "outcome", string(res.Outcome), "reason", res.Reason, "turns", len(res.Transcript))
	out := dialplan.BotResult{Handoff: res.Handoff, Reason: res.Reason}
	switch res.Outcome {
	case bot.OutcomeDone:
		out.Outcome = dialplan.BotDone
	case bot.OutcomeEscalate:
		out.Outcome = dialplan.BotEscalate
	case bot.OutcomeHangup:
		out.Outcome = dialplan.BotHangup
	default:
		out.Outcome = dialplan.BotError
	}
	return out, nil
}

// botLeg is the call's leg with its key presses taken from the call's buffer.
type botLeg struct {
	media.Leg
	digits <-chan rune
}

func (l botLeg) DTMF() <-chan rune { return l.digits }

// BotProfile is the bot's profile for dialplan bot p in a conversation in lang ("" for the
// bot's own), for the chat channel; expand fills known variables into tool URLs.
func BotProfile(p *dialplan.BotProfile, lang string, expand func(string) string) bot.Profile {
	return botProfile(p, lang, expand)
}

// botProfile converts the dialplan's profile into the bot's. expand fills
// call variables (${caller}…) into tool URLs; the tool's own arguments are
// filled by the dialog engine when the model calls it.
func botProfile(p *dialplan.BotProfile, callLang string, expand func(string) string) bot.Profile {
	lang := p.Language
	if lang == "" {
		lang = callLang
	}
	greeting, _ := p.Greeting.For(lang)
	out := bot.Profile{
		Name: p.Name, Language: lang, Greeting: greeting, Instructions: p.Instructions,
		BargeIn: p.BargeIn, NoDTMFBargeIn: !p.DTMFBargeIn, MinBargeIn: p.MinBargeIn, EndOfTurnSilence: p.EndOfTurnSilence, MinSpeech: p.MinSpeech,
		MaxDuration: p.MaxDuration, MaxTurns: p.MaxTurns, MaxFailedTurns: p.MaxFailedTurns,
		EscalateOn: p.EscalateOn, DTMF: map[rune]string{}, Hints: p.Hints,
	}
	if p.EscalateQueue != nil {
		out.EscalateQueue = p.EscalateQueue.Name
	}
	for k, v := range p.DTMF {
		if r := []rune(k); len(r) == 1 {
			out.DTMF[r[0]] = v
		}
	}
	for _, t := range p.Tools {
		schema, _ := json.Marshal(t.Parameters)
		out.Tools = append(out.Tools, dialog.HTTPTool{Name: t.Name, Description: t.Description, Method: t.Method,
			URL: expand(t.URL), Parameters: schema, Timeout: t.Timeout})
	}
	return out
}

// expandKnown fills ${name} with the call's variables and the built-ins (${language}, ${now}…),
// and leaves the rest (a tool's own arguments) for the dialog engine.
func (c *call) expandKnown(s string) string {
	var loc *time.Location
	if c.plan != nil {
		loc = c.plan.Settings.Location
	}
	return dialplan.ExpandKnown(c, loc, s)
}

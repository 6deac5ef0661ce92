package ivr

import (
	"context"
	"errors"

	"github.com/hotline-cc/hotline/dialplan"
)

// ErrNoBotEngine is what a bot node gets while no bot engine is wired in: the node follows its error
// edge, so a plan with a bot entry still serves callers.
var ErrNoBotEngine = errors.New("bot engine not configured")

// Bot reports that no bot engine is configured; the bot node turns the error into its error edge.
func (c *call) Bot(ctx context.Context, req dialplan.BotRequest) (dialplan.BotResult, error) {
	c.log.Warn("bot: no engine configured", "profile", req.Profile.Name)
	return dialplan.BotResult{}, ErrNoBotEngine
}

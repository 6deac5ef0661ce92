package ivr

import (
	"context"
	"errors"
	"log/slog"

	"github.com/hotline-cc/hotline/record"
)

// Customers finds who a caller is (package customer implements it).
type Customers interface {
	// Identify finds or creates the profile the identifiers lead to; the engine sets the
	// call record's CustomerID itself, since the record is stored only as the call goes on.
	Identify(ctx context.Context, ids record.Identifiers, interaction string) (*record.CustomerBrief, error)
}

// identify finds the caller's profile by the From number, once the call has a route (a
// refused probe makes no profile). A failure only leaves the call without a customer.
func (e *Engine) identify(ctx context.Context, log *slog.Logger, rec *record.Call) *record.CustomerBrief {
	if e.Customers == nil || rec.From == "" {
		return nil
	}
	b, err := e.Customers.Identify(ctx, record.Identifiers{Phone: rec.From}, rec.ID)
	switch {
	case errors.Is(err, record.ErrNoIdentifier):
		log.Debug("caller not identified", "from", rec.From, "error", err)
		return nil
	case err != nil:
		log.Warn("identifying the caller failed", "from", rec.From, "error", err)
		return nil
	}
	rec.CustomerID = b.ID
	log.Info("caller identified", "customer", b.ID, "matched", b.Matched)
	return b
}

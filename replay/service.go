package replay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/record"
)

// ErrRequest marks a replay request that cannot be served as asked (an unknown profile, a
// knowledge-base folder that cannot be opened, a bad duration).
var ErrRequest = errors.New("replay: bad request")

// Request is a replay the running server is asked for (POST /api/bot/replay).
type Request struct {
	KBDir   string `json:"kb_dir,omitempty"`  // knowledge-base folder on the server (default: the profile's)
	Profile string `json:"profile,omitempty"` // default: each conversation's own
	Since   string `json:"since,omitempty"`   // a Go duration, default 720h
	Limit   int    `json:"limit,omitempty"`   // newest first; 0: all
	// Threshold is Options.Threshold (0: DefaultThreshold).
	Threshold float64 `json:"threshold,omitempty"`
}

// Service replays stored conversations against the server's live dialplan.
type Service struct {
	Plan  func() *dialplan.Plan
	Calls func(record.CallQuery) ([]*record.Call, error)
	// Engines builds the engines of one replay: fresh each time, so a candidate folder
	// edited between two replays is read again.
	Engines func() *Engines
	// Judge builds the sentence judge for a threshold; nil: term overlap.
	Judge              func(threshold float64) (Judge, error)
	ChatBot, ChatQueue string
	Now                func() time.Time // default time.Now
}

// DefaultSince is how far back a replay looks by default.
const DefaultSince = 720 * time.Hour

// Replay runs req. Errors that are the request's wrap ErrRequest.
func (s *Service) Replay(ctx context.Context, req Request) (*Report, error) {
	since := DefaultSince
	if req.Since != "" {
		d, err := time.ParseDuration(req.Since)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%w: since %q is not a positive duration such as 720h", ErrRequest, req.Since)
		}
		since = d
	}
	if req.Limit < 0 || req.Threshold < 0 || req.Threshold > 1 {
		return nil, fmt.Errorf("%w: limit must not be negative, threshold must lie in [0,1]", ErrRequest)
	}
	plan := s.Plan()
	if plan == nil {
		return nil, fmt.Errorf("%w: no dialplan is loaded", ErrRequest)
	}
	if req.Profile != "" && plan.Bots[req.Profile] == nil {
		return nil, fmt.Errorf("%w: the dialplan has no bot profile %q (it has %s)", ErrRequest, req.Profile, profileNames(plan))
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	all, err := s.Calls(record.CallQuery{Since: now().Add(-since), Newest: true})
	if err != nil {
		return nil, err
	}
	calls := Select(all, req.Limit)
	eng := s.Engines()
	if req.KBDir != "" {
		if _, _, err := eng.For(ctx, req.KBDir); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrRequest, err)
		}
	}
	var judge Judge
	if s.Judge != nil {
		if judge, err = s.Judge(req.Threshold); err != nil {
			return nil, err
		}
	}
	return Run(ctx, calls, Options{Judge: judge, Plan: plan, Profile: req.Profile, KBDir: req.KBDir, ChatBot: s.ChatBot, ChatQueue: s.ChatQueue, Engines: eng,
		Threshold: req.Threshold})
}

// Select keeps the conversations with a bot, at most limit of them (0: all), in their order.
func Select(calls []*record.Call, limit int) []*record.Call {
	var out []*record.Call
	for _, c := range calls {
		if limit > 0 && len(out) >= limit {
			break
		}
		if HasBot(c) {
			out = append(out, c)
		}
	}
	return out
}

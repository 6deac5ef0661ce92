package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/ivr"
	hsip "github.com/hotline-cc/hotline/sip"
)

// DialTrunk implements ivr.TrunkDialer: the dialplan's trunk says where and how to dial, hotline.yaml
// holds its credentials (a trunk without any dials unauthenticated).
func (s *server) DialTrunk(ctx context.Context, req ivr.TrunkCall) (ivr.TrunkLeg, error) {
	t := req.Trunk
	tr := hsip.TrunkRequest{Trunk: t.Name, Number: req.Number, Host: t.Host, Transport: t.Transport,
		CallerID: req.CallerID, OnProgress: req.OnProgress, Log: req.Log}
	if req.OnEarlyMedia != nil {
		tr.OnEarlyMedia = func(e hsip.EarlyMedia) { req.OnEarlyMedia(e) }
	}
	if cred := s.cfg.Trunks[t.Name]; cred != nil {
		tr.Username, tr.Password = cred.Username, cred.Secret()
	}
	leg, err := s.sip.DialTrunk(ctx, tr)
	if err != nil {
		return nil, notReached(err)
	}
	return leg, nil
}

// notReached turns the far end's refusals into the IVR's (the transfer's failed edge), with the SIP
// status for the call record; anything else stays an error (the error edge).
func notReached(err error) error {
	status := ""
	var re *hsip.ResponseError
	if errors.As(err, &re) {
		status = " (" + re.Error() + ")"
	}
	switch {
	case errors.Is(err, hsip.ErrBusy):
		return fmt.Errorf("%w%s", ivr.ErrNumberBusy, status)
	case errors.Is(err, hsip.ErrNoAnswer):
		return fmt.Errorf("%w%s", ivr.ErrNumberNoAnswer, status)
	case errors.Is(err, hsip.ErrDeclined):
		return fmt.Errorf("%w%s", ivr.ErrNumberDeclined, status)
	}
	return err
}

// checkTrunks logs, at startup, trunk credentials that cannot work: for a trunk the dialplan does not
// define, or from an empty environment variable.
func (s *server) checkTrunks(plan *dialplan.Plan) {
	for _, name := range slices.Sorted(maps.Keys(s.cfg.Trunks)) {
		cred := s.cfg.Trunks[name]
		if plan != nil && plan.Trunks[name] == nil {
			s.log.Warn("trunk credentials for a trunk the dialplan does not define", "trunk", name, "config", s.cfg.File)
		}
		if cred.Secret() == "" {
			s.log.Error("trunk password is empty: calls through this trunk cannot authenticate",
				"trunk", name, "password_env", cred.PasswordEnv)
		}
	}
	if plan == nil {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(plan.Trunks)) {
		t := plan.Trunks[name]
		s.log.Info("trunk", "trunk", name, "host", t.Host, "transport", t.Transport, "auth", s.cfg.Trunks[name] != nil)
	}
}

package main

import (
	"context"
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
		return nil, err
	}
	return leg, nil
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

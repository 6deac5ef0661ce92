package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/hotline-cc/hotline/replay"
)

// BotReplayer replays stored conversations through a candidate bot (replay.Service).
type BotReplayer interface {
	Replay(ctx context.Context, req replay.Request) (*replay.Report, error)
}

// botReplay serves POST /api/bot/replay: body {kb_dir?, profile?, since?, limit?}, the report
// as `hotline bot replay -json` prints it. Admin token or admin session.
func (a *API) botReplay(w http.ResponseWriter, r *http.Request) {
	var req replay.Request
	if r.ContentLength != 0 {
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, "body: "+err.Error())
			return
		}
	}
	rep, err := a.BotReplay.Replay(r.Context(), req)
	switch {
	case errors.Is(err, replay.ErrRequest):
		writeError(w, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		a.Log.Error("bot replay", "error", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

package web

import (
	"errors"
	"net/http"

	"github.com/hotline-cc/hotline/record"
)

// Supervision lets a supervisor join a call with an agent from the supervisor page: the
// browser sends a WebRTC offer, the server answers it and mixes the supervisor into the call
// (listen, whisper to the agent, barge in). cmd/hotline implements it over the IVR and the
// WebRTC engine.
type Supervision interface {
	// Monitor answers offer and joins supervisor to call callID in mode; the session lasts
	// until Stop, the browser hangs up, or the call leaves its agent.
	Monitor(callID, supervisor, offer, mode string) (answer string, err error)
	SetMode(callID, supervisor, mode string) error
	Stop(callID, supervisor string) error
}

// Errors a Supervision returns, for their statuses.
var (
	// ErrBadMode: not listen, whisper or barge (400).
	ErrBadMode = errors.New("mode must be listen, whisper or barge")
	// ErrNoCall: the call cannot be monitored now (409): not with an agent, or someone else
	// is on it.
	ErrNoCall = errors.New("the call cannot be monitored now")
)

func (d *Desktop) monitorRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/desktop/monitor", d.supervisorOnly(d.monitorStart))
	mux.HandleFunc("POST /api/desktop/monitor/mode", d.supervisorOnly(d.monitorMode))
	mux.HandleFunc("POST /api/desktop/monitor/stop", d.supervisorOnly(d.monitorStop))
}

// supervisorOnly lets through the sessions of supervisors and admins.
func (d *Desktop) supervisorOnly(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d.init()
		s := d.session(r)
		switch {
		case s == nil:
			writeError(w, http.StatusUnauthorized, "not logged in")
		case !record.Supervises(s.role):
			writeError(w, http.StatusForbidden, "monitoring calls needs the supervisor role")
		case d.Supervision == nil:
			writeError(w, http.StatusNotImplemented, "call monitoring is not available on this server")
		default:
			h(w, r, s)
		}
	}
}

type monitorBody struct {
	CallID string `json:"call_id"`
	Mode   string `json:"mode"`
	SDP    string `json:"sdp"`
}

func (d *Desktop) monitorError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrBadMode):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, ErrNoCall):
		writeError(w, http.StatusConflict, err.Error())
	default:
		d.Log.Error("call monitoring", "error", err)
		writeError(w, http.StatusInternalServerError, "monitoring failed: "+err.Error())
	}
}

func (d *Desktop) readMonitor(w http.ResponseWriter, r *http.Request, needSDP bool) (monitorBody, bool) {
	var b monitorBody
	if !readJSON(w, r, &b) {
		return b, false
	}
	if b.CallID == "" || (needSDP && b.SDP == "") {
		writeError(w, http.StatusBadRequest, `send {"call_id": …, "mode": "listen", "sdp": "<WebRTC offer>"}`)
		return b, false
	}
	return b, true
}

func (d *Desktop) monitorStart(w http.ResponseWriter, r *http.Request, s *session) {
	b, ok := d.readMonitor(w, r, true)
	if !ok {
		return
	}
	if b.Mode == "" {
		b.Mode = "listen"
	}
	answer, err := d.Supervision.Monitor(b.CallID, s.agent, b.SDP, b.Mode)
	if err != nil {
		d.monitorError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"sdp": answer, "mode": b.Mode})
}

func (d *Desktop) monitorMode(w http.ResponseWriter, r *http.Request, s *session) {
	b, ok := d.readMonitor(w, r, false)
	if !ok {
		return
	}
	if err := d.Supervision.SetMode(b.CallID, s.agent, b.Mode); err != nil {
		d.monitorError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"mode": b.Mode})
}

func (d *Desktop) monitorStop(w http.ResponseWriter, r *http.Request, s *session) {
	b, ok := d.readMonitor(w, r, false)
	if !ok {
		return
	}
	if err := d.Supervision.Stop(b.CallID, s.agent); err != nil {
		d.monitorError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

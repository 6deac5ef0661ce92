package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/internal/textdiff"
	"github.com/hotline-cc/hotline/record"
)

// DialplanAdmin is what the dialplan endpoints need from the server.
type DialplanAdmin interface {
	// Current is the plan new calls get.
	Current() *dialplan.Plan
	// Validate parses source without deploying it.
	Validate(source []byte) (warnings []*dialplan.Error, err error)
	// Deploy validates, saves to the dialplan file and makes source live.
	Deploy(source []byte, who string) (version int, err error)
	// Rollback makes stored version n live again (as a new version).
	Rollback(n int, who string) (version int, err error)
	// LastReload is the last reload's time and error (nil when it succeeded).
	LastReload() (time.Time, error)
	// Simulate runs a scripted call (JSON) through source, or through the
	// live plan when source is empty, and returns the trace.
	Simulate(source, script []byte) (trace any, warnings []*dialplan.Error, err error)
}

const maxDialplanBytes = 4 << 20

func (a *API) dialplanRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/dialplan", a.admin(a.getDialplan))
	mux.Handle("PUT /api/dialplan", a.admin(a.putDialplan))
	mux.Handle("POST /api/dialplan/validate", a.admin(a.validateDialplan))
	mux.Handle("GET /api/dialplan/versions", a.admin(a.listDialplanVersions))
	mux.Handle("GET /api/dialplan/versions/{n}", a.admin(a.getDialplanVersion))
	mux.Handle("GET /api/dialplan/diff", a.admin(a.diffDialplan))
	mux.Handle("POST /api/dialplan/rollback/{n}", a.admin(a.rollbackDialplan))
	mux.Handle("POST /api/dialplan/simulate", a.admin(a.simulateDialplan))
	a.editorRoutes(mux)
}

type problem struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Node    string `json:"node,omitempty"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
	Text    string `json:"text"`
}

func problems(list []*dialplan.Error) []problem {
	out := []problem{}
	for _, e := range list {
		out = append(out, problem{Line: e.Line, Column: e.Column, Node: e.Node, Message: e.Msg, Hint: e.Hint, Text: e.Error()})
	}
	return out
}

// validationResponse renders a parse outcome: 200 with warnings, or 422
// with every error at its line.
func validationResponse(w http.ResponseWriter, warnings []*dialplan.Error, err error, extra map[string]any) {
	body := map[string]any{"valid": err == nil, "warnings": problems(warnings)}
	for k, v := range extra {
		body[k] = v
	}
	if err != nil {
		var list dialplan.ErrorList
		if errors.As(err, &list) {
			body["errors"] = problems(list)
		} else {
			body["errors"] = []problem{{Message: err.Error(), Text: err.Error()}}
		}
		writeJSON(w, http.StatusUnprocessableEntity, body)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDialplanBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "dialplan larger than 4 MiB")
		return nil, false
	}
	return b, true
}

func (a *API) getDialplan(w http.ResponseWriter, r *http.Request) {
	p := a.Dialplan.Current()
	at, lastErr := a.Dialplan.LastReload()
	body := map[string]any{"version": p.Version, "hash": p.Hash, "file": p.File, "yaml": string(p.Source)}
	if !at.IsZero() {
		body["last_reload"] = at
	}
	if lastErr != nil {
		body["last_reload_error"] = lastErr.Error()
	}
	writeJSON(w, http.StatusOK, body)
}

func (a *API) validateDialplan(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r)
	if !ok {
		return
	}
	warnings, err := a.Dialplan.Validate(b)
	validationResponse(w, warnings, err, nil)
}

func (a *API) putDialplan(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r)
	if !ok {
		return
	}
	warnings, err := a.Dialplan.Validate(b)
	if err != nil {
		validationResponse(w, warnings, err, nil)
		return
	}
	n, err := a.Dialplan.Deploy(b, "api")
	if err != nil {
		validationResponse(w, warnings, err, nil)
		return
	}
	validationResponse(w, warnings, nil, map[string]any{"version": n})
}

func (a *API) listDialplanVersions(w http.ResponseWriter, r *http.Request) {
	vs, err := a.Records.ListDialplanVersions()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	type row struct {
		Number int       `json:"number"`
		Hash   string    `json:"hash"`
		At     time.Time `json:"at"`
		Who    string    `json:"who"`
		Live   bool      `json:"live"`
	}
	live := a.Dialplan.Current().Version
	out := []row{}
	for _, v := range vs {
		out = append(out, row{v.Number, v.Hash, v.At, v.Who, v.Number == live})
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) version(w http.ResponseWriter, s string) (*record.DialplanVersion, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		writeError(w, http.StatusBadRequest, "version must be a positive number")
		return nil, false
	}
	v, err := a.Records.GetDialplanVersion(n)
	if errors.Is(err, record.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such dialplan version")
		return nil, false
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return nil, false
	}
	return v, true
}

func (a *API) getDialplanVersion(w http.ResponseWriter, r *http.Request) {
	v, ok := a.version(w, r.PathValue("n"))
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"number": v.Number, "hash": v.Hash, "at": v.At, "who": v.Who, "yaml": string(v.Source)})
}

// diffDialplan: ?from=N&to=M between stored versions; to defaults to the live
// version; POSTing is not needed to diff an edit: the editor diffs locally
// against GET /api/dialplan.
func (a *API) diffDialplan(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, ok := a.version(w, q.Get("from"))
	if !ok {
		return
	}
	toSrc, toName := a.Dialplan.Current().Source, "live"
	if t := q.Get("to"); t != "" {
		v, ok := a.version(w, t)
		if !ok {
			return
		}
		toSrc, toName = v.Source, "version "+t
	}
	d := textdiff.Unified("version "+q.Get("from"), toName, string(from.Source), string(toSrc), 3)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, d)
}

// simulateDialplan: body {"yaml": "...", "script": {to, from, at, dtmf, say, headers, queue, agent}}.
func (a *API) simulateDialplan(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r)
	if !ok {
		return
	}
	var req struct {
		YAML   string          `json:"yaml"`
		Script json.RawMessage `json:"script"`
	}
	if err := json.Unmarshal(b, &req); err != nil {
		writeError(w, http.StatusBadRequest, "body must be JSON: {\"yaml\": \"...\", \"script\": {\"to\": \"4008001234\", \"dtmf\": [\"1\"]}}")
		return
	}
	trace, warnings, err := a.Dialplan.Simulate([]byte(req.YAML), req.Script)
	if err != nil {
		var list dialplan.ErrorList
		if errors.As(err, &list) {
			validationResponse(w, warnings, err, nil)
			return
		}
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, trace)
}

// diffCandidate diffs the live plan against a candidate in the request body.
func (a *API) diffCandidate(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r)
	if !ok {
		return
	}
	live := a.Dialplan.Current()
	d := textdiff.Unified("live (version "+strconv.Itoa(live.Version)+")", "edited", string(live.Source), string(b), 3)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, d)
}

func (a *API) rollbackDialplan(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		writeError(w, http.StatusBadRequest, "version must be a positive number")
		return
	}
	v, err := a.Dialplan.Rollback(n, "api")
	if errors.Is(err, record.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such dialplan version")
		return
	}
	if err != nil {
		validationResponse(w, nil, err, nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": v, "rolled_back_to": n})
}

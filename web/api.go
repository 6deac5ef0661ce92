// Package web serves hotline's HTTP side: health, Prometheus metrics, the admin JSON API (call
// records, agents, queues, the dialplan and its editor), and the agent desktop and supervisor
// page as embedded static files with their logins and WebSockets.
//
// It is transport: the desktop's WebSocket carries an agent's commands to their session in
// package desk and its events back, the API reads records through small interfaces (the store
// implements them), and the dialplan endpoints call the live dialplan manager. It holds no call
// logic.
package web

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/record"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Records is what the API reads of the stored records (the store implements it).
type Records interface {
	ListCalls(q record.CallQuery) ([]*record.Call, error)
	GetCall(id string) (*record.Call, error)
	AgentStates(agent string, since time.Time, limit int) ([]record.AgentState, error)
	ListDialplanVersions() ([]*record.DialplanVersion, error)
	GetDialplanVersion(n int) (*record.DialplanVersion, error)
}

// API is the HTTP handler set.
type API struct {
	Records    Records
	ACD        *acd.ACD
	AdminToken string
	Registry   *prometheus.Registry
	Log        *slog.Logger
	// Ready reports whether the server accepts calls (false while draining).
	Ready func() bool
	// Dialplan serves the dialplan endpoints (nil: not mounted).
	Dialplan DialplanAdmin
	// Desktop serves the agent desktop and supervisor page (nil: not mounted).
	Desktop *Desktop
	// Mounts are extra handlers by path pattern (the demo CRM).
	Mounts map[string]http.Handler

	// The staff pages and API over stored calls (calls.go). Archive nil: not mounted.
	Archive       Archive
	RecordingsDir string     // where call recordings are; their names in the records are relative to it
	Analysis      Analysis   // nil: no analysis queue to show or drive
	Webhooks      Deliveries // nil: no webhook deliveries to list
	Originals     Originals  // nil: redaction keeps nothing aside
	// Customers serves /api/customers (customers.go); nil: not mounted.
	Customers Customers
	// Chat serves the visitors' chat API, the widget and the staff's chat endpoints (chat.go,
	// chat_staff.go); nil: not mounted.
	Chat *Chat
	// Tasks are the messages left outside chat hours, for agents (nil: not mounted).
	Tasks Tasks
	// Replies is the reply-script library behind /replies and /api/replies (replies.go); nil:
	// not mounted.
	Replies Replies
	// BotReplay serves POST /api/bot/replay (bot_replay.go); nil: not mounted.
	BotReplay BotReplayer
}

// Handler returns the mux.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	i18nRoutes(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if a.Ready != nil && !a.Ready() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	if a.Registry != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{}))
	}
	for pattern, h := range a.Mounts {
		mux.Handle(pattern, h)
	}
	if a.Archive != nil {
		a.staffRoutes(mux)
	} else {
		mux.Handle("GET /api/calls", a.admin(a.listCalls))
		mux.Handle("GET /api/calls/{id}", a.admin(a.getCall))
	}
	mux.Handle("GET /api/agents", a.admin(a.listAgents))
	mux.Handle("GET /api/agents/{id}/states", a.admin(a.agentStates))
	mux.Handle("GET /api/queues", a.admin(a.listQueues))
	if a.Customers != nil {
		a.customerRoutes(mux)
	}
	if a.Replies != nil {
		a.repliesRoutes(mux)
	}
	if a.Dialplan != nil {
		a.dialplanRoutes(mux)
	}
	if a.Chat != nil {
		a.Chat.routes(mux)
		mux.Handle("GET /chat/", ChatWidget())
	}
	a.chatStaffRoutes(mux)
	if a.BotReplay != nil {
		mux.Handle("POST /api/bot/replay", a.desk(a.botReplay, true))
	}
	if a.Desktop != nil {
		a.Desktop.Routes(mux)
	}
	// Profiles of the running server, for ops (admin token required).
	mux.Handle("GET /debug/pprof/", a.admin(pprof.Index))
	mux.Handle("GET /debug/pprof/profile", a.admin(pprof.Profile))
	return mux
}

// admin requires "Authorization: Bearer <admin token>". With no token
// configured the API is closed rather than open.
func (a *API) admin(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if a.AdminToken == "" {
			writeError(w, http.StatusForbidden, "the admin API is disabled: set HOTLINE_ADMIN_TOKEN (or http.admin_token) and restart")
			return
		}
		if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(a.AdminToken)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hotline"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong admin token (send Authorization: Bearer <token>)")
			return
		}
		h(w, r)
	})
}

func (a *API) listCalls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	opt := record.CallQuery{Newest: q.Get("order") != "asc", Limit: 100}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			writeError(w, http.StatusBadRequest, "limit must be a number from 1 to 10000")
			return
		}
		opt.Limit = n
	}
	for key, dst := range map[string]*time.Time{"since": &opt.Since, "until": &opt.Until} {
		if v := q.Get(key); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, key+" must be an RFC 3339 time, like 2026-11-24T09:00:00Z")
				return
			}
			*dst = t
		}
	}
	calls, err := a.Records.ListCalls(opt)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if calls == nil {
		calls = []*record.Call{}
	}
	writeJSON(w, http.StatusOK, calls)
}

func (a *API) getCall(w http.ResponseWriter, r *http.Request) {
	c, err := a.Records.GetCall(r.PathValue("id"))
	if errors.Is(err, record.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no call with that id")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (a *API) listAgents(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.ACD.Agents())
}

// agentStates lists an agent's stored state changes (for occupancy and
// handle-time reports), oldest first, from ?since= (RFC 3339) on.
func (a *API) agentStates(w http.ResponseWriter, r *http.Request) {
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "since must be an RFC 3339 time, like 2026-11-24T09:00:00Z")
			return
		}
		since = t
	}
	states, err := a.Records.AgentStates(r.PathValue("id"), since, 10000)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if states == nil {
		states = []record.AgentState{}
	}
	writeJSON(w, http.StatusOK, states)
}

// listQueues is the live state of every queue that has had a caller.
func (a *API) listQueues(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.ACD.Queues())
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

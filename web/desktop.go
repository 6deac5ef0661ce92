package web

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/desk"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/rtc"
	"golang.org/x/crypto/bcrypt"
)

// The agent desktop (/agent) and the supervisor page (/supervisor): static
// pages that log in with a session cookie and talk over one WebSocket each.
//
//go:embed desktop
var desktopFiles embed.FS

// Accounts looks up agent accounts (the store implements it).
type Accounts interface {
	GetAgent(id string) (*record.Agent, error)
}

// LiveCalls lists the calls in progress (ivr.Engine implements it).
type LiveCalls interface {
	Calls() []ivr.LiveCall
	CallsChanged() <-chan struct{}
}

// Desktop serves the agent desktop and the supervisor page: logins, and one WebSocket per page
// that carries the agent's commands to their desk session and its events back. Create it with
// its fields set, then mount it with API.Desktop.
type Desktop struct {
	Accounts Accounts
	Desk     *desk.Desk
	ACD      *acd.ACD  // agents and queues, for the supervisor and transfer targets
	Calls    LiveCalls // calls in progress, for the supervisor; nil: none listed
	// Supervision lets supervisors listen, whisper and barge in (monitor.go); nil: not offered.
	Supervision Supervision
	// ICEServers are the STUN/TURN servers browsers use.
	ICEServers []rtc.ICEServer
	// LoginPerMinute limits login attempts per client IP and per user id.
	LoginPerMinute int
	SessionTTL     time.Duration
	// Origins are extra hosts allowed as WebSocket Origin (the page's own host always is).
	Origins []string
	Log     *slog.Logger

	once     sync.Once
	mu       sync.Mutex // guards sessions
	sessions map[string]*session
	limiter  *limiter
}

type session struct {
	token   string
	agent   string
	name    string
	role    string
	expires time.Time
}

const sessionCookie = "hotline_session"

func (d *Desktop) init() {
	d.once.Do(func() {
		d.sessions = map[string]*session{}
		if d.LoginPerMinute <= 0 {
			d.LoginPerMinute = 10
		}
		if d.SessionTTL <= 0 {
			d.SessionTTL = 12 * time.Hour
		}
		if d.Log == nil {
			d.Log = slog.Default()
		}
		d.limiter = &limiter{max: d.LoginPerMinute, window: time.Minute, hits: map[string][]time.Time{}}
	})
}

// Routes mounts the desktop's pages and endpoints on mux.
func (d *Desktop) Routes(mux *http.ServeMux) {
	d.init()
	sub, _ := fs.Sub(desktopFiles, "desktop")
	files := http.FileServer(http.FS(sub))
	page := func(name string) http.Handler {
		return pageHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + name
			files.ServeHTTP(w, r2)
		}))
	}
	mux.Handle("GET /agent", page("agent.html"))
	mux.Handle("GET /supervisor", page("supervisor.html"))
	mux.Handle("GET /desktop/", http.StripPrefix("/desktop/", pageHeaders(files)))
	mux.HandleFunc("POST /api/desktop/login", d.login)
	mux.HandleFunc("POST /api/desktop/logout", d.logout)
	mux.HandleFunc("GET /api/desktop/me", d.me)
	mux.HandleFunc("GET /api/desktop/ws", d.agentWS)
	mux.HandleFunc("GET /api/desktop/supervisor/ws", d.supervisorWS)
	d.monitorRoutes(mux)
}

// pageHeaders keeps the pages from being framed or loading anything from
// elsewhere; media devices are allowed for the softphone.
func pageHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; style-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

// dummyHash makes a login for an unknown id cost as much as a wrong
// password, so response times do not reveal which ids exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password"), bcrypt.DefaultCost)

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (d *Desktop) login(w http.ResponseWriter, r *http.Request) {
	d.init()
	var req struct {
		ID       string `json:"id"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil || req.ID == "" {
		writeError(w, http.StatusBadRequest, "send {\"id\": ..., \"password\": ...}")
		return
	}
	ip := clientIP(r)
	if !d.limiter.allow("ip:"+ip) || !d.limiter.allow("user:"+req.ID) {
		d.Log.Warn("desktop login rate-limited", "agent", req.ID, "ip", ip)
		w.Header().Set("Retry-After", "60")
		writeError(w, http.StatusTooManyRequests, "too many login attempts; wait a minute")
		return
	}
	acc, err := d.Accounts.GetAgent(req.ID)
	hash := dummyHash
	if err == nil && acc.PasswordHash != "" {
		hash = []byte(acc.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) != nil || err != nil || acc.PasswordHash == "" {
		d.Log.Warn("desktop login failed", "agent", req.ID, "ip", ip)
		writeError(w, http.StatusUnauthorized, "wrong id or password")
		return
	}
	s := &session{token: newToken(), agent: acc.ID, name: acc.Name, role: acc.Role, expires: time.Now().Add(d.SessionTTL)}
	if s.role == "" {
		s.role = record.RoleAgent
	}
	d.mu.Lock()
	if len(d.sessions) > 10000 {
		now := time.Now()
		for k, v := range d.sessions {
			if now.After(v.expires) {
				delete(d.sessions, k)
			}
		}
	}
	d.sessions[s.token] = s
	d.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, Expires: s.expires})
	d.Log.Info("desktop login", "agent", acc.ID, "ip", ip, "role", s.role)
	writeJSON(w, http.StatusOK, map[string]string{"id": acc.ID, "name": acc.Name, "role": s.role})
}

func (d *Desktop) logout(w http.ResponseWriter, r *http.Request) {
	d.init()
	if s := d.session(r); s != nil {
		d.mu.Lock()
		delete(d.sessions, s.token)
		d.mu.Unlock()
		d.logoutAgent(s.agent)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	writeJSON(w, http.StatusOK, map[string]string{"status": "logged out"})
}

func (d *Desktop) session(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.sessions[c.Value]
	if s == nil {
		return nil
	}
	if time.Now().After(s.expires) {
		delete(d.sessions, c.Value)
		return nil
	}
	return s
}

func (d *Desktop) me(w http.ResponseWriter, r *http.Request) {
	d.init()
	s := d.session(r)
	if s == nil {
		writeError(w, http.StatusUnauthorized, "not logged in")
		return
	}
	ice := d.ICEServers
	if ice == nil {
		ice = []rtc.ICEServer{}
	}
	queues := d.Desk.Queues()
	if queues == nil {
		queues = []string{}
	}
	type peer struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	agents := []peer{}
	for _, a := range d.ACD.Agents() {
		if a.ID != s.agent {
			agents = append(agents, peer{a.ID, a.Name})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": s.agent, "name": s.name, "role": s.role,
		"dispositions": d.Desk.Dispositions(), "ice_servers": ice, "queues": queues, "agents": agents})
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// limiter counts attempts per key in a sliding window.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	hits   map[string][]time.Time
}

// maxLimiterKeys bounds the limiter's memory under a flood of distinct keys.
const maxLimiterKeys = 100000

func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	h := l.hits[key]
	i := 0
	for i < len(h) && now.Sub(h[i]) > l.window {
		i++
	}
	h = h[i:]
	if len(h) >= l.max {
		l.hits[key] = h
		return false
	}
	if len(l.hits) >= maxLimiterKeys {
		clear(l.hits)
	}
	l.hits[key] = append(h, now)
	return true
}

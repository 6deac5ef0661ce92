package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/hotline-cc/hotline/chat"
	"github.com/hotline-cc/hotline/record"
)

// The visitor's text API (/chat/api/…, README "Web chat"): the widget and external clients
// use it. It is transport over package chat: every request is checked here (origin, token,
// size, rate) and carried out there.

// ChatService is what the chat API needs of package chat.
type ChatService interface {
	Open() (bool, string)
	Create(ctx context.Context, in chat.Start) (*chat.Opened, error)
	Post(ctx context.Context, id, token, text string) ([]record.ChatMessage, error)
	Attach(ctx context.Context, id, token string, image []byte) (record.ChatMessage, error)
	Image(id, token string, seq int64) ([]byte, string, error)
	Messages(id, token string, after int64) (chat.Thread, error)
	Typing(id, token string, on bool) error
	End(ctx context.Context, id, token string) error
	Subscribe(id, token string) (<-chan chat.Update, func(), error)
	Offline(in chat.Start, text string) (*record.Task, error)
	LiveChats() []chat.Live
	StaffImage(id string, seq int64) ([]byte, string, error)
}

// Chat serves the visitor API.
type Chat struct {
	Service ChatService
	// Origins may embed the widget (scheme://host[:port]); hotline's own origin always may.
	Origins []string
	// PerMinute bounds messages per session (default 30); PerAddress messages and new chats
	// per visitor address (default 4 × PerMinute).
	PerMinute, PerAddress int
	// MaxImage is the largest image accepted, in bytes (default 2 MiB).
	MaxImage int
	// TrustProxy takes the visitor's address from X-Forwarded-For (behind a reverse proxy).
	TrustProxy bool

	perSession, perIP *limiter
}

// maxChatBody bounds a JSON request body (a 4 KB message and its envelope).
const maxChatBody = 16 << 10

func (c *Chat) routes(mux *http.ServeMux) {
	if c.PerMinute <= 0 {
		c.PerMinute = 30
	}
	if c.MaxImage <= 0 {
		c.MaxImage = 2 << 20
	}
	c.perSession = &limiter{max: c.PerMinute, window: time.Minute, hits: map[string][]time.Time{}}
	if c.PerAddress <= 0 {
		c.PerAddress = 4 * c.PerMinute
	}
	c.perIP = &limiter{max: c.PerAddress, window: time.Minute, hits: map[string][]time.Time{}}
	h := func(f http.HandlerFunc) http.Handler { return c.cors(f) }
	mux.Handle("OPTIONS /chat/api/", h(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	mux.Handle("GET /chat/api/status", h(c.status))
	mux.Handle("POST /chat/api/sessions", h(c.create))
	mux.Handle("POST /chat/api/offline", h(c.offline))
	mux.Handle("POST /chat/api/sessions/{id}/messages", h(c.post))
	mux.Handle("GET /chat/api/sessions/{id}/messages", h(c.messages))
	mux.Handle("POST /chat/api/sessions/{id}/typing", h(c.typing))
	mux.Handle("POST /chat/api/sessions/{id}/attachments", h(c.attach))
	mux.Handle("GET /chat/api/sessions/{id}/attachments/{seq}", h(c.image))
	mux.Handle("POST /chat/api/sessions/{id}/end", h(c.end))
	mux.Handle("GET /chat/api/sessions/{id}/events", h(c.events))
	mux.HandleFunc("POST /chat/channels/{name}/webhook", c.webhook)
}

// cors lets allowed origins call the API from their pages and refuses every other origin.
// A request without an Origin (a server, curl) is not a browser's: the token is its check.
func (c *Chat) cors(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			if !c.originAllowed(r, o) {
				writeError(w, http.StatusForbidden, "origin "+o+" may not use this chat (add it to chat.origins)")
				return
			}
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Vary", "Origin")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			w.Header().Set("Access-Control-Max-Age", "600")
		}
		next(w, r)
	})
}

func (c *Chat) originAllowed(r *http.Request, origin string) bool {
	if origin == "http://"+r.Host || origin == "https://"+r.Host {
		return true
	}
	for _, o := range c.Origins {
		if strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

func (c *Chat) address(r *http.Request) string {
	if c.TrustProxy {
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			return strings.TrimSpace(strings.Split(f, ",")[0])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func bearer(r *http.Request) string {
	t, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return strings.TrimSpace(t)
}

// allow takes one message from the session's and the address's budgets.
func (c *Chat) allow(w http.ResponseWriter, r *http.Request, session string) bool {
	if !c.perIP.allow(c.address(r)) || (session != "" && !c.perSession.allow(session)) {
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusTooManyRequests, "too many messages; wait a few seconds")
		return false
	}
	return true
}

// chatError answers with the status an error of package chat stands for.
func chatError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, chat.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, chat.ErrUnauthorized), errors.Is(err, chat.ErrIdentity):
		code = http.StatusUnauthorized
	case errors.Is(err, chat.ErrEnded):
		code = http.StatusConflict
	case errors.Is(err, chat.ErrTooLong):
		code = http.StatusRequestEntityTooLarge
	case errors.Is(err, chat.ErrEmpty):
		code = http.StatusBadRequest
	case errors.Is(err, chat.ErrNotImage):
		code = http.StatusUnsupportedMediaType
	case errors.Is(err, chat.ErrClosed):
		code = http.StatusServiceUnavailable
	case errors.Is(err, chat.ErrBusy):
		code = http.StatusTooManyRequests
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		code = http.StatusServiceUnavailable
	}
	msg := err.Error()
	if code == http.StatusInternalServerError {
		msg = "the chat could not store that; try again"
	}
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hotline-chat"`)
	}
	writeError(w, code, strings.TrimPrefix(msg, "chat: "))
}

// readJSON decodes a small JSON body into v, answering 400/413 itself when it cannot.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxChatBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "request body over 16 KB; a message may have at most 4 KB")
		return false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return false
	}
	return true
}

func (c *Chat) status(w http.ResponseWriter, r *http.Request) {
	open, cal := c.Service.Open()
	writeJSON(w, http.StatusOK, map[string]any{"open": open, "hours": cal})
}

type chatStart struct {
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Email    string `json:"email"`
	Language string `json:"language"`
	Page     string `json:"page"`
	Text     string `json:"text"` // offline messages
	Identity *struct {
		UserID    string `json:"user_id"`
		Signature string `json:"signature"`
	} `json:"identity"`
}

func (c *Chat) start(r *http.Request, in chatStart) chat.Start {
	s := chat.Start{Name: in.Name, Phone: in.Phone, Email: in.Email, Language: in.Language, Page: in.Page,
		Origin: r.Header.Get("Origin"), Address: c.address(r)}
	if in.Identity != nil {
		s.UserID, s.Signature = in.Identity.UserID, in.Identity.Signature
	}
	return s
}

func (c *Chat) create(w http.ResponseWriter, r *http.Request) {
	var in chatStart
	if !readJSON(w, r, &in) || !c.allow(w, r, "") {
		return
	}
	op, err := c.Service.Create(r.Context(), c.start(r, in))
	if err != nil {
		chatError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, op)
}

func (c *Chat) offline(w http.ResponseWriter, r *http.Request) {
	var in chatStart
	if !readJSON(w, r, &in) || !c.allow(w, r, "") {
		return
	}
	t, err := c.Service.Offline(c.start(r, in), in.Text)
	if err != nil {
		chatError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": t.ID})
}

func (c *Chat) post(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text string `json:"text"`
	}
	id := r.PathValue("id")
	if bearer(r) == "" {
		chatError(w, chat.ErrUnauthorized)
		return
	}
	if !readJSON(w, r, &in) || !c.allow(w, r, id) {
		return
	}
	msgs, err := c.Service.Post(r.Context(), id, bearer(r), in.Text)
	if err != nil {
		chatError(w, err)
		return
	}
	if msgs == nil {
		msgs = []record.ChatMessage{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": visitorView(id, msgs)})
}

// visitorMessage is a chat message as the visitor's API shows it: an image is named by the
// path that serves it to the visitor (under the widget's base URL).
type visitorMessage struct {
	record.ChatMessage
	Attachment string `json:"attachment,omitempty"`
}

func visitorMsg(chatID string, m record.ChatMessage) visitorMessage {
	v := visitorMessage{ChatMessage: m}
	if m.Image != "" {
		v.Attachment = "/chat/api/sessions/" + url.PathEscape(chatID) + "/attachments/" + strconv.FormatInt(m.Seq, 10)
	}
	return v
}

func visitorView(chatID string, ms []record.ChatMessage) []visitorMessage {
	out := make([]visitorMessage, 0, len(ms))
	for _, m := range ms {
		out = append(out, visitorMsg(chatID, m))
	}
	return out
}

// visitorUpdate is a live event as the visitor's socket sends it.
type visitorUpdate struct {
	chat.Update
	Message *visitorMessage `json:"message,omitempty"`
}

func (c *Chat) messages(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	id := r.PathValue("id")
	th, err := c.Service.Messages(id, bearer(r), after)
	if err != nil {
		chatError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		State    string           `json:"state"`
		Agent    string           `json:"agent,omitempty"`
		Messages []visitorMessage `json:"messages"`
	}{th.State, th.Agent, visitorView(id, th.Messages)})
}

func (c *Chat) typing(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Typing bool `json:"typing"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if err := c.Service.Typing(r.PathValue("id"), bearer(r), in.Typing); err != nil {
		chatError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (c *Chat) attach(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if bearer(r) == "" {
		chatError(w, chat.ErrUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(c.MaxImage)+1))
	if err != nil || len(body) > c.MaxImage {
		writeError(w, http.StatusRequestEntityTooLarge, "image over "+strconv.Itoa(c.MaxImage>>20)+" MB")
		return
	}
	if !c.allow(w, r, id) {
		return
	}
	m, err := c.Service.Attach(r.Context(), id, bearer(r), body)
	if err != nil {
		if errors.Is(err, chat.ErrNotImage) {
			err = errors.New("chat: not an image: send a PNG, JPEG, GIF or WebP picture")
			writeError(w, http.StatusUnsupportedMediaType, strings.TrimPrefix(err.Error(), "chat: "))
			return
		}
		chatError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"message": visitorMsg(id, m)})
}

func (c *Chat) image(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "no such attachment")
		return
	}
	img, kind, err := c.Service.Image(r.PathValue("id"), bearer(r), seq)
	if err != nil {
		chatError(w, err)
		return
	}
	serveImage(w, img, kind)
}

// serveImage answers with a stored image, never sniffed as anything else.
func serveImage(w http.ResponseWriter, img []byte, kind string) {
	w.Header().Set("Content-Type", kind)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(img)
}

func (c *Chat) end(w http.ResponseWriter, r *http.Request) {
	if err := c.Service.End(r.Context(), r.PathValue("id"), bearer(r)); err != nil {
		chatError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// events is the visitor's live socket. Browsers cannot set headers on a WebSocket, and a
// token in the URL ends up in logs, so the first frame carries the token.
func (c *Chat) events(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true}) // the origin was checked by cors
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ws.SetReadLimit(4 << 10)
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	_, data, err := ws.Read(ctx)
	cancel()
	if err != nil {
		return
	}
	var hello struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal(data, &hello)
	updates, unsubscribe, err := c.Service.Subscribe(r.PathValue("id"), hello.Token)
	if err != nil {
		code := websocket.StatusCode(4401)
		if errors.Is(err, chat.ErrNotFound) {
			code = 4404
		}
		_ = ws.Close(code, strings.TrimPrefix(err.Error(), "chat: "))
		return
	}
	defer unsubscribe()
	ctx, cancel = context.WithCancel(r.Context())
	defer cancel()
	go func() { // the visitor sends nothing more; reading notices the close
		defer cancel()
		for {
			if _, _, err := ws.Read(ctx); err != nil {
				return
			}
		}
	}()
	ping := time.NewTicker(wsPing)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case u := <-updates:
			out := visitorUpdate{Update: u}
			if u.Message != nil {
				m := visitorMsg(r.PathValue("id"), *u.Message)
				out.Message = &m
			}
			if pushJSON(ctx, ws, out) != nil {
				return
			}
		case <-ping.C:
			if pingWS(ctx, ws) != nil {
				return
			}
		}
	}
}

// ChatChannels is what the messaging-platform webhook needs of package chat.
type ChatChannels interface {
	ChannelSecret(name string) ([]byte, bool)
	Inbound(ctx context.Context, channel, user, name, text string) (string, []record.ChatMessage, error)
}

// webhook takes a platform user's message through the generic adapter (package chat's
// channel.go): signed with the channel's secret, answered with the bot's reply.
func (c *Chat) webhook(w http.ResponseWriter, r *http.Request) {
	ch, ok := c.Service.(ChatChannels)
	name := r.PathValue("name")
	var secret []byte
	if ok {
		secret, ok = ch.ChannelSecret(name)
	}
	if !ok {
		writeError(w, http.StatusNotFound, "no chat channel "+name+" (chat.channels in hotline.yaml)")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxChatBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "request body over 16 KB")
		return
	}
	if err := chat.Verify(secret, r.Header.Get("X-Hotline-Timestamp"), r.Header.Get("X-Hotline-Signature"), body, time.Now()); err != nil {
		chatError(w, err)
		return
	}
	var in struct {
		User string `json:"user"`
		Name string `json:"name"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	if !c.allow(w, r, name+":"+in.User) {
		return
	}
	id, msgs, err := ch.Inbound(r.Context(), name, in.User, in.Name, in.Text)
	if err != nil {
		chatError(w, err)
		return
	}
	if msgs == nil {
		msgs = []record.ChatMessage{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"chat_id": id, "messages": msgs})
}

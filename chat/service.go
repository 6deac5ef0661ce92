package chat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/record"
)

// Store keeps chats durable (package store implements it).
type Store interface {
	PutChat(c *record.Chat) error
	OpenChats() ([]*record.Chat, error)
	AppendChatMessage(id string, m record.ChatMessage, image []byte) error
	ChatMessages(id string, after int64) ([]record.ChatMessage, error)
	ChatImage(id string, seq int64) ([]byte, error)
	PutTask(t *record.Task) error
}

// BotEngines gives a dialplan bot profile its engines (package engines implements it).
type BotEngines interface {
	ForProfile(p *dialplan.BotProfile) (bot.Config, error)
}

// Records takes the interaction record of an ended chat: redaction, storage and analysis, as
// for a call's.
type Records interface {
	PutCall(c *record.Call) error
}

// Settings are the chat channel's choices (the chat section of hotline.yaml).
type Settings struct {
	// Bot names the dialplan's bot profile that answers chats ("": no bot, straight to Queue).
	Bot string
	// Instructions are added to the bot's for the text channel (e.g. "answer in short paragraphs").
	Instructions string
	// Queue is where chats go when the bot escalates without naming one, or without a bot.
	Queue string
	// Calendar names the dialplan calendar of the chat's business hours ("": always open).
	Calendar string
	// IdentitySecret verifies a site's signed user ids (nil: identities are refused).
	IdentitySecret []byte
	// VIPTag is the customer tag whose chats queue at VIPPriority ("" no such tag).
	VIPTag      string
	VIPPriority int
	// BotContext tells the bot the customer's recent contacts (record.CustomerBrief.BotContext).
	BotContext bool

	OfferTimeout time.Duration // how long an offer waits for the agent (default 30 s)
	QueueTimeout time.Duration // how long a chat waits for an agent before it becomes a task (default 10 min)
	IdleTimeout  time.Duration // a chat with no message for this long ends (default 30 min)
	MaxMessage   int           // bytes of text per message (default 4096)
	MaxImage     int           // bytes per image (default 2 MiB)
}

// Config wires a Service.
type Config struct {
	Store     Store
	Records   Records
	Router    Router
	Desk      AgentDesk
	Customers Customers // nil: chats are not attached to profiles
	// Plan is the live dialplan: bot profiles, queues, calendars.
	Plan func() *dialplan.Plan
	// Bots gives a bot profile its engines (ASR and TTS are not used in text).
	Bots     BotEngines
	Settings Settings
	// Channels are the messaging platforms' adapters, by name (channel.go).
	Channels map[string]Channel
	Log      *slog.Logger
	Now      func() time.Time
}

// Errors the API maps to statuses.
var (
	ErrNotFound     = errors.New("chat: no such chat")               // 404
	ErrUnauthorized = errors.New("chat: bad or missing token")       // 401
	ErrEnded        = errors.New("chat: the chat has ended")         // 409
	ErrTooLong      = errors.New("chat: message too long")           // 413
	ErrEmpty        = errors.New("chat: empty message")              // 400
	ErrNotImage     = errors.New("chat: not an image")               // 415
	ErrIdentity     = errors.New("chat: identity signature invalid") // 401
	ErrClosed       = errors.New("chat: outside business hours")     // 503
	ErrBusy         = errors.New("chat: the chat is busy")           // 429: too many messages waiting
)

// Service runs every chat.
type Service struct {
	cfg Config
	log *slog.Logger
	ctx context.Context
	wg  sync.WaitGroup

	// started is when Start ran: chats wait RestartGrace from then for agents to sign in.
	started time.Time

	mu       sync.Mutex
	sessions map[string]*session
	external map[string]string // adapter name + "\x00" + platform user → open chat id
}

// RestartGrace is how long after a start a chat waits for a queue's agents to sign in again
// before an unstaffed queue turns it into a task.
const RestartGrace = 2 * time.Minute

// New makes the service; Run starts it.
func New(cfg Config) *Service {
	st := &cfg.Settings
	if st.OfferTimeout <= 0 {
		st.OfferTimeout = 30 * time.Second
	}
	if st.QueueTimeout <= 0 {
		st.QueueTimeout = 10 * time.Minute
	}
	if st.IdleTimeout <= 0 {
		st.IdleTimeout = 30 * time.Minute
	}
	if st.MaxMessage <= 0 {
		st.MaxMessage = 4096
	}
	if st.MaxImage <= 0 {
		st.MaxImage = 2 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Plan == nil {
		cfg.Plan = func() *dialplan.Plan { return nil }
	}
	return &Service{cfg: cfg, log: cfg.Log, ctx: context.Background(), sessions: map[string]*session{}, external: map[string]string{}}
}

// Start restores the chats a stop left open and runs them until ctx ends. A chat with an agent
// goes back to its queue: the agent's desktop reconnects to a new server.
func (s *Service) Start(ctx context.Context) error {
	s.ctx = ctx
	s.started = s.cfg.Now()
	open, err := s.cfg.Store.OpenChats()
	if err != nil {
		return fmt.Errorf("chat: restore: %w", err)
	}
	for _, c := range open {
		msgs, err := s.cfg.Store.ChatMessages(c.ID, 0)
		if err != nil {
			s.log.Error("chat: restoring a chat failed; it stays for the next start", "chat_id", c.ID, "error", err)
			continue
		}
		ss := s.newSession(c, msgs)
		s.mu.Lock()
		s.sessions[c.ID] = ss
		if c.External != "" {
			s.external[c.Source+"\x00"+c.External] = c.ID
		}
		s.mu.Unlock()
		if ch, ok := s.cfg.Channels[c.Source]; ok && ch.Callback != "" {
			s.forward(ss, ch, nil)
		}
		s.run(ss)
	}
	if len(open) > 0 {
		s.log.Info("chat: restored open chats", "chats", len(open))
	}
	return nil
}

// Wait waits for every chat's goroutine to stop (after Start's ctx ended).
func (s *Service) Wait() { s.wg.Wait() }

func (s *Service) run(ss *session) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ss.run(s.ctx)
		s.mu.Lock()
		if s.sessions[ss.id] == ss && ss.ended() {
			delete(s.sessions, ss.id)
			if ss.meta.External != "" {
				delete(s.external, ss.meta.Source+"\x00"+ss.meta.External)
			}
		}
		s.mu.Unlock()
	}()
}

// Start is a new chat's pre-chat data.
type Start struct {
	Name, Phone, Email string
	Language           string
	// UserID and Signature are a site's signed identity of a logged-in user.
	UserID, Signature string
	Origin, Page      string
	Address           string // the visitor's address
	// Source is "web" or an adapter's name; External the platform's user id.
	Source, External string
}

// Opened is a chat just started: its id and token (the token is given only once), and its
// first messages (the greeting).
type Opened struct {
	ID       string               `json:"id"`
	Token    string               `json:"token"`
	State    string               `json:"state"`
	Messages []record.ChatMessage `json:"messages"`
}

// Open reports whether chats are taken now (the business hours' calendar) and the calendar.
func (s *Service) Open() (bool, string) {
	name := s.cfg.Settings.Calendar
	if name == "" {
		return true, ""
	}
	p := s.cfg.Plan()
	if p == nil {
		return true, name
	}
	cal := p.Settings.Calendars[name]
	if cal == nil {
		return true, name
	}
	return cal.Open(s.cfg.Now()), name
}

// Create starts a chat.
func (s *Service) Create(ctx context.Context, in Start) (*Opened, error) {
	if open, _ := s.Open(); !open {
		return nil, ErrClosed
	}
	in.Name, in.Phone, in.Email = clip(in.Name, 100), clip(in.Phone, 40), clip(in.Email, 200)
	c := &record.Chat{ID: newID(), Source: orDefault(in.Source, "web"), External: in.External, Language: clip(in.Language, 16),
		Origin: clip(in.Origin, 200), Page: clip(in.Page, 500), Address: in.Address,
		Visitor: record.ChatVisitor{Name: in.Name, Phone: in.Phone, Email: in.Email}, State: record.ChatBot, Started: s.cfg.Now().UTC()}
	if in.UserID != "" || in.Signature != "" {
		if !VerifyIdentity(s.cfg.Settings.IdentitySecret, in.UserID, in.Signature) {
			return nil, ErrIdentity
		}
		c.Visitor.UserID = clip(in.UserID, 200)
	}
	token := newToken()
	sum := sha256.Sum256([]byte(token))
	c.TokenHash = sum[:]
	ss := s.newSession(c, nil)
	ss.identify(ctx)
	if err := s.cfg.Store.PutChat(c); err != nil {
		return nil, err
	}
	greeting := ss.greet()
	s.mu.Lock()
	s.sessions[c.ID] = ss
	if c.External != "" {
		s.external[c.Source+"\x00"+c.External] = c.ID
	}
	s.mu.Unlock()
	s.run(ss)
	s.log.Info("chat started", "chat_id", c.ID, "source", c.Source, "state", ss.state(), "customer", c.CustomerID)
	return &Opened{ID: c.ID, Token: token, State: ss.state(), Messages: greeting}, nil
}

// Session finds chat id for the holder of token. An unknown id and a wrong token give the
// same answer to a caller who has neither (no enumeration of ids): ErrNotFound only when the
// id does not exist at all, which a token-less caller cannot tell from ErrUnauthorized
// because the API asks for the token first.
func (s *Service) session(id, token string) (*session, error) {
	if token == "" {
		return nil, ErrUnauthorized
	}
	s.mu.Lock()
	ss := s.sessions[id]
	s.mu.Unlock()
	if ss == nil {
		return nil, ErrNotFound
	}
	sum := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(sum[:], ss.meta.TokenHash) != 1 {
		return nil, ErrUnauthorized
	}
	return ss, nil
}

// Post is a visitor's message; it returns once the bot's reply is complete, with the reply
// messages (none when the chat waits for or has an agent).
func (s *Service) Post(ctx context.Context, id, token, text string) ([]record.ChatMessage, error) {
	ss, err := s.session(id, token)
	if err != nil {
		return nil, err
	}
	return ss.post(ctx, input{text: text})
}

// Attach is a visitor's image; it returns the message that carries it.
func (s *Service) Attach(ctx context.Context, id, token string, image []byte) (record.ChatMessage, error) {
	ss, err := s.session(id, token)
	if err != nil {
		return record.ChatMessage{}, err
	}
	if len(image) > s.cfg.Settings.MaxImage {
		return record.ChatMessage{}, fmt.Errorf("%w: at most %d bytes", ErrTooLong, s.cfg.Settings.MaxImage)
	}
	kind := ImageType(image)
	if kind == "" {
		return record.ChatMessage{}, ErrNotImage
	}
	msgs, err := ss.post(ctx, input{image: image, imageType: kind})
	if err != nil || len(msgs) == 0 {
		return record.ChatMessage{}, err
	}
	return msgs[0], nil
}

// Image returns the image of message seq of chat id, for the visitor.
func (s *Service) Image(id, token string, seq int64) ([]byte, string, error) {
	ss, err := s.session(id, token)
	if err != nil {
		return nil, "", err
	}
	return s.image(ss, seq)
}

// StaffImage returns an image of any live chat, for staff (the web layer checks the role).
func (s *Service) StaffImage(id string, seq int64) ([]byte, string, error) {
	s.mu.Lock()
	ss := s.sessions[id]
	s.mu.Unlock()
	if ss == nil {
		img, err := s.cfg.Store.ChatImage(id, seq)
		if err != nil {
			return nil, "", ErrNotFound
		}
		return img, ImageType(img), nil
	}
	return s.image(ss, seq)
}

func (s *Service) image(ss *session, seq int64) ([]byte, string, error) {
	m, ok := ss.message(seq)
	if !ok || m.Image == "" {
		return nil, "", ErrNotFound
	}
	img, err := s.cfg.Store.ChatImage(ss.id, seq)
	if err != nil {
		return nil, "", ErrNotFound
	}
	return img, m.Image, nil
}

// Messages returns the thread after seq, with the chat's state and agent.
func (s *Service) Messages(id, token string, after int64) (Thread, error) {
	ss, err := s.session(id, token)
	if err != nil {
		return Thread{}, err
	}
	return ss.thread(after), nil
}

// Thread is a chat's messages as the visitor reads them.
type Thread struct {
	State    string               `json:"state"`
	Agent    string               `json:"agent,omitempty"`
	Messages []record.ChatMessage `json:"messages"`
}

// Typing tells the other side that the visitor is typing, or stopped.
func (s *Service) Typing(id, token string, on bool) error {
	ss, err := s.session(id, token)
	if err != nil {
		return err
	}
	ss.typing(on)
	return nil
}

// End ends the chat at the visitor's request.
func (s *Service) End(ctx context.Context, id, token string) error {
	ss, err := s.session(id, token)
	if err != nil {
		return err
	}
	_, err = ss.post(ctx, input{end: true})
	if errors.Is(err, ErrEnded) {
		return nil
	}
	return err
}

// Subscribe gives the chat's live updates to one of the visitor's sockets until cancel.
func (s *Service) Subscribe(id, token string) (<-chan Update, func(), error) {
	ss, err := s.session(id, token)
	if err != nil {
		return nil, nil, err
	}
	ch, cancel := ss.subscribe()
	return ch, cancel, nil
}

// Update is a live event for the visitor's socket.
type Update struct {
	Type    string              `json:"type"` // "message", "typing", "state"
	Message *record.ChatMessage `json:"message,omitempty"`
	From    string              `json:"from,omitempty"`
	Typing  bool                `json:"typing,omitempty"`
	State   string              `json:"state,omitempty"`
	Agent   string              `json:"agent,omitempty"`
}

// Live is one chat going on, for the supervisor.
type Live struct {
	ID       string    `json:"id"`
	State    string    `json:"state"`
	Queue    string    `json:"queue,omitempty"`
	Agent    string    `json:"agent,omitempty"`
	Visitor  string    `json:"visitor,omitempty"`
	Started  time.Time `json:"started"`
	LastText string    `json:"last_text,omitempty"`
	Messages int       `json:"messages"`
	Source   string    `json:"source"`
}

// LiveChats lists the chats going on, oldest first.
func (s *Service) LiveChats() []Live {
	s.mu.Lock()
	list := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		list = append(list, ss)
	}
	s.mu.Unlock()
	out := make([]Live, 0, len(list))
	for _, ss := range list {
		if l, ok := ss.live(); ok {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out
}

// Offline stores a message left outside business hours as a task for agents.
func (s *Service) Offline(in Start, text string) (*record.Task, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, ErrEmpty
	}
	if len(text) > s.cfg.Settings.MaxMessage {
		return nil, fmt.Errorf("%w: at most %d bytes", ErrTooLong, s.cfg.Settings.MaxMessage)
	}
	if strings.TrimSpace(in.Phone) == "" && strings.TrimSpace(in.Email) == "" {
		return nil, fmt.Errorf("%w: leave a phone number or an e-mail address so we can answer", ErrEmpty)
	}
	t := &record.Task{ID: newID(), Kind: record.TaskOfflineMessage, Name: clip(in.Name, 100), Phone: clip(in.Phone, 40),
		Email: clip(in.Email, 200), Text: text, Language: clip(in.Language, 16), Created: s.cfg.Now().UTC()}
	if err := s.cfg.Store.PutTask(t); err != nil {
		return nil, err
	}
	s.log.Info("chat: offline message stored as a task", "task", t.ID)
	return t, nil
}

// checkText validates a message's text.
func (s *Service) checkText(text string) (string, error) {
	if len(text) > s.cfg.Settings.MaxMessage {
		return "", fmt.Errorf("%w: at most %d bytes", ErrTooLong, s.cfg.Settings.MaxMessage)
	}
	if !utf8.ValidString(text) {
		return "", fmt.Errorf("%w: not UTF-8", ErrEmpty)
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return "", ErrEmpty
	}
	return text, nil
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "chat-" + base64.RawURLEncoding.EncodeToString(b[:])
}

func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

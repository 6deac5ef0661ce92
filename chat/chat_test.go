package chat_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/chat"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/store"
)

// fakeDesk hands each offer to the test, which accepts (with a side) or refuses it.
type fakeDesk struct{ offers chan pendingOffer }

type pendingOffer struct {
	agent  string
	offer  chat.Offer
	answer chan *side // nil: refused
}

func (d *fakeDesk) OfferChat(ctx context.Context, agent string, o chat.Offer) (chat.AgentSide, error) {
	p := pendingOffer{agent: agent, offer: o, answer: make(chan *side, 1)}
	d.offers <- p
	select {
	case s := <-p.answer:
		if s == nil {
			return nil, errors.New("refused")
		}
		return s, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type side struct {
	mu   sync.Mutex
	got  []chat.Event
	evs  chan chat.Event
	seen chan chat.Event
}

func newSide() *side { return &side{evs: make(chan chat.Event, 8), seen: make(chan chat.Event, 16)} }

func (s *side) Deliver(ev chat.Event)     { s.seen <- ev }
func (s *side) Events() <-chan chat.Event { return s.evs }

type fixedBots struct{ cfg bot.Config }

func (b fixedBots) ForProfile(*dialplan.BotProfile) (bot.Config, error) { return b.cfg, nil }

type records struct {
	mu  sync.Mutex
	got map[string]*record.Call
}

func (r *records) PutCall(c *record.Call) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got[c.ID] = c
	return nil
}

func (r *records) get(id string) *record.Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[id]
}

type rig struct {
	svc    *chat.Service
	st     *store.Store
	acd    *acd.ACD
	desk   *fakeDesk
	recs   *records
	cancel context.CancelFunc
	cfg    chat.Config
}

func newRig(t *testing.T, path string) *rig {
	t.Helper()
	plan, errs, err := dialplan.Load("../configs/dialplan.yaml", dialplan.Options{})
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	ix, err := kb.Open(context.Background(), kb.Options{Dir: "../configs/kb"})
	if err != nil {
		t.Fatal(err)
	}
	if path == "" {
		path = filepath.Join(t.TempDir(), "hotline.db")
	}
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	a := acd.New(nil)
	for _, id := range []string{"alice", "bob"} {
		a.SetAgent(id, strings.ToUpper(id[:1])+id[1:])
	}
	r := &rig{st: st, acd: a, desk: &fakeDesk{offers: make(chan pendingOffer, 4)}, recs: &records{got: map[string]*record.Call{}}}
	r.cfg = chat.Config{Store: st, Records: r.recs, Router: a, Desk: r.desk, Plan: func() *dialplan.Plan { return plan },
		Bots:     fixedBots{bot.Config{Dialog: dialog.NewRetrieval(ix, 0), KB: ix}},
		Settings: chat.Settings{Bot: "assistant", Queue: "support", OfferTimeout: 2 * time.Second}}
	r.start(t)
	return r
}

func (r *rig) start(t *testing.T) {
	t.Helper()
	r.svc = chat.New(r.cfg)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	if err := r.svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.stop)
}

func (r *rig) stop() {
	r.cancel()
	r.svc.Wait()
}

func (r *rig) online(agent string) {
	r.acd.SetDevice(agent, acd.DeviceWeb, true)
	_ = r.acd.SetState(agent, acd.Available, "")
}

func (r *rig) nextOffer(t *testing.T) pendingOffer {
	t.Helper()
	select {
	case p := <-r.desk.offers:
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("no chat offer")
		return pendingOffer{}
	}
}

func seen(t *testing.T, s *side) chat.Event {
	t.Helper()
	select {
	case ev := <-s.seen:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("agent saw nothing")
		return chat.Event{}
	}
}

// TestChatBotThenAgent: the bot answers from the knowledge base, a request for a person
// queues the chat, the agent who refused is passed over for the next, messages go both ways,
// and the ended chat's record carries the whole thread.
func TestChatBotThenAgent(t *testing.T) {
	r := newRig(t, "")
	r.online("alice")
	r.online("bob")
	ctx := context.Background()
	op, err := r.svc.Create(ctx, chat.Start{Name: "Li", Phone: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	if len(op.Messages) != 1 || op.Messages[0].From != record.FromBot || !strings.Contains(op.Messages[0].Text, "virtual assistant") {
		t.Fatalf("greeting %+v", op.Messages)
	}
	if _, err := r.svc.Post(ctx, op.ID, "wrong", "hi"); !errors.Is(err, chat.ErrUnauthorized) {
		t.Fatalf("wrong token: %v", err)
	}
	if _, err := r.svc.Post(ctx, "chat-nope", op.Token, "hi"); !errors.Is(err, chat.ErrNotFound) {
		t.Fatalf("unknown chat: %v", err)
	}
	if _, err := r.svc.Post(ctx, op.ID, op.Token, strings.Repeat("x", 4097)); !errors.Is(err, chat.ErrTooLong) {
		t.Fatalf("5 KB message: %v", err)
	}
	msgs, err := r.svc.Post(ctx, op.ID, op.Token, "What are your opening hours?")
	if err != nil || len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Monday to Friday") {
		t.Fatalf("bot reply %+v %v", msgs, err)
	}
	ch, cancel, err := r.svc.Subscribe(op.ID, op.Token)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	if _, err := r.svc.Post(ctx, op.ID, op.Token, "I want to talk to an agent"); err != nil {
		t.Fatal(err)
	}
	p := r.nextOffer(t)
	if p.offer.Handoff == nil || p.offer.Handoff.Queue != "support" || len(p.offer.Thread) < 4 {
		t.Fatalf("offer %+v", p.offer)
	}
	first := p.agent
	p.answer <- nil // refused: that agent goes on break, the other gets it
	p = r.nextOffer(t)
	if p.agent == first {
		t.Fatalf("offered to %s again after a refusal", first)
	}
	s := newSide()
	p.answer <- s
	waitState(t, ch, record.ChatAgent)
	if _, err := r.svc.Post(ctx, op.ID, op.Token, "<img src=x onerror=alert(1)>"); err != nil {
		t.Fatal(err)
	}
	if ev := seen(t, s); ev.Kind != chat.EventMessage || ev.Text != "<img src=x onerror=alert(1)>" {
		t.Fatalf("agent saw %+v", ev)
	}
	s.evs <- chat.Event{Kind: chat.EventMessage, From: record.SpeakerAgent, Text: "Hello, how can I help?"}
	th := waitMessage(t, r.svc, op, record.FromAgent)
	if th.Agent == "" || th.State != record.ChatAgent {
		t.Fatalf("thread %+v", th)
	}
	s.evs <- chat.Event{Kind: chat.EventEnded, From: record.SpeakerAgent, Cause: "agent_ended"}
	waitState(t, ch, record.ChatEnded)
	if _, err := r.svc.Post(ctx, op.ID, op.Token, "still there?"); !errors.Is(err, chat.ErrEnded) {
		t.Fatalf("post after end: %v", err)
	}
	rec := waitRecord(t, r.recs, op.ID)
	if rec.Channel != record.ChannelChat || rec.Agent != p.agent || rec.Disposition != record.DispositionAnswered || rec.Handoff == nil {
		t.Fatalf("record %+v", rec)
	}
	var speakers []string
	for _, tu := range rec.Transcript {
		speakers = append(speakers, tu.Speaker)
	}
	if got := strings.Join(speakers, ","); got != "bot,caller,bot,caller,bot,caller,agent" {
		t.Fatalf("record speakers %s", got)
	}
	if st, _ := r.acd.Agent(p.agent); len(st.Chats) != 0 {
		t.Fatalf("agent keeps chats %v", st.Chats)
	}
}

func waitState(t *testing.T, ch <-chan chat.Update, state string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case u := <-ch:
			if u.Type == "state" && u.State == state {
				return
			}
		case <-deadline:
			t.Fatalf("chat never reached %s", state)
		}
	}
}

func waitMessage(t *testing.T, svc *chat.Service, op *chat.Opened, from string) chat.Thread {
	t.Helper()
	for range 500 {
		th, err := svc.Messages(op.ID, op.Token, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range th.Messages {
			if m.From == from {
				return th
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no message from %s", from)
	return chat.Thread{}
}

func waitRecord(t *testing.T, recs *records, id string) *record.Call {
	t.Helper()
	for range 500 {
		if c := recs.get(id); c != nil {
			return c
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no record of %s", id)
	return nil
}

// TestChatSurvivesRestart: a queued chat comes back after a stop with its thread and token,
// and still reaches an agent.
func TestChatSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	r := newRig(t, path)
	r.online("alice")
	ctx := context.Background()
	op, err := r.svc.Create(ctx, chat.Start{Language: "zh-CN"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Post(ctx, op.ID, op.Token, "转人工"); err != nil {
		t.Fatal(err)
	}
	p := r.nextOffer(t)
	r.stop() // the offer's context ends with the service
	select {
	case p.answer <- nil:
	default:
	}
	r.st.Close()
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r.st, r.cfg.Store = st, st
	r.acd.NotAnswered(op.ID, p.agent, "")
	r.acd.Leave(op.ID)
	// The agents' desktops have not signed in again yet: the chat waits for them.
	r.acd.SetDevice("alice", acd.DeviceWeb, false)
	r.start(t)
	time.Sleep(100 * time.Millisecond)
	th, err := r.svc.Messages(op.ID, op.Token, 0)
	if err != nil || th.State != record.ChatQueued {
		t.Fatalf("restored thread %+v %v", th, err)
	}
	if th.Messages[0].Text != "您好，我是智能助手，请问有什么可以帮您？" {
		t.Fatalf("Chinese greeting lost: %+v", th.Messages[0])
	}
	r.online("alice")
	p = r.nextOffer(t)
	if p.agent != "alice" {
		t.Fatalf("offer to %s", p.agent)
	}
	p.answer <- newSide()
	waitMessage(t, r.svc, op, record.FromSystem)
}

// TestChatIdentity: a signed identity is accepted, a forged one refused.
func TestChatIdentity(t *testing.T) {
	r := newRig(t, "")
	secret := []byte("site-secret")
	r.stop()
	r.cfg.Settings.IdentitySecret = secret
	r.start(t)
	ctx := context.Background()
	if _, err := r.svc.Create(ctx, chat.Start{UserID: "u42", Signature: chat.SignIdentity(secret, "u42")}); err != nil {
		t.Fatalf("signed identity refused: %v", err)
	}
	if _, err := r.svc.Create(ctx, chat.Start{UserID: "u43", Signature: chat.SignIdentity(secret, "u42")}); !errors.Is(err, chat.ErrIdentity) {
		t.Fatalf("forged identity: %v", err)
	}
}

package chat

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/record"
)

// A chat runs in one goroutine, straight-line: the bot answers (botPhase), then the chat waits
// in a queue (queuePhase), then an agent has it (agentPhase), then it ends (finish). That
// goroutine is the only writer of the thread; the API's requests reach it through the inbox
// and get their answer back on a channel. A stop leaves the chat open on disk; the next start
// goes on where it was (a chat with an agent queues again, since the desktop reconnects).

// inboxSize is how many visitor inputs may wait while the chat is busy (the bot thinking);
// beyond it a visitor gets ErrBusy.
const inboxSize = 8

// subBuffer is how far a visitor's socket may fall behind before updates to it are dropped
// (the widget catches up with GET messages when it reconnects).
const subBuffer = 32

type input struct {
	text      string
	image     []byte
	imageType string
	end       bool
	typing    int // 1 on, -1 off (no reply expected)
	reply     chan result
}

type result struct {
	msgs []record.ChatMessage
	err  error
}

type session struct {
	svc   *Service
	id    string
	log   *slog.Logger
	inbox chan input

	mu    sync.Mutex // guards what follows: the API reads it
	meta  *record.Chat
	msgs  []record.ChatMessage
	subs  map[int]chan Update
	nsub  int
	brief *record.CustomerBrief
}

func (s *Service) newSession(c *record.Chat, msgs []record.ChatMessage) *session {
	return &session{svc: s, id: c.ID, log: s.log.With("chat_id", c.ID), inbox: make(chan input, inboxSize),
		meta: c, msgs: msgs, subs: map[int]chan Update{}}
}

func (ss *session) state() string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.meta.State
}

func (ss *session) ended() bool { return ss.state() == record.ChatEnded }

func (ss *session) zh() bool { return strings.HasPrefix(strings.ToLower(ss.meta.Language), "zh") }

// notice is one of the chat's own lines in the visitor's language.
func (ss *session) notice(key string, args ...string) string {
	l := notices[key][0]
	if ss.zh() {
		l = notices[key][1]
	}
	for i := 0; i+1 < len(args); i += 2 {
		l = strings.ReplaceAll(l, "{"+args[i]+"}", args[i+1])
	}
	return l
}

var notices = map[string][2]string{
	"waiting":   {"Please wait a moment, an agent will be with you shortly.", "请稍候，客服人员马上为您服务。"},
	"joined":    {"You are now chatting with {agent}.", "{agent} 正在为您服务。"},
	"left":      {"{agent} had to leave. Connecting you to another agent…", "{agent} 已离开，正在为您转接其他客服…"},
	"noAgent":   {"No agent is available right now. We have kept your message and will get back to you.", "目前没有客服在线。我们已保存您的留言，会尽快与您联系。"},
	"ended":     {"The chat has ended. Thank you.", "对话已结束，谢谢。"},
	"idle":      {"The chat was closed after a long time without messages.", "由于长时间没有消息，对话已关闭。"},
	"imageOnly": {"Thanks, an agent will look at the picture.", "收到图片，客服人员会查看。"},
}

// ---- the API's side ----

// post hands an input to the chat and waits for its answer.
func (ss *session) post(ctx context.Context, in input) ([]record.ChatMessage, error) {
	if in.text != "" || (in.image == nil && !in.end) {
		t, err := ss.svc.checkText(in.text)
		if err != nil {
			return nil, err
		}
		in.text = t
	}
	if ss.ended() {
		return nil, ErrEnded
	}
	in.reply = make(chan result, 1)
	select {
	case ss.inbox <- in:
	default:
		return nil, ErrBusy
	}
	select {
	case r := <-in.reply:
		return r.msgs, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (ss *session) typing(on bool) {
	in := input{typing: -1}
	if on {
		in.typing = 1
	}
	select {
	case ss.inbox <- in:
	default: // busy: a typing hint is not worth waiting for
	}
}

func (ss *session) message(seq int64) (record.ChatMessage, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	i, ok := slices.BinarySearchFunc(ss.msgs, seq, func(m record.ChatMessage, s int64) int { return int(m.Seq - s) })
	if !ok {
		return record.ChatMessage{}, false
	}
	return ss.msgs[i], true
}

func (ss *session) thread(after int64) Thread {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	t := Thread{State: ss.meta.State, Agent: ss.meta.AgentName, Messages: []record.ChatMessage{}}
	for _, m := range ss.msgs {
		if m.Seq > after {
			t.Messages = append(t.Messages, m)
		}
	}
	return t
}

func (ss *session) subscribe() (<-chan Update, func()) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.nsub++
	n := ss.nsub
	ch := make(chan Update, subBuffer)
	ss.subs[n] = ch
	return ch, func() {
		ss.mu.Lock()
		defer ss.mu.Unlock()
		delete(ss.subs, n)
	}
}

func (ss *session) publishLocked(u Update) {
	for _, ch := range ss.subs {
		select {
		case ch <- u:
		default:
		}
	}
}

func (ss *session) publish(u Update) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.publishLocked(u)
}

func (ss *session) live() (Live, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	c := ss.meta
	if c.State == record.ChatEnded {
		return Live{}, false
	}
	l := Live{ID: c.ID, State: c.State, Queue: c.Queue, Agent: c.Agent, Visitor: orDefault(c.Visitor.Name, orDefault(c.Visitor.Phone, c.Visitor.Email)),
		Started: c.Started, Messages: len(ss.msgs), Source: c.Source}
	if n := len(ss.msgs); n > 0 {
		l.LastText = clip(ss.msgs[n-1].Text, 120)
	}
	return l, true
}

// ---- the chat's goroutine ----

// add appends a message to the thread: on disk first, then in memory and to the sockets.
func (ss *session) add(m record.ChatMessage, image []byte) (record.ChatMessage, error) {
	ss.mu.Lock()
	var seq int64 = 1
	if n := len(ss.msgs); n > 0 {
		seq = ss.msgs[n-1].Seq + 1
	}
	ss.mu.Unlock()
	m.Seq, m.At = seq, ss.svc.cfg.Now().UTC()
	if err := ss.svc.cfg.Store.AppendChatMessage(ss.id, m, image); err != nil {
		ss.log.Error("chat: storing a message failed", "error", err)
		return m, err
	}
	ss.mu.Lock()
	ss.msgs = append(ss.msgs, m)
	ss.publishLocked(Update{Type: "message", Message: &m})
	ss.mu.Unlock()
	return m, nil
}

// say adds lines as one author's messages.
func (ss *session) say(from, name string, lines ...string) []record.ChatMessage {
	var out []record.ChatMessage
	for _, l := range lines {
		if m, err := ss.add(record.ChatMessage{From: from, Name: name, Text: l}, nil); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// setState changes the chat's state on disk and tells the sockets.
func (ss *session) setState(f func(c *record.Chat)) {
	ss.mu.Lock()
	f(ss.meta)
	c := *ss.meta
	ss.publishLocked(Update{Type: "state", State: c.State, Agent: c.AgentName})
	ss.mu.Unlock()
	if err := ss.svc.cfg.Store.PutChat(&c); err != nil {
		ss.log.Error("chat: storing its state failed", "state", c.State, "error", err)
	}
}

// visitorSaid stores a visitor's input as a message.
func (ss *session) visitorSaid(in input) (record.ChatMessage, error) {
	return ss.add(record.ChatMessage{From: record.FromVisitor, Text: in.text, Image: in.imageType}, in.image)
}

// identify attaches the chat to a customer profile by what the visitor gave.
func (ss *session) identify(ctx context.Context) {
	cu := ss.svc.cfg.Customers
	c := ss.meta
	if cu == nil {
		return
	}
	ids := record.Identifiers{Phone: c.Visitor.Phone, Email: c.Visitor.Email, Name: c.Visitor.Name}
	switch {
	case c.Visitor.UserID != "":
		ids.ChatUser = c.Source + ":" + c.Visitor.UserID
	case c.External != "":
		ids.ChatUser = c.Source + ":" + c.External // the platform signed it
	}
	if ids.Phone == "" && ids.Email == "" && ids.ChatUser == "" {
		return
	}
	b, err := cu.Identify(ctx, ids, c.ID)
	if err != nil {
		ss.log.Warn("chat: identifying the customer failed", "error", err)
		return
	}
	ss.brief = b
	c.CustomerID = b.ID
}

// profile is the bot that answers the chat and its engines, if any.
func (ss *session) profile() (bot.Profile, bot.Config, bool) {
	st := ss.svc.cfg.Settings
	p := ss.svc.cfg.Plan()
	if st.Bot == "" || p == nil || p.Bots[st.Bot] == nil || ss.svc.cfg.Bots == nil {
		return bot.Profile{}, bot.Config{}, false
	}
	cfg, err := ss.svc.cfg.Bots.ForProfile(p.Bots[st.Bot])
	if err != nil {
		ss.log.Error("chat: the bot's engines are not available; the chat goes to an agent", "bot", st.Bot, "error", err)
		return bot.Profile{}, bot.Config{}, false
	}
	prof := ivr.BotProfile(p.Bots[st.Bot], ss.meta.Language, func(s string) string { return s })
	if st.Instructions != "" {
		prof.Instructions = strings.TrimSpace(prof.Instructions + "\n" + st.Instructions)
	}
	if ctx := ss.brief.BotContext(); st.BotContext && ctx != "" {
		prof.Instructions = strings.TrimSpace(prof.Instructions + "\n" + ctx)
	}
	if prof.EscalateQueue == "" {
		prof.EscalateQueue = st.Queue
	}
	return prof, cfg, true
}

// greet adds the bot's greeting to a new chat.
func (ss *session) greet() []record.ChatMessage {
	p, _, ok := ss.profile()
	if !ok || p.Greeting == "" {
		return []record.ChatMessage{}
	}
	return ss.say(record.FromBot, "", p.Greeting)
}

func (ss *session) run(ctx context.Context) {
	if ss.state() == record.ChatAgent { // restored: the agent's desktop is not ours any more
		ss.setState(func(c *record.Chat) { c.State, c.Agent, c.AgentName = record.ChatQueued, "", "" })
	}
	for ctx.Err() == nil {
		switch ss.state() {
		case record.ChatBot:
			ss.botPhase(ctx)
		case record.ChatQueued:
			ss.queuePhase(ctx)
		default:
			return
		}
	}
}

func (ss *session) transcript() []record.Turn {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return turnsOf(ss.msgs)
}

func turnsOf(msgs []record.ChatMessage) []record.Turn {
	out := make([]record.Turn, 0, len(msgs))
	for _, m := range msgs {
		var sp string
		switch m.From {
		case record.FromVisitor:
			sp = record.SpeakerCaller
		case record.FromBot:
			sp = record.SpeakerBot
		case record.FromAgent:
			sp = record.SpeakerAgent
		default:
			continue
		}
		text := m.Text
		if m.Image != "" && text == "" {
			text = "[image]"
		}
		out = append(out, record.Turn{Speaker: sp, Text: text, Start: m.At, End: m.At})
	}
	return out
}

// threadOf is msgs as the message events an agent's desk shows; system notices are left out.
func threadOf(id string, msgs []record.ChatMessage) []Event {
	turns := turnsOf(msgs)
	out := make([]Event, 0, len(turns))
	i := 0
	for _, m := range msgs {
		if m.From != record.FromVisitor && m.From != record.FromBot && m.From != record.FromAgent {
			continue
		}
		ev := Event{Kind: EventMessage, From: turns[i].Speaker, Text: m.Text, At: m.At}
		if m.Image != "" {
			ev.Attachment = StaffImagePath(id, m.Seq)
		}
		out = append(out, ev)
		i++
	}
	return out
}

func (ss *session) botPhase(ctx context.Context) {
	prof, cfg, ok := ss.profile()
	if !ok {
		ss.toQueue(ss.svc.cfg.Settings.Queue, nil)
		return
	}
	tx := bot.NewText(cfg, prof, ss.id, ss.transcript())
	idle := time.NewTimer(ss.svc.cfg.Settings.IdleTimeout)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-idle.C:
			ss.finish("idle", ss.notice("idle"))
			return
		case in := <-ss.inbox:
			if in.typing != 0 {
				continue
			}
			if in.end {
				ss.finish("visitor_ended", "")
				in.reply <- result{}
				return
			}
			if _, err := ss.visitorSaid(in); err != nil {
				in.reply <- result{err: err}
				continue
			}
			idle.Reset(ss.svc.cfg.Settings.IdleTimeout)
			if in.text == "" { // a picture: the bot cannot look at it
				in.reply <- result{msgs: ss.say(record.FromBot, "", ss.notice("imageOnly"))}
				continue
			}
			ss.publish(Update{Type: "typing", From: record.FromBot, Typing: true})
			r := tx.Reply(ctx, in.text)
			ss.publish(Update{Type: "typing", From: record.FromBot, Typing: false})
			in.reply <- result{msgs: ss.say(record.FromBot, "", r.Lines...)}
			if r.Result == nil {
				continue
			}
			if r.Result.Outcome == bot.OutcomeEscalate && r.Result.Handoff != nil {
				ss.toQueue(r.Result.Handoff.Queue, r.Result.Handoff)
				return
			}
			ss.finish("bot_"+string(r.Result.Outcome), "")
			return
		}
	}
}

func (ss *session) toQueue(queue string, h *record.Handoff) {
	if queue == "" {
		queue = ss.svc.cfg.Settings.Queue
	}
	now := ss.svc.cfg.Now().UTC()
	ss.setState(func(c *record.Chat) { c.State, c.Queue, c.Handoff, c.Queued = record.ChatQueued, queue, h, now })
	ss.log.Info("chat queued", "queue", queue)
}

// queueSpec is the routing of the chat's queue in the live dialplan.
func (ss *session) queueSpec() (acd.QueueSpec, bool) {
	p := ss.svc.cfg.Plan()
	if p == nil {
		return acd.QueueSpec{}, false
	}
	q := p.Queues[ss.meta.Queue]
	if q == nil {
		q = p.Queues[ss.svc.cfg.Settings.Queue]
	}
	if q == nil {
		return acd.QueueSpec{}, false
	}
	return ivr.QueueSpec(q), true
}

func (ss *session) priority() int {
	st := ss.svc.cfg.Settings
	if st.VIPTag != "" && ss.brief != nil && slices.Contains(ss.brief.Tags, st.VIPTag) {
		return st.VIPPriority
	}
	return 0
}

type offered struct {
	agent string
	side  AgentSide
	err   error
	late  bool // the offer's time ran out
}

func (ss *session) queuePhase(ctx context.Context) {
	rt := ss.svc.cfg.Router
	spec, ok := ss.queueSpec()
	if !ok {
		ss.noAgent("no such queue: " + ss.meta.Queue)
		return
	}
	// Right after a start the agents' desktops are still signing in again: a chat the stop left
	// queued (or a new one) waits for them until the grace ends, instead of becoming a task.
	var unstaffed <-chan time.Time
	if !rt.Staffed(spec) {
		grace := ss.svc.started.Add(RestartGrace).Sub(ss.svc.cfg.Now())
		if grace <= 0 {
			ss.noAgent("nobody staffs queue " + spec.Name)
			return
		}
		ss.log.Info("chat: waiting for agents to sign in after the start", "queue", spec.Name, "grace", grace.Round(time.Second).String())
		t := time.NewTimer(grace)
		defer t.Stop()
		unstaffed = t.C
	}
	if err := rt.EnqueueChat(spec, ss.id, ss.priority()); err != nil {
		ss.noAgent(err.Error())
		return
	}
	left := true // leave the queue on the way out unless an agent took the chat
	defer func() {
		if left {
			rt.Leave(ss.id)
		}
	}()
	ss.say(record.FromSystem, "", ss.notice("waiting"))
	wait := ss.svc.cfg.Settings.QueueTimeout - ss.svc.cfg.Now().Sub(ss.meta.Queued)
	deadline := time.NewTimer(max(wait, time.Second))
	defer deadline.Stop()
	var (
		pending chan offered
		stop    chan struct{} // closed: withdraw the pending offer
	)
	cancelOffer := func() {
		if stop != nil {
			close(stop)
			stop = nil
		}
	}
	defer func() { cancelOffer() }()
	for {
		changed := rt.Changed()
		if pending == nil {
			if agents, ok := rt.Offer(ss.id); ok {
				pending, stop = make(chan offered, 1), make(chan struct{})
				go ss.offer(ctx, agents[0], stop, pending)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-unstaffed:
			unstaffed = nil
			if !rt.Staffed(spec) {
				ss.withdraw(pending, cancelOffer)
				rt.Leave(ss.id)
				left = false
				ss.noAgent("nobody staffs queue " + spec.Name)
				return
			}
		case <-deadline.C:
			ss.withdraw(pending, cancelOffer)
			rt.Leave(ss.id)
			left = false
			ss.noAgent("queue timeout")
			return
		case <-changed:
		case in := <-ss.inbox:
			switch {
			case in.typing != 0:
			case in.end:
				ss.withdraw(pending, cancelOffer)
				ss.finish("visitor_ended", "")
				in.reply <- result{}
				return
			default:
				_, err := ss.visitorSaid(in)
				in.reply <- result{err: err}
			}
		case o := <-pending:
			pending = nil
			cancelOffer()
			if o.err != nil {
				reason := acd.ReasonRejected
				if o.late {
					reason = acd.ReasonNoAnswer
				}
				ss.log.Info("chat offer not taken", "agent", o.agent, "reason", reason, "error", o.err)
				rt.NotAnswered(ss.id, o.agent, reason)
				continue
			}
			rt.Answered(ss.id, o.agent)
			left = false
			ss.agentPhase(ctx, o.agent, o.side)
			return
		}
	}
}

// offer offers the chat to agent for at most the offer timeout, or until stop is closed, and
// reports how it went on done.
func (ss *session) offer(ctx context.Context, agent string, stop <-chan struct{}, done chan<- offered) {
	ctx, cancel := context.WithTimeout(ctx, ss.svc.cfg.Settings.OfferTimeout)
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	ss.mu.Lock()
	c := *ss.meta
	o := Offer{ChatID: c.ID, Queue: c.Queue, Visitor: c.Visitor.Name, Contact: orDefault(c.Visitor.Phone, c.Visitor.Email),
		Language: c.Language, Waited: ss.svc.cfg.Now().Sub(c.Queued), Handoff: c.Handoff, Thread: threadOf(ss.id, ss.msgs), Customer: ss.brief}
	ss.mu.Unlock()
	side, err := ss.svc.cfg.Desk.OfferChat(ctx, agent, o)
	done <- offered{agent: agent, side: side, err: err, late: err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded)}
}

// withdraw ends a pending offer: the agent's desktop stops showing it, and an agent who
// accepted in the same moment is released.
func (ss *session) withdraw(pending chan offered, cancel func()) {
	if pending == nil {
		return
	}
	cancel()
	o := <-pending
	rt := ss.svc.cfg.Router
	if o.err == nil {
		o.side.Deliver(Event{Kind: EventEnded, From: record.SpeakerCaller, At: ss.svc.cfg.Now(), Cause: "visitor_left"})
		rt.ChatEnded(o.agent, ss.id)
	}
	rt.NotAnswered(ss.id, o.agent, "")
}

func (ss *session) agentPhase(ctx context.Context, agent string, side AgentSide) {
	rt := ss.svc.cfg.Router
	name := agent
	if st, ok := rt.Agent(agent); ok && st.Name != "" {
		name = st.Name
	}
	now := ss.svc.cfg.Now().UTC()
	ss.setState(func(c *record.Chat) {
		c.State, c.Agent, c.AgentName = record.ChatAgent, agent, name
		if c.Answered.IsZero() {
			c.Answered = now
		}
	})
	ss.log.Info("chat answered", "agent", agent)
	ss.say(record.FromSystem, "", ss.notice("joined", "agent", name))
	idle := time.NewTimer(ss.svc.cfg.Settings.IdleTimeout)
	defer idle.Stop()
	events := side.Events()
	for {
		select {
		case <-ctx.Done():
			return
		case <-idle.C:
			side.Deliver(Event{Kind: EventEnded, From: record.SpeakerCaller, At: ss.svc.cfg.Now(), Cause: "idle"})
			ss.finish("idle", ss.notice("idle"))
			return
		case in := <-ss.inbox:
			switch {
			case in.typing != 0:
				side.Deliver(Event{Kind: EventTyping, From: record.SpeakerCaller, Text: typingText(in.typing), At: ss.svc.cfg.Now()})
			case in.end:
				side.Deliver(Event{Kind: EventEnded, From: record.SpeakerCaller, At: ss.svc.cfg.Now(), Cause: "visitor_ended"})
				ss.finish("visitor_ended", "")
				in.reply <- result{}
				return
			default:
				m, err := ss.visitorSaid(in)
				in.reply <- result{err: err}
				if err == nil {
					idle.Reset(ss.svc.cfg.Settings.IdleTimeout)
					ev := Event{Kind: EventMessage, From: record.SpeakerCaller, Text: m.Text, At: m.At}
					if m.Image != "" {
						ev.Attachment = StaffImagePath(ss.id, m.Seq)
					}
					side.Deliver(ev)
				}
			}
		case ev, ok := <-events:
			if !ok { // the agent's side is gone: queue again
				rt.ChatEnded(agent, ss.id)
				ss.say(record.FromSystem, "", ss.notice("left", "agent", name))
				ss.setState(func(c *record.Chat) {
					c.State, c.Agent, c.AgentName, c.Queued = record.ChatQueued, "", "", ss.svc.cfg.Now().UTC()
				})
				return
			}
			switch ev.Kind {
			case EventMessage:
				text, err := ss.svc.checkText(ev.Text)
				if err != nil {
					continue
				}
				idle.Reset(ss.svc.cfg.Settings.IdleTimeout)
				ss.say(record.FromAgent, name, text)
			case EventTyping:
				ss.publish(Update{Type: "typing", From: record.FromAgent, Typing: ev.Text != "off"})
			case EventEnded:
				ss.finish(orDefault(ev.Cause, "agent_ended"), ss.notice("ended"))
				return
			}
		}
	}
}

// typingText carries typing on or off in Event.Text.
func typingText(n int) string {
	if n > 0 {
		return "on"
	}
	return "off"
}

// StaffImagePath is where staff read the image of message seq of chat id.
func StaffImagePath(id string, seq int64) string {
	return "/api/chats/" + id + "/images/" + strconv.FormatInt(seq, 10)
}

// noAgent ends a chat no agent can take: what the visitor wrote becomes a task.
func (ss *session) noAgent(why string) {
	ss.log.Info("chat: no agent", "why", why)
	ss.mu.Lock()
	c := *ss.meta
	var said []string
	for _, m := range ss.msgs {
		if m.From == record.FromVisitor && m.Text != "" {
			said = append(said, m.Text)
		}
	}
	ss.mu.Unlock()
	if c.Visitor.Phone != "" || c.Visitor.Email != "" || c.Visitor.UserID != "" || c.External != "" {
		t := &record.Task{ID: newID(), Kind: record.TaskOfflineMessage, Name: c.Visitor.Name, Phone: c.Visitor.Phone, Email: c.Visitor.Email,
			Text: strings.Join(said, "\n"), Language: c.Language, Chat: c.ID, Created: ss.svc.cfg.Now().UTC()}
		if err := ss.svc.cfg.Store.PutTask(t); err != nil {
			ss.log.Error("chat: storing the task failed", "error", err)
		}
	}
	ss.finish("no_agent", ss.notice("noAgent"))
}

// finish ends the chat: its state, a last notice, and its interaction record.
func (ss *session) finish(cause, notice string) {
	rt := ss.svc.cfg.Router
	if notice != "" {
		ss.say(record.FromSystem, "", notice)
	}
	ss.mu.Lock()
	agent := ss.meta.Agent
	ss.mu.Unlock()
	if agent != "" {
		rt.ChatEnded(agent, ss.id)
	}
	now := ss.svc.cfg.Now().UTC()
	ss.setState(func(c *record.Chat) { c.State, c.Ended, c.EndCause = record.ChatEnded, now, cause })
	rec := ss.record()
	if err := ss.svc.cfg.Records.PutCall(rec); err != nil {
		ss.log.Error("chat: storing its record failed", "error", err)
	}
	ss.log.Info("chat ended", "cause", cause, "messages", len(rec.Transcript), "disposition", rec.Disposition)
}

// record is the chat's interaction record: a Call with Channel chat.
func (ss *session) record() *record.Call {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	c := ss.meta
	r := &record.Call{ID: c.ID, Channel: record.ChannelChat, CustomerID: c.CustomerID, Handoff: c.Handoff,
		Transcript: turnsOf(ss.msgs), Vars: map[string]string{"source": c.Source}}
	r.From = orDefault(c.Visitor.Phone, orDefault(c.Visitor.Email, c.Visitor.Name))
	r.To = "chat"
	r.SourceAddr = c.Address
	r.Route, r.Flow, r.Queue, r.Agent = "chat", c.Source, c.Queue, c.Agent
	r.Start, r.Answer, r.End, r.AgentAnswer = c.Started, c.Started, c.Ended, c.Answered
	if !c.Queued.IsZero() {
		end := c.Answered
		if end.IsZero() {
			end = c.Ended
		}
		r.WaitMs = end.Sub(c.Queued).Milliseconds()
	}
	switch {
	case c.Agent != "" || !c.Answered.IsZero():
		r.Disposition = record.DispositionAnswered
	case c.EndCause == "no_agent":
		r.Disposition = record.DispositionNoAgent
	case !c.Queued.IsZero():
		r.Disposition = record.DispositionAbandoned
	default:
		r.Disposition = record.DispositionCompleted
	}
	r.HangupCause = c.EndCause
	if c.Language != "" {
		r.Vars["language"] = c.Language
	}
	return r
}

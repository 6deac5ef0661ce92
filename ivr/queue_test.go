package ivr

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/legtest"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/tts"
)

// newTestLeg is a leg paced fast (1 ms a frame) so hold loops run without burning a core.
func newTestLeg(id string) *legtest.Leg {
	return legtest.New(id, legtest.Options{Period: time.Millisecond, Silent: true})
}

// dialer answers per agent: "answer" (after 20 ms; the agent hangs up 50 ms later),
// "reject", or anything else rings until ctx ends.
type dialer struct {
	mu        sync.Mutex
	script    map[string]string
	rung      []string
	consulter *consultLeg
	legs      map[string]*legtest.Leg
}

// consultLeg is an agent leg whose agent acts from a desktop: transfers, consults a colleague.
type consultLeg struct {
	*legtest.Leg
	req    chan AgentRequest
	states chan string
}

func (l *consultLeg) Requests() <-chan AgentRequest { return l.req }
func (l *consultLeg) ConsultProgress(state ConsultState, colleague string) {
	l.states <- string(state) + ":" + colleague
}

func (d *dialer) DialAgent(ctx context.Context, id string, _ CallInfo) (AgentLeg, error) {
	d.mu.Lock()
	d.rung = append(d.rung, id)
	what := d.script[id]
	d.mu.Unlock()
	switch what {
	case "answer":
		time.Sleep(20 * time.Millisecond)
		l := newTestLeg("agent-" + id)
		time.AfterFunc(50*time.Millisecond, l.HangUp)
		return l, nil
	case "reject":
		return nil, ErrAgentRejected
	case "stay":
		return newTestLeg("agent-" + id), nil
	case "consult":
		l := &consultLeg{Leg: newTestLeg("agent-" + id), req: make(chan AgentRequest, 4), states: make(chan string, 8)}
		d.mu.Lock()
		d.consulter = l
		d.mu.Unlock()
		return l, nil
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

type fakeTTS struct {
	mu    sync.Mutex
	texts []string
}

func (f *fakeTTS) Synthesize(_ context.Context, text, _ string) (tts.Audio, error) {
	f.mu.Lock()
	f.texts = append(f.texts, text)
	f.mu.Unlock()
	return tts.Audio{Samples: make(media.PCM16, 160), Rate: 8000}, nil
}
func (f *fakeTTS) Name() string { return "fake" }

type harness struct {
	acd    *acd.ACD
	dialer *dialer
	tts    *fakeTTS
	engine *Engine
}

func newHarness(script map[string]string, agents ...string) *harness {
	h := &harness{acd: acd.New(nil), dialer: &dialer{script: script}, tts: &fakeTTS{}}
	for _, a := range agents {
		h.acd.SetAgent(a, a)
		h.acd.SetOnline(a, true)
		time.Sleep(time.Millisecond) // distinct idle times: listed first, idle longest
	}
	h.engine = &Engine{ACD: h.acd, Agents: h.dialer, TTS: h.tts, Log: slog.Default()}
	return h
}

func (h *harness) call(id string, leg media.Leg) *call {
	in, ok := leg.(InboundLeg)
	if !ok {
		panic("not an inbound leg")
	}
	return h.callOn(id, in)
}

func (h *harness) callOn(id string, leg InboundLeg) *call {
	return &call{engine: h.engine, leg: leg, log: slog.Default().With("call_id", id), rec: &record.Call{ID: id},
		lang: "en-US", vars: map[string]string{"call_id": id, "caller": "100", "called": "200"},
		digits: make(chan rune, 4), keyed: make(chan struct{}, 1), answered: true}
}

func queue(members ...string) *dialplan.Queue {
	return &dialplan.Queue{Name: "q", Members: members, RingTimeout: 100 * time.Millisecond, MaxWait: 2 * time.Second}
}

func state(a *acd.ACD, id string) string {
	s, _ := a.Agent(id)
	if s.Reason != "" {
		return s.State + "(" + s.Reason + ")"
	}
	return s.State
}

func TestQueueRONAThenNextAgent(t *testing.T) {
	h := newHarness(map[string]string{"bob": "answer"}, "alice", "bob")
	leg := newTestLeg("c1")
	c := h.call("c1", leg)
	res, err := c.Queue(context.Background(), dialplan.QueueRequest{Queue: queue("alice", "bob")})
	if res.Outcome != dialplan.QueueAnswered || res.Agent != "bob" {
		t.Fatalf("outcome %v agent %q err %v", res.Outcome, res.Agent, err)
	}
	if s := state(h.acd, "alice"); s != "break(no_answer)" {
		t.Fatalf("alice after ringing out = %s", s)
	}
	if c.rec.Disposition != "answered" || c.rec.Agent != "bob" || c.rec.HangupBy != "agent" {
		t.Fatalf("record %+v", c.rec)
	}
}

func TestQueueRejectGoesToBreak(t *testing.T) {
	h := newHarness(map[string]string{"alice": "reject", "bob": "answer"}, "alice", "bob")
	c := h.call("c1", newTestLeg("c1"))
	res, _ := c.Queue(context.Background(), dialplan.QueueRequest{Queue: queue("alice", "bob")})
	if res.Agent != "bob" || state(h.acd, "alice") != "break(rejected)" {
		t.Fatalf("agent %q, alice %s", res.Agent, state(h.acd, "alice"))
	}
}

func TestQueueRingAllFirstWins(t *testing.T) {
	h := newHarness(map[string]string{"bob": "answer"}, "alice", "bob")
	q := queue("alice", "bob")
	q.Strategy = dialplan.StrategyRingAll
	c := h.call("c1", newTestLeg("c1"))
	res, _ := c.Queue(context.Background(), dialplan.QueueRequest{Queue: q})
	if res.Agent != "bob" {
		t.Fatalf("agent %q", res.Agent)
	}
	if s := state(h.acd, "alice"); s != "available" {
		t.Fatalf("alice, cancelled because bob answered = %s, want available", s)
	}
	if len(h.dialer.rung) != 2 {
		t.Fatalf("rung %v", h.dialer.rung)
	}
}

func TestQueueAbandonWhileRinging(t *testing.T) {
	h := newHarness(nil, "alice")
	leg := newTestLeg("c1")
	c := h.call("c1", leg)
	time.AfterFunc(80*time.Millisecond, leg.HangUp) // the caller hangs up while alice rings
	q := queue("alice")
	q.RingTimeout = time.Second
	_, err := c.Queue(leg.Context(), dialplan.QueueRequest{Queue: q})
	if !errors.Is(err, dialplan.ErrHangup) || c.rec.Disposition != "abandoned" || c.rec.WaitMs < 70 {
		t.Fatalf("err %v disposition %q wait %d", err, c.rec.Disposition, c.rec.WaitMs)
	}
	if s := state(h.acd, "alice"); s != "available" {
		t.Fatalf("alice after the caller left = %s", s)
	}
	if qs := h.acd.Queues(); qs[0].Waiting != 0 || qs[0].Lost != 1 {
		t.Fatalf("queue %+v", qs[0])
	}
}

func TestQueueFullAndTimeoutWithAnnouncements(t *testing.T) {
	h := newHarness(nil, "alice")
	_ = h.acd.SetState("alice", acd.Break, "lunch") // logged in, not taking calls
	q := queue("alice")
	q.MaxLength = 1
	q.MaxWait = 400 * time.Millisecond
	q.AnnounceEvery = 100 * time.Millisecond
	first := h.call("c1", newTestLeg("c1"))
	done := make(chan dialplan.QueueResult)
	go func() {
		r, _ := first.Queue(context.Background(), dialplan.QueueRequest{Queue: q})
		done <- r
	}()
	time.Sleep(50 * time.Millisecond)
	second := h.call("c2", newTestLeg("c2"))
	if r, _ := second.Queue(context.Background(), dialplan.QueueRequest{Queue: q}); r.Outcome != dialplan.QueueFull {
		t.Fatalf("second caller: %v, want full", r.Outcome)
	}
	if r := <-done; r.Outcome != dialplan.QueueTimeout || first.rec.Disposition != "timeout" {
		t.Fatalf("first caller: %v %q", r.Outcome, first.rec.Disposition)
	}
	h.tts.mu.Lock()
	defer h.tts.mu.Unlock()
	if len(h.tts.texts) < 1 || !strings.Contains(h.tts.texts[0], "You are number 1 in the queue") {
		t.Fatalf("announcements %q", h.tts.texts)
	}
}

func TestQueuePriority(t *testing.T) {
	h := newHarness(map[string]string{"alice": "answer"}, "alice")
	if got := servedOrder(h, []queuedCaller{{id: "low", prio: 0}, {id: "high", prio: 5}}); len(got) != 2 || got[0] != "high" {
		t.Fatalf("served %v, want high first", got)
	}
}

// queuedCaller is a caller servedOrder puts in the queue.
type queuedCaller struct {
	id       string
	prio     int
	customer *record.CustomerBrief
}

// servedOrder queues the callers one after the other while alice is on break, then makes her
// available and returns the callers in the order she answered them.
func servedOrder(h *harness, callers []queuedCaller) []string {
	_ = h.acd.SetState("alice", acd.Break, "")
	q := queue("alice")
	order := make(chan string, len(callers))
	var wg sync.WaitGroup
	for _, p := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := h.call(p.id, newTestLeg(p.id))
			c.customer = p.customer
			if r, _ := c.Queue(context.Background(), dialplan.QueueRequest{Queue: q, Priority: p.prio}); r.Outcome == dialplan.QueueAnswered {
				order <- p.id
			}
		}()
		time.Sleep(30 * time.Millisecond)
	}
	_ = h.acd.SetState("alice", acd.Available, "")
	wg.Wait()
	close(order)
	var got []string
	for id := range order {
		got = append(got, id)
	}
	return got
}

// directQueuePlan is a plan whose one route puts the caller straight in the support queue.
func directQueuePlan(t *testing.T) *dialplan.Plan {
	t.Helper()
	plan, _, err := dialplan.Parse("direct.yaml", []byte(`version: 1
queues: {support: {members: [alice], ring_timeout: 5s}}
routes: [{name: hotline, to: "4000", flow: main}]
flows:
  main:
    start: agent
    nodes:
      - {id: agent, type: queue, queue: support, noagent: bye}
      - {id: bye, type: hangup}
`), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func TestPositionText(t *testing.T) {
	if s := positionText("en-US", 3, 90*time.Second); s != "You are number 3 in the queue. The estimated wait is about 2 minutes." {
		t.Fatal(s)
	}
	if s := positionText("zh-CN", 1, 10*time.Second); s != "您现在排在第1位，预计等待约1分钟。" {
		t.Fatal(s)
	}
}

// startConsultation puts a caller in a queue whose agent alice answers and
// is ready to consult bob; done receives the queue's result.
func startConsultation(t *testing.T) (*harness, *legtest.Leg, *call, chan error, *consultLeg) {
	t.Helper()
	h := newHarness(map[string]string{"alice": "consult", "bob": "stay"}, "alice", "bob")
	leg := newTestLeg("c1")
	c := h.call("c1", leg)
	done := make(chan error, 1)
	go func() {
		_, err := c.Queue(leg.Context(), dialplan.QueueRequest{Queue: queue("alice")})
		done <- err
	}()
	var alice *consultLeg
	for range 200 {
		h.dialer.mu.Lock()
		alice = h.dialer.consulter
		h.dialer.mu.Unlock()
		if alice != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if alice == nil {
		t.Fatal("alice never answered")
	}
	return h, leg, c, done, alice
}

func TestWarmTransferComplete(t *testing.T) {
	h, leg, c, done, alice := startConsultation(t)
	wait := func(want string) {
		t.Helper()
		select {
		case got := <-alice.states:
			if got != want {
				t.Fatalf("consult state %q, want %q", got, want)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("no consult state, want %q", want)
		}
	}
	alice.req <- AgentRequest{Kind: RequestConsult, Agent: "bob"}
	wait("ringing:bob")
	wait("connected:bob")
	if s := state(h.acd, "bob"); s != "on_call" {
		t.Fatalf("bob during the consultation = %s", s)
	}
	alice.req <- AgentRequest{Kind: RequestCompleteConsult}
	wait("completed:bob")
	<-alice.Context().Done() // alice's side was hung up by the server
	if !alice.HungUpByUs() {
		t.Fatal("alice's leg was not ended by the server")
	}
	time.Sleep(50 * time.Millisecond)
	if s := state(h.acd, "alice"); s != "available" {
		t.Fatalf("alice after handing over = %s", s)
	}
	leg.HangUp() // the caller hangs up on bob
	if err := <-done; !errors.Is(err, dialplan.ErrHangup) {
		t.Fatal(err)
	}
	if c.rec.Agent != "bob" || state(h.acd, "bob") != "available" {
		t.Fatalf("record agent %q, bob %s", c.rec.Agent, state(h.acd, "bob"))
	}
}

func TestWarmTransferCancel(t *testing.T) {
	h, leg, c, done, alice := startConsultation(t)
	alice.req <- AgentRequest{Kind: RequestConsult, Agent: "bob"}
	<-alice.states
	<-alice.states // connected
	alice.req <- AgentRequest{Kind: RequestCancelConsult}
	if got := <-alice.states; got != "cancelled:bob" {
		t.Fatal(got)
	}
	time.Sleep(50 * time.Millisecond)
	if s := state(h.acd, "bob"); s != "available" {
		t.Fatalf("bob after a cancelled consultation = %s", s)
	}
	if s := state(h.acd, "alice"); s != "on_call" {
		t.Fatalf("alice back with the caller = %s", s)
	}
	leg.HangUp()
	<-done
	if c.rec.Agent != "alice" {
		t.Fatalf("record agent %q", c.rec.Agent)
	}
}

// TestBlindTransferFromDesktop: the agent asks to hand the caller to a colleague; the agent's leg
// ends (by the server, with cause transfer), the caller queues for the colleague, who answers.
func TestBlindTransferFromDesktop(t *testing.T) {
	h, leg, c, done, alice := startConsultation(t)
	h.dialer.mu.Lock()
	h.dialer.script["bob"] = "answer"
	h.dialer.mu.Unlock()
	alice.req <- AgentRequest{Kind: RequestTransfer, Agent: "bob"}
	select {
	case <-alice.Context().Done():
	case <-time.After(2 * time.Second):
		t.Fatal("alice's leg was not ended by the transfer")
	}
	if by, cause := alice.HangupInfo(); !alice.HungUpByUs() || by != "server" || cause != "transfer" {
		t.Fatalf("alice's leg ended by %q (%q), by us %v", by, cause, alice.HungUpByUs())
	}
	if err := <-done; !errors.Is(err, dialplan.ErrHangup) { // bob hangs up after a while
		t.Fatalf("queue: %v", err)
	}
	leg.Close()
	if c.rec.Agent != "bob" || c.rec.HangupBy != "agent" {
		t.Fatalf("record agent %q hangup_by %q", c.rec.Agent, c.rec.HangupBy)
	}
	h.dialer.mu.Lock()
	rung := strings.Join(h.dialer.rung, ",")
	h.dialer.mu.Unlock()
	if rung != "alice,bob" {
		t.Fatalf("rung %s", rung)
	}
}

// TestLiveCalls: a call in progress is listed with where it is, from the dialplan to the agent,
// and leaves the list when it ends.
func TestLiveCalls(t *testing.T) {
	plan := directQueuePlan(t)
	h := newHarness(map[string]string{"alice": "stay"}, "alice")
	_ = h.acd.SetState("alice", acd.Break, "") // logged in, not free yet: the caller waits
	h.engine.Plans, h.engine.Records = onePlan{plan}, keptRecords{}
	leg := newTestLeg("c1")
	defer leg.Close()
	ended := make(chan struct{})
	go func() { h.engine.Run(leg, CallInfo{ID: "c1", From: "100", To: "4000"}); close(ended) }()
	waitState := func(want CallState) LiveCall {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			if calls := h.engine.Calls(); len(calls) == 1 && calls[0].State == want {
				return calls[0]
			}
			if time.Now().After(deadline) {
				t.Fatalf("call never in state %s: %+v", want, h.engine.Calls())
			}
			select {
			case <-h.engine.CallsChanged():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	lc := waitState(StateQueue)
	if lc.Route != "hotline" || lc.Queue != "support" || lc.Node != "agent" || lc.From != "100" {
		t.Fatalf("waiting: %+v", lc)
	}
	_ = h.acd.SetState("alice", acd.Available, "")
	lc = waitState(StateAgent)
	if lc.Agent != "alice" || lc.Since.Before(lc.Start) {
		t.Fatalf("talking: %+v", lc)
	}
	leg.HangUp()
	<-ended
	if calls := h.engine.Calls(); len(calls) != 0 {
		t.Fatalf("an ended call is still listed: %+v", calls)
	}
}

// TestForwardAgentDTMF: the keys of a desktop agent and of a phone whose media the bridge
// transcodes reach the caller; a caller that cannot take digits gets none. (Relayed legs' keys
// travel with their media: media.Relays.)
func TestForwardAgentDTMF(t *testing.T) {
	h := newHarness(nil)
	run := func(c *call, agent AgentLeg) <-chan struct{} {
		done := make(chan struct{})
		go func() { c.forwardAgentDTMF(agent); close(done) }()
		return done
	}
	ended := func(t *testing.T, done <-chan struct{}, why string) {
		t.Helper()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatalf("forwardAgentDTMF did not return %s", why)
		}
	}
	digitLeg := func(id string) *legtest.DigitLeg {
		return legtest.NewDigitLeg(id, legtest.Options{Period: time.Millisecond, Silent: true})
	}

	t.Run("desktop agent", func(t *testing.T) {
		caller, desk := digitLeg("c1"), newTestLeg("agent")
		c := h.callOn("c1", caller)
		done := run(c, desk)
		for _, d := range "5#" {
			desk.Press(d)
			deadline := time.Now().Add(2 * time.Second)
			for !strings.ContainsRune(string(caller.DigitsSent()), d) {
				if time.Now().After(deadline) {
					t.Fatalf("the desktop agent's %q did not reach the caller", d)
				}
				time.Sleep(time.Millisecond)
			}
		}
		if got := string(caller.DigitsSent()); got != "5#" {
			t.Errorf("the caller was sent %q, want 5#", got)
		}
		desk.HangUp()
		ended(t, done, "when the agent's leg ended")
	})

	t.Run("phone agent, transcoded", func(t *testing.T) {
		// Legs the bridge does not relay (these are not RTP legs; a G.722 caller and a PCMU phone
		// are not either): the phone's keys reach the caller only this way.
		caller, phone := digitLeg("c2"), digitLeg("agent")
		c := h.callOn("c2", caller)
		done := run(c, phone)
		phone.Press('7')
		deadline := time.Now().Add(2 * time.Second)
		for string(caller.DigitsSent()) != "7" {
			if time.Now().After(deadline) {
				t.Fatalf("the phone agent's key did not reach the caller: %q", string(caller.DigitsSent()))
			}
			time.Sleep(time.Millisecond)
		}
		phone.HangUp()
		ended(t, done, "when the phone's leg ended")
	})

	t.Run("caller takes no digits", func(t *testing.T) {
		c := h.call("c3", newTestLeg("c3"))
		ended(t, run(c, newTestLeg("agent")), "for a caller that cannot take digits")
	})
}

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
	"github.com/hotline-cc/hotline/store"
	"github.com/hotline-cc/hotline/tts"
)

// testLeg is a leg whose audio goes nowhere, paced fast (1 ms a frame) so
// hold loops run without burning a core.
type testLeg struct {
	id     string
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	frames int
	byUs   bool
	dtmf   chan rune
}

func newTestLeg(id string) *testLeg {
	ctx, cancel := context.WithCancel(context.Background())
	return &testLeg{id: id, ctx: ctx, cancel: cancel, dtmf: make(chan rune)}
}

func (l *testLeg) ID() string               { return l.id }
func (l *testLeg) Context() context.Context { return l.ctx }
func (l *testLeg) AudioOut() media.FrameWriter {
	return media.FrameWriterFunc{Rate: 8000, Fn: func(media.PCM16) error {
		if l.ctx.Err() != nil {
			return media.ErrClosed
		}
		l.mu.Lock()
		l.frames++
		l.mu.Unlock()
		time.Sleep(time.Millisecond)
		return nil
	}}
}
func (l *testLeg) FlushAudioOut()                                  {}
func (l *testLeg) SwapAudioIn(media.FrameWriter) media.FrameWriter { return nil }
func (l *testLeg) DTMF() <-chan rune                               { return l.dtmf }
func (l *testLeg) Hangup(context.Context, string) error {
	l.mu.Lock()
	l.byUs = true
	l.mu.Unlock()
	l.cancel()
	return nil
}
func (l *testLeg) HungUpByUs() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.byUs
}
func (l *testLeg) Close()                                          {}
func (l *testLeg) Logger() *slog.Logger                            { return slog.Default() }
func (l *testLeg) Ringing() error                                  { return nil }
func (l *testLeg) Progress() error                                 { return nil }
func (l *testLeg) Answer() error                                   { return nil }
func (l *testLeg) Reject(int, string)                              {}
func (l *testLeg) HangupBy(ctx context.Context, _, c string) error { return l.Hangup(ctx, c) }
func (l *testLeg) HangupInfo() (string, string)                    { return "", "" }
func (l *testLeg) OutputRate() int                                 { return 8000 }
func (l *testLeg) Codec() string                                   { return "PCMU" }

// dialer answers per agent: "answer" (after 20 ms; the agent hangs up 50 ms later),
// "reject", or anything else rings until ctx ends.
type dialer struct {
	mu        sync.Mutex
	script    map[string]string
	rung      []string
	consulter *consultLeg
	legs      map[string]*testLeg
}

// consultLeg is an agent leg whose agent consults a colleague.
type consultLeg struct {
	*testLeg
	req    chan string
	states chan string
}

func (l *consultLeg) Consults() <-chan string { return l.req }
func (l *consultLeg) ConsultState(state, colleague string) {
	l.states <- state + ":" + colleague
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
		time.AfterFunc(50*time.Millisecond, l.cancel)
		return l, nil
	case "reject":
		return nil, ErrAgentRejected
	case "stay":
		return newTestLeg("agent-" + id), nil
	case "consult":
		l := &consultLeg{testLeg: newTestLeg("agent-" + id), req: make(chan string, 4), states: make(chan string, 8)}
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

func (h *harness) call(id string, leg *testLeg) *call {
	return &call{engine: h.engine, leg: leg, log: slog.Default().With("call_id", id), rec: &store.CallRecord{ID: id},
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
	time.AfterFunc(80*time.Millisecond, leg.cancel) // the caller hangs up while alice rings
	q := queue("alice")
	q.RingTimeout = time.Second
	_, err := c.Queue(leg.ctx, dialplan.QueueRequest{Queue: q})
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
	_ = h.acd.SetState("alice", acd.Break, "")
	q := queue("alice")
	order := make(chan string, 2)
	var wg sync.WaitGroup
	for _, p := range []struct {
		id   string
		prio int
	}{{"low", 0}, {"high", 5}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := h.call(p.id, newTestLeg(p.id))
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
	if len(got) != 2 || got[0] != "high" {
		t.Fatalf("served %v, want high first", got)
	}
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
func startConsultation(t *testing.T) (*harness, *testLeg, *call, chan error, *consultLeg) {
	t.Helper()
	h := newHarness(map[string]string{"alice": "consult", "bob": "stay"}, "alice", "bob")
	leg := newTestLeg("c1")
	c := h.call("c1", leg)
	done := make(chan error, 1)
	go func() {
		_, err := c.Queue(leg.ctx, dialplan.QueueRequest{Queue: queue("alice")})
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
	alice.req <- "start:bob"
	wait("ringing:bob")
	wait("connected:bob")
	if s := state(h.acd, "bob"); s != "on_call" {
		t.Fatalf("bob during the consultation = %s", s)
	}
	alice.req <- "complete"
	wait("completed:bob")
	<-alice.ctx.Done() // alice's side was hung up by the server
	time.Sleep(50 * time.Millisecond)
	if s := state(h.acd, "alice"); s != "available" {
		t.Fatalf("alice after handing over = %s", s)
	}
	leg.cancel() // the caller hangs up on bob
	if err := <-done; !errors.Is(err, dialplan.ErrHangup) {
		t.Fatal(err)
	}
	if c.rec.Agent != "bob" || state(h.acd, "bob") != "available" {
		t.Fatalf("record agent %q, bob %s", c.rec.Agent, state(h.acd, "bob"))
	}
}

func TestWarmTransferCancel(t *testing.T) {
	h, leg, c, done, alice := startConsultation(t)
	alice.req <- "start:bob"
	<-alice.states
	<-alice.states // connected
	alice.req <- "cancel"
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
	leg.cancel()
	<-done
	if c.rec.Agent != "alice" {
		t.Fatalf("record agent %q", c.rec.Agent)
	}
}

// digitLeg is a testLeg that can send digits to its party (as a SIP leg's RFC 4733 does) and keeps
// what it was given to send.
type digitLeg struct {
	*testLeg
	sent chan rune
}

func newDigitLeg(id string) *digitLeg { return &digitLeg{newTestLeg(id), make(chan rune, 8)} }

func (l *digitLeg) SendDigit(d rune) error {
	l.sent <- d
	return nil
}

// TestForwardAgentDTMF: the keys of a desktop agent (a leg that cannot send digits) reach the
// caller; a phone agent's (one that can: its keys travel in its media) are left to the bridge; a
// caller that cannot take digits gets none.
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

	t.Run("desktop agent", func(t *testing.T) {
		caller, desk := newDigitLeg("c1"), newTestLeg("agent")
		c := h.call("c1", caller.testLeg)
		c.leg = caller
		done := run(c, desk)
		for _, d := range "5#" {
			select {
			case desk.dtmf <- d:
			case <-time.After(2 * time.Second):
				t.Fatalf("the desktop agent's %q was not taken", d)
			}
			select {
			case got := <-caller.sent:
				if got != d {
					t.Errorf("the caller was sent %q, want %q", got, d)
				}
			case <-time.After(2 * time.Second):
				t.Fatalf("the desktop agent's %q did not reach the caller", d)
			}
		}
		desk.cancel()
		ended(t, done, "when the agent's leg ended")
	})

	t.Run("phone agent", func(t *testing.T) {
		caller, phone := newDigitLeg("c2"), newDigitLeg("agent")
		c := h.call("c2", caller.testLeg)
		c.leg = caller
		ended(t, run(c, phone), "for an agent whose keys travel in its media")
		select {
		case phone.dtmf <- '5':
			t.Error("the phone agent's keys were read: they would reach the caller twice")
		case <-time.After(100 * time.Millisecond):
		}
		if len(caller.sent) != 0 {
			t.Errorf("%d digits sent to the caller", len(caller.sent))
		}
	})

	t.Run("caller takes no digits", func(t *testing.T) {
		c := h.call("c3", newTestLeg("c3"))
		ended(t, run(c, newTestLeg("agent")), "for a caller that cannot take digits")
	})
}

package desk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/media/legtest"
	"github.com/hotline-cc/hotline/record"
)

func TestChoose(t *testing.T) {
	for _, tc := range []struct {
		pref           string
		browser, phone bool
		want           Device
	}{
		{"", true, true, DeviceBrowser},
		{"", false, true, DevicePhone},
		{"", false, false, DeviceNone},
		{record.RingBrowser, true, false, DeviceBrowser},
		{record.RingBrowser, false, true, DevicePhone},
		{record.RingSIP, true, true, DevicePhone},
		{record.RingSIP, true, false, DeviceBrowser},
		{record.RingBoth, true, true, DeviceBoth},
		{record.RingBoth, false, true, DevicePhone},
		{record.RingBoth, true, false, DeviceBrowser},
	} {
		if got := Choose(tc.pref, tc.browser, tc.phone); got != tc.want {
			t.Errorf("Choose(%q, browser %v, phone %v) = %q, want %q", tc.pref, tc.browser, tc.phone, got, tc.want)
		}
	}
}

// browserLeg is a softphone's leg over the shared test leg.
type browserLeg struct {
	*legtest.Leg
	offer string
}

func (b *browserLeg) WaitConnected(context.Context) error { return nil }
func (b *browserLeg) InjectDTMF(d rune)                   { b.Press(d) }
func (b *browserLeg) Cause() string                       { _, c := b.HangupInfo(); return c }

type browsers struct {
	mu   sync.Mutex
	legs []*browserLeg
	fail error
}

func (f *browsers) Answer(_ context.Context, id, offer string, _ *slog.Logger) (BrowserLeg, string, error) {
	if f.fail != nil {
		return nil, "", f.fail
	}
	l := &browserLeg{Leg: legtest.New(id, legtest.Options{Rate: 16000, Period: time.Millisecond, Silent: true, Party: "agent"}), offer: offer}
	f.mu.Lock()
	f.legs = append(f.legs, l)
	f.mu.Unlock()
	return l, "answer-to:" + offer, nil
}

// phones rings registered agents: "answer" answers after 20 ms, "reject" refuses, else it rings.
type phones struct {
	mu         sync.Mutex
	registered map[string]string
	legs       []*legtest.Leg
}

func (p *phones) Registered(a string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.registered[a] != ""
}

func (p *phones) DialPhone(ctx context.Context, a string, _ ivr.CallInfo) (ivr.AgentLeg, error) {
	p.mu.Lock()
	what := p.registered[a]
	p.mu.Unlock()
	switch what {
	case "answer":
		time.Sleep(20 * time.Millisecond)
		l := legtest.New("phone-"+a, legtest.Options{Period: time.Millisecond, Silent: true, Party: "agent"})
		p.mu.Lock()
		p.legs = append(p.legs, l)
		p.mu.Unlock()
		return l, nil
	case "reject":
		return nil, fmt.Errorf("603 Decline: %w", ivr.ErrAgentRejected)
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

type wrapUps struct {
	mu    sync.Mutex
	saved map[string][]record.WrapUp
}

func (w *wrapUps) PutWrapUp(call string, r record.WrapUp) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.saved[call] = append(w.saved[call], r)
	return nil
}

type rig struct {
	acd      *acd.ACD
	browsers *browsers
	phones   *phones
	wrapUps  *wrapUps
	desk     *Desk
	ring     map[string]string
}

func newRig(t *testing.T) *rig {
	r := &rig{acd: acd.New(nil), browsers: &browsers{}, phones: &phones{registered: map[string]string{}},
		wrapUps: &wrapUps{saved: map[string][]record.WrapUp{}}, ring: map[string]string{}}
	for _, a := range []string{"alice", "bob"} {
		r.acd.SetAgent(a, a)
	}
	r.desk = New(Config{ACD: r.acd, Browsers: r.browsers, Phones: r.phones, WrapUps: r.wrapUps,
		Ring: func(a string) string { return r.ring[a] }, Queues: func() []string { return []string{"support"} },
		Dispositions: []string{"resolved", "follow_up"}, HoldAudio: audiotest.Tone(400, 8000, 1000, 0.3),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return r
}

// next waits for the session's next event of type E, skipping status events.
func next[E Event](t *testing.T, s *Session) E {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-s.Events():
			if e, ok := ev.(E); ok {
				return e
			}
			if _, ok := ev.(Status); ok {
				continue
			}
			if _, ok := ev.(Hello); ok {
				continue
			}
			var want E
			t.Fatalf("event %T %+v, want %T", ev, ev, want)
		case <-deadline:
			var want E
			t.Fatalf("no %T event", want)
		}
	}
}

type dialed struct {
	leg ivr.AgentLeg
	err error
}

func (r *rig) dial(ctx context.Context, agent, call string) chan dialed {
	ch := make(chan dialed, 1)
	go func() {
		l, err := r.desk.DialAgent(ctx, agent, ivr.CallInfo{ID: call, From: "13800000000", To: "4000", Queue: "support"})
		ch <- dialed{l, err}
	}()
	return ch
}

// TestDesktopCall walks one call through the desktop: offer, answer, hold, keys, a transfer
// request, the agent's hang-up, and the wrap-up.
func TestDesktopCall(t *testing.T) {
	r := newRig(t)
	s := r.desk.Connect("alice")
	defer s.Close()
	if st, _ := r.acd.Agent("alice"); !strings.Contains(strings.Join(st.Devices, ","), acd.DeviceWeb) {
		t.Fatalf("alice's devices: %v", st.Devices)
	}
	got := r.dial(context.Background(), "alice", "c1")
	off := next[Offered](t, s)
	if off.Call != "c1" || off.Device != DeviceBrowser || off.Info.From != "13800000000" {
		t.Fatalf("offer %+v", off)
	}
	// Acting on a call that is not yours, or not in that state, is refused.
	bob := r.desk.Connect("bob")
	defer bob.Close()
	if err := bob.Do(Answer{Call: "c1", SDP: "x"}); err == nil {
		t.Fatal("bob answered alice's call")
	}
	if err := s.Do(Hangup{Call: "c1"}); err == nil {
		t.Fatal("hung up a ringing call")
	}
	if err := s.Do(Answer{Call: "c1", SDP: "browser-offer"}); err != nil {
		t.Fatal(err)
	}
	if a := next[Answered](t, s); a.SDP != "answer-to:browser-offer" {
		t.Fatalf("answered %+v", a)
	}
	if c := next[Connected](t, s); c.Device != DeviceBrowser {
		t.Fatalf("connected %+v", c)
	}
	d := <-got
	if d.err != nil {
		t.Fatal(d.err)
	}
	leg := d.leg
	ctl, ok := leg.(ivr.AgentControls)
	if !ok {
		t.Fatal("the agent's leg takes no requests")
	}
	if _, relay := leg.(media.RTPLeg); relay {
		t.Fatal("a desktop leg claims an RTP session")
	}

	// Hold: the agent's audio is replaced by the music for whoever hears the agent.
	heard := make(chan media.PCM16, 200)
	leg.SwapAudioIn(media.FrameWriterFunc{Rate: 16000, Fn: func(p media.PCM16) error {
		select {
		case heard <- append(media.PCM16(nil), p...):
		default:
		}
		return nil
	}})
	loudFrame := func() bool {
		for range 50 {
			p := <-heard
			if db, _ := media.FrameLevel(p); db > -30 {
				return true
			}
		}
		return false
	}
	if loudFrame() {
		t.Fatal("the silent agent sounds loud before hold")
	}
	if err := s.Do(Hold{Call: "c1", On: true}); err != nil {
		t.Fatal(err)
	}
	if h := next[HoldChanged](t, s); !h.On {
		t.Fatal("hold event")
	}
	var held media.PCM16
	for range 25 {
		held = append(held, <-heard...)
	}
	if ok, r := audiotest.DetectTone(held, 400, 16000); !ok {
		t.Fatalf("the caller does not hear the hold music at the leg's rate (ratio %.2f)", r)
	}
	_ = s.Do(Hold{Call: "c1", On: false})
	next[HoldChanged](t, s)

	// A key from the pad arrives as the agent leg's key.
	if err := s.Do(SendDigit{Call: "c1", Digit: 'x'}); err == nil {
		t.Fatal("accepted a bad key")
	}
	if err := s.Do(SendDigit{Call: "c1", Digit: '5'}); err != nil {
		t.Fatal(err)
	}
	if k := <-leg.DTMF(); k != '5' {
		t.Fatalf("key %q", k)
	}
	// Transfers are checked, then handed to the call.
	for _, bad := range []Transfer{{Call: "c1"}, {Call: "c1", Queue: "nope"}, {Call: "c1", Agent: "alice"}, {Call: "c1", Agent: "zed"},
		{Call: "c1", Queue: "support", Agent: "bob"}} {
		if err := s.Do(bad); err == nil {
			t.Errorf("transfer %+v accepted", bad)
		}
	}
	if err := s.Do(Transfer{Call: "c1", Queue: "support"}); err != nil {
		t.Fatal(err)
	}
	if req := <-ctl.Requests(); req.Kind != ivr.RequestTransfer || req.Queue != "support" {
		t.Fatalf("request %+v", req)
	}
	ctl.ConsultProgress(ivr.ConsultRinging, "bob")
	if c := next[ConsultChanged](t, s); c.State != ivr.ConsultRinging || c.Colleague != "bob" {
		t.Fatalf("consult %+v", c)
	}

	// The agent hangs up on the desktop: for the call, the agent hung up.
	// The IVR's side of the ACD: alice took the call, her part ends, she wraps up.
	_ = r.acd.SetState("alice", acd.Available, "")
	if err := r.acd.Reserve("alice", "c1"); err != nil {
		t.Fatal(err)
	}
	r.acd.Answered("c1", "alice")
	r.acd.CallEnded("alice", time.Hour)
	if err := s.Do(Hangup{Call: "c1"}); err != nil {
		t.Fatal(err)
	}
	<-leg.Context().Done()
	if leg.HungUpByUs() {
		t.Fatal("the agent's hang-up reads as the server's")
	}
	if e := next[Ended](t, s); e.Cause != "agent_bye" {
		t.Fatalf("ended %+v", e)
	}
	leg.Close()
	if err := s.Do(WrapUp{Call: "c1", Disposition: "sale"}); err == nil {
		t.Fatal("a disposition not in the list was accepted")
	}
	if err := bob.Do(WrapUp{Call: "c1", Disposition: "resolved"}); err == nil {
		t.Fatal("bob wrapped up alice's call")
	}
	if st, _ := r.acd.Agent("alice"); st.State != "wrap_up" {
		t.Fatalf("alice before the wrap-up: %s", st.State)
	}
	if err := s.Do(WrapUp{Call: "c1", Disposition: "follow_up", Notes: "call back"}); err != nil {
		t.Fatal(err)
	}
	next[WrapUpSaved](t, s)
	if w := r.wrapUps.saved["c1"]; len(w) != 1 || w[0].Agent != "alice" || w[0].Notes != "call back" {
		t.Fatalf("stored %+v", w)
	}
	if st, _ := r.acd.Agent("alice"); st.State != "available" {
		t.Fatalf("alice after the wrap-up: %s", st.State)
	}
	if err := s.Do(WrapUp{Call: "c1", Disposition: "resolved"}); err == nil {
		t.Fatal("wrapped up twice")
	}
}

func TestDesktopRejectAndRingOut(t *testing.T) {
	r := newRig(t)
	s := r.desk.Connect("alice")
	defer s.Close()
	got := r.dial(context.Background(), "alice", "c1")
	next[Offered](t, s)
	if err := s.Do(Reject{Call: "c1"}); err != nil {
		t.Fatal(err)
	}
	if d := <-got; !errors.Is(d.err, ivr.ErrAgentRejected) {
		t.Fatalf("reject: %v", d.err)
	}
	if w := next[Withdrawn](t, s); w.Reason != "rejected" {
		t.Fatalf("rejected: %+v", w)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	got = r.dial(ctx, "alice", "c2")
	next[Offered](t, s)
	if w := next[Withdrawn](t, s); w.Call != "c2" || w.Reason != "timeout" {
		t.Fatalf("rang out: %+v", w)
	}
	if d := <-got; d.err == nil {
		t.Fatal("a call that rang out was answered")
	}
	if err := s.Do(Answer{Call: "c2", SDP: "late"}); err == nil {
		t.Fatal("answered a call that rang out")
	}

	r.browsers.fail = errors.New("no common codec")
	got = r.dial(context.Background(), "alice", "c3")
	next[Offered](t, s)
	_ = s.Do(Answer{Call: "c3", SDP: "x"})
	if w := next[Withdrawn](t, s); w.Reason != "media_failed" {
		t.Fatalf("media failure: %+v", w)
	}
	if d := <-got; d.err == nil || !strings.Contains(d.err.Error(), "no common codec") {
		t.Fatalf("media failure: %v", d.err)
	}
}

// TestPhoneCallOnDesktop: an agent who prefers their SIP phone sees the call on the desktop too,
// answers on the phone, and wraps up on the desktop; the bridge still sees the phone's RTP.
func TestPhoneCallOnDesktop(t *testing.T) {
	r := newRig(t)
	r.ring["alice"] = record.RingSIP
	r.phones.registered["alice"] = "answer"
	s := r.desk.Connect("alice")
	defer s.Close()
	got := r.dial(context.Background(), "alice", "c1")
	if o := next[Offered](t, s); o.Device != DevicePhone {
		t.Fatalf("offer %+v", o)
	}
	if c := next[Connected](t, s); c.Device != DevicePhone {
		t.Fatalf("connected %+v", c)
	}
	d := <-got
	if d.err != nil {
		t.Fatal(d.err)
	}
	if err := s.Do(Hold{Call: "c1", On: true}); err == nil {
		t.Fatal("held a phone call from the desktop")
	}
	r.phones.mu.Lock()
	phone := r.phones.legs[0]
	r.phones.mu.Unlock()
	phone.HangUp() // the agent hangs up on the phone
	if e := next[Ended](t, s); e.Call != "c1" {
		t.Fatalf("ended %+v", e)
	}
	if d.leg.HungUpByUs() {
		t.Fatal("the phone's hang-up reads as the server's")
	}
	if err := s.Do(WrapUp{Call: "c1", Disposition: "resolved"}); err != nil {
		t.Fatal(err)
	}
	next[WrapUpSaved](t, s)

	// Without the desktop the phone still rings; without either the agent is unreachable.
	s.Close()
	if d := <-r.dial(context.Background(), "alice", "c2"); d.err != nil {
		t.Fatalf("phone only: %v", d.err)
	}
	if _, err := r.desk.DialAgent(context.Background(), "bob", ivr.CallInfo{ID: "c3"}); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("bob has no device: %v", err)
	}
}

// TestRingBoth: with ring: both the desktop and the phone ring; the phone answers first and takes
// the call, the desktop stops ringing.
func TestRingBoth(t *testing.T) {
	r := newRig(t)
	r.ring["alice"] = record.RingBoth
	r.phones.registered["alice"] = "answer"
	s := r.desk.Connect("alice")
	defer s.Close()
	got := r.dial(context.Background(), "alice", "c1")
	if o := next[Offered](t, s); o.Device != DeviceBoth {
		t.Fatalf("offer %+v", o)
	}
	if c := next[Connected](t, s); c.Device != DevicePhone {
		t.Fatalf("connected %+v", c)
	}
	if d := <-got; d.err != nil {
		t.Fatal(d.err)
	}
	if err := s.Do(Answer{Call: "c1", SDP: "late"}); err == nil {
		t.Fatal("answered on the desktop a call the phone took")
	}
	// A refusal on the phone refuses the call on both.
	r.phones.registered["alice"] = "reject"
	got = r.dial(context.Background(), "alice", "c2")
	next[Offered](t, s)
	if d := <-got; !errors.Is(d.err, ivr.ErrAgentRejected) {
		t.Fatalf("rejected on the phone: %v", d.err)
	}
}

// TestSessionReplaced: a second desktop takes over; it is told of the call ringing and answers it.
// The first desktop's session is done; the web device stays online.
func TestSessionReplaced(t *testing.T) {
	r := newRig(t)
	first := r.desk.Connect("alice")
	got := r.dial(context.Background(), "alice", "c1")
	next[Offered](t, first)
	second := r.desk.Connect("alice")
	defer second.Close()
	select {
	case <-first.Done():
	case <-time.After(time.Second):
		t.Fatal("the older desktop was not closed")
	}
	first.Close()
	if st, _ := r.acd.Agent("alice"); !strings.Contains(strings.Join(st.Devices, ","), acd.DeviceWeb) {
		t.Fatal("closing the replaced desktop took the agent's web device offline")
	}
	if o := next[Offered](t, second); o.Call != "c1" {
		t.Fatalf("the new desktop was not told of the ringing call: %+v", o)
	}
	if err := second.Do(Answer{Call: "c1", SDP: "x"}); err != nil {
		t.Fatal(err)
	}
	next[Answered](t, second)
	next[Connected](t, second)
	if d := <-got; d.err != nil {
		t.Fatal(d.err)
	}

	// A desktop that goes away while a call rings there only: the ring fails at once.
	got = r.dial(context.Background(), "alice", "c2")
	next[Offered](t, second)
	second.Close()
	select {
	case d := <-got:
		if d.err == nil {
			t.Fatal("answered on a closed desktop")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the ring went on after the desktop closed")
	}
	if st, _ := r.acd.Agent("alice"); strings.Contains(strings.Join(st.Devices, ","), acd.DeviceWeb) {
		t.Fatal("the agent's web device is still online")
	}
}

type stateLog struct {
	mu   sync.Mutex
	seen []record.AgentState
}

func (l *stateLog) AppendAgentState(s record.AgentState) error {
	l.mu.Lock()
	l.seen = append(l.seen, s)
	l.mu.Unlock()
	return nil
}

// batchLog is a state log that takes changes in batches, as the store does.
type batchLog struct {
	stateLog
	batches int
}

func (l *batchLog) AppendAgentStates(s []record.AgentState) error {
	l.mu.Lock()
	l.seen = append(l.seen, s...)
	l.batches++
	l.mu.Unlock()
	return nil
}

// A backlog of changes goes to a batch log in few writes, every change kept, in order.
func TestRecordStatesInBatches(t *testing.T) {
	a := acd.New(nil)
	log := &batchLog{}
	log.mu.Lock() // hold the writer so the changes queue up
	RecordStates(a, log, slog.New(slog.NewTextHandler(io.Discard, nil)))
	const agents = 100
	for i := 0; i < agents; i++ {
		id := fmt.Sprintf("a%03d", i)
		a.SetAgent(id, id)
		a.SetOnline(id, true)
	}
	log.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for {
		log.mu.Lock()
		n, batches := len(log.seen), log.batches
		var order []string
		for _, s := range log.seen {
			order = append(order, s.Agent)
		}
		log.mu.Unlock()
		if n >= agents {
			if !slices.IsSorted(order) {
				t.Fatalf("changes out of order: %v", order)
			}
			if batches > 3 {
				t.Fatalf("%d changes in %d writes: not batched", n, batches)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d changes stored", n, agents)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRecordStates(t *testing.T) {
	a := acd.New(nil)
	a.SetAgent("alice", "Alice")
	log := &stateLog{}
	RecordStates(a, log, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a.SetOnline("alice", true)
	_ = a.SetState("alice", acd.Break, "lunch")
	deadline := time.Now().Add(5 * time.Second)
	for {
		log.mu.Lock()
		n := len(log.seen)
		var last record.AgentState
		if n > 0 {
			last = log.seen[n-1]
		}
		log.mu.Unlock()
		if n >= 2 && last.To == "break" && last.Reason == "lunch" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("state log: %+v", log.seen)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The hold switch hands a taker at another rate its audio resampled: a G.711 caller of a 16 kHz
// Opus desktop hears the agent, and the music, at 8 kHz.
func TestHoldSwitchResamples(t *testing.T) {
	h := &holdSwitch{rate: 16000, music: audiotest.Tone(400, 16000, 1000, 0.3), out: media.NewSwitchWriter(16000)}
	var got media.PCM16
	h.swap(media.FrameWriterFunc{Rate: 8000, Fn: func(p media.PCM16) error {
		if len(p) != 160 {
			t.Fatalf("an 8 kHz taker got a frame of %d samples", len(p))
		}
		got = append(got, p...)
		return nil
	}})
	agent := audiotest.Tone(1000, 16000, 500, 0.3)
	for i := 0; i+320 <= len(agent); i += 320 {
		_ = h.WriteFrame(agent[i : i+320])
	}
	if ok, r := audiotest.DetectTone(got, 1000, 8000); !ok {
		t.Fatalf("the agent, resampled: ratio %.2f", r)
	}
	got = nil
	h.held.Store(true)
	for i := 0; i+320 <= len(agent); i += 320 {
		_ = h.WriteFrame(agent[i : i+320])
	}
	if ok, r := audiotest.DetectTone(got, 400, 8000); !ok {
		t.Fatalf("the music, resampled: ratio %.2f", r)
	}
}

// TestDesktopRecord: the agent's record and pause reach the call as requests on the agent's leg,
// and the call's recording state reaches the desktop.
func TestDesktopRecord(t *testing.T) {
	r := newRig(t)
	s := r.desk.Connect("alice")
	defer s.Close()
	got := r.dial(context.Background(), "alice", "c1")
	next[Offered](t, s)
	if err := s.Do(Record{Call: "c1", On: true}); err == nil {
		t.Fatal("recorded a ringing call")
	}
	if err := s.Do(Answer{Call: "c1", SDP: "browser-offer"}); err != nil {
		t.Fatal(err)
	}
	next[Answered](t, s)
	next[Connected](t, s)
	d := <-got
	if d.err != nil {
		t.Fatal(d.err)
	}
	defer d.leg.Close()
	ctl := d.leg.(ivr.AgentControls)
	w, ok := d.leg.(ivr.RecordingWatcher)
	if !ok {
		t.Fatal("the agent's leg is not told the recording state")
	}
	for _, on := range []bool{true, false} {
		if err := s.Do(Record{Call: "c1", On: on}); err != nil {
			t.Fatal(err)
		}
		if req := <-ctl.Requests(); req.Kind != ivr.RequestRecord || req.On != on {
			t.Fatalf("request %+v, want record on=%v", req, on)
		}
	}
	w.RecordingChanged(ivr.RecordingPaused, true)
	if e := next[RecordingChanged](t, s); e.Call != "c1" || e.State != ivr.RecordingPaused || !e.Allowed {
		t.Fatalf("event %+v", e)
	}
	bob := r.desk.Connect("bob")
	defer bob.Close()
	if err := bob.Do(Record{Call: "c1", On: false}); err == nil {
		t.Fatal("bob paused alice's recording")
	}
	// A desktop that connects during the call (a reload) is told the recording state too.
	again := r.desk.Connect("alice")
	defer again.Close()
	next[Offered](t, again)
	next[Connected](t, again)
	if e := next[RecordingChanged](t, again); e.State != ivr.RecordingPaused {
		t.Fatalf("the new desktop was told %+v", e)
	}
}

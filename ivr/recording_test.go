package ivr

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
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

const announcementText = "This call may be recorded."

// lengthTTS speaks the recording announcement as 800 samples and everything else as 1600, so a
// test can tell from what a leg was sent which prompt had played.
type lengthTTS struct{}

func (lengthTTS) Synthesize(_ context.Context, text, _ string) (tts.Audio, error) {
	n := 1600
	if text == announcementText {
		n = 800
	}
	return tts.Audio{Samples: make(media.PCM16, n), Rate: 8000}, nil
}
func (lengthTTS) Name() string { return "length" }

// fakeRecorders hands out fake recorders and logs what is done with them.
type fakeRecorders struct {
	fail bool

	mu     sync.Mutex
	events []string
	sentAt []int // with each start: how many samples the caller had been sent
}

func (f *fakeRecorders) Record(leg InboundLeg, callID string) (CallRecorder, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return nil, fmt.Errorf("disk full")
	}
	sent := 0
	if l, ok := leg.(*legtest.Leg); ok {
		sent = len(l.OutAudio())
	}
	f.sentAt = append(f.sentAt, sent)
	n := len(f.sentAt)
	f.events = append(f.events, fmt.Sprintf("start %d", n))
	return &fakeRecorder{f: f, n: n, file: fmt.Sprintf("%s-%d.wav", callID, n), start: time.Now()}, nil
}

func (f *fakeRecorders) log(s string) {
	f.mu.Lock()
	f.events = append(f.events, s)
	f.mu.Unlock()
}

func (f *fakeRecorders) Events() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.events...)
}

type fakeRecorder struct {
	f     *fakeRecorders
	n     int
	file  string
	start time.Time

	mu      sync.Mutex
	pausedT time.Time
	paused  []record.Interval
	stopped bool
}

func (r *fakeRecorder) Pause() {
	r.mu.Lock()
	r.pausedT = time.Now()
	r.mu.Unlock()
	r.f.log(fmt.Sprintf("pause %d", r.n))
}

func (r *fakeRecorder) Resume() {
	r.mu.Lock()
	r.paused = append(r.paused, record.Interval{Start: r.pausedT, End: time.Now()})
	r.pausedT = time.Time{}
	r.mu.Unlock()
	r.f.log(fmt.Sprintf("resume %d", r.n))
}

func (r *fakeRecorder) Paused() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.pausedT.IsZero()
}

func (r *fakeRecorder) Stop() record.Recording {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		panic("stopped twice")
	}
	r.stopped = true
	r.f.log(fmt.Sprintf("stop %d", r.n))
	return record.Recording{File: r.file, Format: "wav/pcm16", Rate: 8000, Channels: 2, Start: r.start, End: time.Now(), Paused: r.paused}
}

// storedCalls keeps the call records the engine stores.
type storedCalls struct {
	mu    sync.Mutex
	calls []*record.Call
}

func (s *storedCalls) PutCall(c *record.Call) error {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
	return nil
}

// runRecorded runs one call of the plan src to its end, with recorders, and returns its record.
func runRecorded(t *testing.T, src string, recs *fakeRecorders, log *slog.Logger) *record.Call {
	t.Helper()
	plan, _, err := dialplan.Parse("rec.yaml", []byte(src), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	stored := &storedCalls{}
	e := &Engine{Plans: onePlan{plan}, TTS: lengthTTS{}, ACD: acd.New(nil), Records: stored, Log: log, Recorders: recs}
	leg := legtest.New("c1", legtest.Options{Period: time.Millisecond, Silent: true, Log: log})
	defer leg.Close()
	done := make(chan *record.Call, 1)
	go func() { done <- e.Run(leg, CallInfo{ID: "c1", From: "100", To: "200"}) }()
	select {
	case rec := <-done:
		if len(stored.calls) != 1 || stored.calls[0] != rec {
			t.Fatalf("stored %d records", len(stored.calls))
		}
		return rec
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not end")
	}
	return nil
}

const sayPlan = `version: 1
settings: {record: %s, record_announcement: "` + announcementText + `"}
routes: [{name: r, flow: main%s}]
flows: {main: {start: a, nodes: [{id: a, type: say, text: Welcome, next: b}, {id: b, type: hangup}]}}
`

// TestRecordingAlways: the caller hears the announcement, then recording starts (before the
// flow's first prompt), and the recording is in the stored call record.
func TestRecordingAlways(t *testing.T) {
	recs := &fakeRecorders{}
	rec := runRecorded(t, fmt.Sprintf(sayPlan, "always", ""), recs, nil)
	wantLines(t, "recorder", recs.Events(), []string{"start 1", "stop 1"})
	if recs.sentAt[0] != 800 {
		t.Errorf("recording started after %d samples were sent, want 800 (the announcement, not the welcome)", recs.sentAt[0])
	}
	if len(rec.Recordings) != 1 || rec.Recordings[0].File != "c1-1.wav" || rec.Recordings[0].End.IsZero() {
		t.Fatalf("recordings = %+v", rec.Recordings)
	}
}

// TestRecordingRoutePolicy: a route's record: wins over the plan's; never and on_demand start
// nothing and announce nothing.
func TestRecordingRoutePolicy(t *testing.T) {
	for _, tc := range []struct{ plan, route string }{
		{"always", ", record: never"},
		{"never", ""},
		{"always", ", record: on_demand"},
	} {
		recs := &fakeRecorders{}
		rec := runRecorded(t, fmt.Sprintf(sayPlan, tc.plan, tc.route), recs, nil)
		if ev := recs.Events(); len(ev) != 0 || len(rec.Recordings) != 0 {
			t.Errorf("plan %s route %q: recorder %v, recordings %+v", tc.plan, tc.route, ev, rec.Recordings)
		}
	}
	recs := &fakeRecorders{}
	runRecorded(t, fmt.Sprintf(sayPlan, "never", ", record: always"), recs, nil)
	wantLines(t, "route always over plan never", recs.Events(), []string{"start 1", "stop 1"})
}

// TestRecordingFailureGoesOn: a recorder that cannot start is logged with the call id, and the
// call runs its flow to the end.
func TestRecordingFailureGoesOn(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	rec := runRecorded(t, fmt.Sprintf(sayPlan, "always", ""), &fakeRecorders{fail: true}, log)
	if len(rec.Recordings) != 0 || rec.Disposition != "completed" || len(rec.Path) != 2 {
		t.Fatalf("record %+v", rec)
	}
	if !strings.Contains(buf.String(), "recording did not start") || !strings.Contains(buf.String(), "call_id=c1") ||
		!strings.Contains(buf.String(), "disk full") {
		t.Errorf("log:\n%s", buf.String())
	}
}

// recAgentLeg is a desktop agent's leg: it asks for recording changes and is told the state.
type recAgentLeg struct {
	*legtest.Leg
	req    chan AgentRequest
	states chan string
}

func (l *recAgentLeg) Requests() <-chan AgentRequest        { return l.req }
func (l *recAgentLeg) ConsultProgress(ConsultState, string) {}
func (l *recAgentLeg) RecordingChanged(s RecordingState, allowed bool) {
	l.states <- fmt.Sprint(s, " ", allowed)
}

type recDialer struct{ leg *recAgentLeg }

func (d recDialer) DialAgent(context.Context, string, CallInfo) (AgentLeg, error) { return d.leg, nil }

// recordingCall is a call answered and waiting to enter queue q, with recorders, whose agent's
// leg the test drives.
func recordingCall(t *testing.T, policy string) (*call, *fakeRecorders, *recAgentLeg, *legtest.Leg) {
	t.Helper()
	h := newHarness(nil, "alice")
	recs := &fakeRecorders{}
	agent := &recAgentLeg{Leg: newTestLeg("agent-alice"), req: make(chan AgentRequest, 4), states: make(chan string, 16)}
	h.engine.Agents, h.engine.Recorders, h.engine.TTS = recDialer{agent}, recs, lengthTTS{}
	leg := newTestLeg("c1")
	t.Cleanup(func() { leg.Close(); agent.Close() })
	c := h.callOn("c1", leg)
	c.plan = &dialplan.Plan{Settings: dialplan.Settings{RecordAnnouncement: dialplan.Announcement{Text: dialplan.Text{All: announcementText}}}}
	c.recording = newCallRecording(h.engine, leg, "c1", policy)
	return c, recs, agent, leg
}

func wantState(t *testing.T, agent *recAgentLeg, want string) {
	t.Helper()
	select {
	case got := <-agent.states:
		if got != want {
			t.Fatalf("desktop told %q, want %q", got, want)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("desktop not told %q", want)
	}
}

// TestRecordingAgentControls: on an on_demand call the agent starts the recording, pauses it (the
// pause is in the recording) and resumes it; the desktop is told each state.
func TestRecordingAgentControls(t *testing.T) {
	c, recs, agent, _ := recordingCall(t, dialplan.RecordOnDemand)
	done := make(chan error, 1)
	go func() {
		_, err := c.Queue(context.Background(), dialplan.QueueRequest{Queue: queue("alice")})
		done <- err
	}()
	wantState(t, agent, "off true")
	agent.req <- AgentRequest{Kind: RequestRecord, On: true}
	wantState(t, agent, "recording true")
	agent.req <- AgentRequest{Kind: RequestRecord, On: false}
	wantState(t, agent, "paused true")
	time.Sleep(30 * time.Millisecond)
	agent.req <- AgentRequest{Kind: RequestRecord, On: true}
	wantState(t, agent, "recording true")
	agent.HangUp()
	if err := <-done; err != dialplan.ErrHangup {
		t.Fatalf("Queue: %v", err)
	}
	recordings := c.recording.finish()
	wantLines(t, "recorder", recs.Events(), []string{"start 1", "pause 1", "resume 1", "stop 1"})
	if len(recordings) != 1 || len(recordings[0].Paused) != 1 {
		t.Fatalf("recordings %+v", recordings)
	}
	if p := recordings[0].Paused[0]; p.End.Sub(p.Start) < 30*time.Millisecond {
		t.Errorf("pause %v, want at least 30ms", p.End.Sub(p.Start))
	}
}

// TestRecordingQueues: a queue with record: never stops the recording and the agent cannot start
// it; one with always starts a new one after the announcement.
func TestRecordingQueues(t *testing.T) {
	c, recs, agent, _ := recordingCall(t, dialplan.RecordAlways)
	c.startAnnounced("answer")
	wantLines(t, "after answer", recs.Events(), []string{"start 1"})

	never := queue("alice")
	never.Record = dialplan.RecordNever
	done := make(chan error, 1)
	go func() {
		_, err := c.Queue(context.Background(), dialplan.QueueRequest{Queue: never})
		done <- err
	}()
	wantState(t, agent, "off false")
	agent.req <- AgentRequest{Kind: RequestRecord, On: true}
	wantState(t, agent, "off false")
	wantLines(t, "in a never queue", recs.Events(), []string{"start 1", "stop 1"})
	agent.HangUp()
	<-done

	if got := c.recording.finish(); len(got) != 1 || got[0].File != "c1-1.wav" {
		t.Fatalf("recordings %+v", got)
	}

	// A call on a route that records never, entering a queue that records always.
	c, recs, _, leg := recordingCall(t, dialplan.RecordNever)
	c.startAnnounced("answer")
	sent := len(leg.OutAudio())
	c.recordInQueue(&dialplan.Queue{Name: "sales", Record: dialplan.RecordAlways})
	wantLines(t, "in an always queue", recs.Events(), []string{"start 1"})
	if len(recs.sentAt) == 1 && recs.sentAt[0]-sent != 800 {
		t.Errorf("the caller was sent %d samples before the recording, want the 800 of the announcement", recs.sentAt[0]-sent)
	}
	c.recordInQueue(&dialplan.Queue{Name: "other", Record: dialplan.RecordOnDemand})
	c.recordInQueue(&dialplan.Queue{Name: "plain"})
	if got := c.recording.finish(); len(got) != 1 {
		t.Fatalf("recordings %+v", got)
	}
	wantLines(t, "at the end", recs.Events(), []string{"start 1", "stop 1"})
}

// TestRecordingOff: without recorders nothing is recorded and the desktop is told nothing.
func TestRecordingOff(t *testing.T) {
	c, _, agent, _ := recordingCall(t, dialplan.RecordAlways)
	c.engine.Recorders = nil
	c.recording = newCallRecording(c.engine, c.leg, "c1", dialplan.RecordAlways)
	c.startAnnounced("answer")
	c.recording.agentRecord(true)
	c.recording.watch(agent)
	if got := c.recording.finish(); len(got) != 0 {
		t.Fatalf("recordings %+v", got)
	}
	select {
	case s := <-agent.states:
		t.Fatalf("desktop told %q", s)
	default:
	}
}

func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\ngot:  %v\nwant: %v", what, got, want)
	}
}

// TestRecordingDuringConsultation: while the agent consults a colleague (the caller on hold), the
// agent can still pause and resume the caller's recording.
func TestRecordingDuringConsultation(t *testing.T) {
	h := newHarness(map[string]string{"alice": "consult", "bob": "stay"}, "alice", "bob")
	recs := &fakeRecorders{}
	h.engine.Recorders, h.engine.TTS = recs, lengthTTS{}
	leg := newTestLeg("c1")
	defer leg.Close()
	c := h.call("c1", leg)
	c.plan = &dialplan.Plan{}
	c.recording = newCallRecording(h.engine, leg, "c1", dialplan.RecordAlways)
	c.startAnnounced("answer")
	done := make(chan error, 1)
	go func() {
		_, err := c.Queue(leg.Context(), dialplan.QueueRequest{Queue: queue("alice")})
		done <- err
	}()
	var alice *consultLeg
	for range 400 {
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
	alice.req <- AgentRequest{Kind: RequestConsult, Agent: "bob"}
	if s := <-alice.states; s != "ringing:bob" {
		t.Fatal(s)
	}
	if s := <-alice.states; s != "connected:bob" {
		t.Fatal(s)
	}
	waitEvents := func(want ...string) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for !slices.Equal(recs.Events(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("recorder: %v, want %v", recs.Events(), want)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	alice.req <- AgentRequest{Kind: RequestRecord, On: false}
	waitEvents("start 1", "pause 1")
	alice.req <- AgentRequest{Kind: RequestRecord, On: true}
	waitEvents("start 1", "pause 1", "resume 1")
	alice.req <- AgentRequest{Kind: RequestCancelConsult}
	if s := <-alice.states; s != "cancelled:bob" {
		t.Fatal(s)
	}
	leg.HangUp()
	<-done
	if got := c.recording.finish(); len(got) != 1 || len(got[0].Paused) != 1 {
		t.Fatalf("recordings %+v", got)
	}
}

package ivr

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/legtest"
	"github.com/hotline-cc/hotline/record"
)

// trunks answers per number: "answer" (rings, answers after 30 ms; the number hangs up 100 ms later),
// "stay" (rings and answers; the number stays on), "busy", "declined", "error", or anything else rings
// until ctx ends (no answer).
type trunks struct {
	mu     sync.Mutex
	script map[string]string
	calls  []TrunkCall
	legs   []*legtest.Leg
	early  []*fakeEarly
}

func (d *trunks) DialTrunk(ctx context.Context, req TrunkCall) (TrunkLeg, error) {
	d.mu.Lock()
	d.calls = append(d.calls, req)
	what := d.script[req.Number]
	d.mu.Unlock()
	switch what {
	case "busy":
		return nil, fmt.Errorf("%w (486 Busy Here)", media.ErrBusy)
	case "declined":
		return nil, fmt.Errorf("%w (603 Decline)", media.ErrDeclined)
	case "error":
		return nil, errors.New("trunk unreachable")
	case "early-busy", "trying-early-busy":
		if what == "trying-early-busy" {
			time.Sleep(200 * time.Millisecond) // 100 Trying, nothing else yet
		}
		announce(req, d.newEarly())
		return nil, fmt.Errorf("%w (486 Busy Here)", media.ErrBusy)
	case "early-answer":
		announce(req, d.newEarly())
		return d.answered(req.Number, "stay"), nil
	case "trying-answer":
		time.Sleep(200 * time.Millisecond) // 100 Trying, then the 200 OK
		return d.answered(req.Number, "answer"), nil
	}
	req.OnProgress(180, "Ringing")
	switch what {
	case "answer", "stay":
		time.Sleep(30 * time.Millisecond)
		return d.answered(req.Number, what), nil
	}
	<-ctx.Done()
	return nil, fmt.Errorf("%w: %v", media.ErrNoAnswer, ctx.Err())
}

// answered is the number's leg once it answers: "answer" hangs up 100 ms later, "stay" stays on.
func (d *trunks) answered(number, what string) *legtest.Leg {
	l := newTestLeg("number-" + number)
	if what == "answer" {
		time.AfterFunc(100*time.Millisecond, l.HangUp)
	}
	d.mu.Lock()
	d.legs = append(d.legs, l)
	d.mu.Unlock()
	return l
}

func (d *trunks) newEarly() *fakeEarly {
	e := &fakeEarly{}
	d.mu.Lock()
	d.early = append(d.early, e)
	d.mu.Unlock()
	return e
}

// announcement is the sample value of the fake carrier's in-band announcement.
const announcement = 1234

// fakeEarly is a trunk call's early media: whatever the IVR swaps in hears the announcement.
type fakeEarly struct {
	mu sync.Mutex
	w  media.FrameWriter
}

func (e *fakeEarly) SwapAudioIn(w media.FrameWriter) media.FrameWriter {
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.w
	e.w = w
	return old
}

func (e *fakeEarly) writer() media.FrameWriter { e.mu.Lock(); defer e.mu.Unlock(); return e.w }

// announce is a carrier that reports progress with early media (the media first, as the SIP layer
// does) and plays a short announcement to whoever took the early media; a caller that cannot take it
// hears nothing of it.
func announce(req TrunkCall, e *fakeEarly) {
	req.OnEarlyMedia(e)
	req.OnProgress(183, "Session Progress")
	for deadline := time.Now().Add(time.Second); e.writer() == nil && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	frame := make(media.PCM16, 160)
	for i := range frame {
		frame[i] = announcement
	}
	for i := 0; i < 10; i++ {
		if w := e.writer(); w != nil {
			_ = w.WriteFrame(frame)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// heardFrames counts what the caller heard: ringback frames before the first frame of the carrier's
// announcement, announcement frames, and ringback frames after the announcement began.
func heardFrames(l *legtest.Leg) (ringBefore, announced, ringAfter int) {
	heard := l.OutAudio()
	for len(heard) >= 160 {
		f := heard[:160]
		heard = heard[160:]
		switch {
		case f[0] == announcement:
			announced++
		case !slices.ContainsFunc(f, func(s int16) bool { return s != 0 }):
		case announced > 0:
			ringAfter++
		default:
			ringBefore++
		}
	}
	return ringBefore, announced, ringAfter
}

// TestTransferOutEarlyMedia: the far end's early media replaces our ringback (the caller hears the
// carrier's announcement and no ringback after it), a busy after it still takes the failed edge, and
// the early media is let go when the attempt ends.
func TestTransferOutEarlyMedia(t *testing.T) {
	h, d := externalHarness(map[string]string{"13800000001": "early-busy"})
	leg := newTestLeg("c1")
	c := h.call("c1", leg)
	res, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: "13800000001", Trunk: testTrunk(t, "")})
	if err != nil || res.Outcome != dialplan.QueueNoAgent {
		t.Fatalf("Transfer = %+v, %v", res, err)
	}
	if x := c.rec.Transfers; len(x) != 1 || x[0].Outcome != record.TransferBusy {
		t.Fatalf("record %+v", x)
	}
	if w := d.early[0].writer(); w != nil {
		t.Errorf("the early media still goes to %s after the attempt", w)
	}
	if _, announced, ringAfter := heardFrames(leg); announced == 0 || ringAfter > 0 {
		t.Errorf("the caller heard %d announcement frames, then %d frames of ringback", announced, ringAfter)
	}
}

// TestTransferOutRingbackFromDial: an answered caller hears our ringback from the moment the number is
// dialled, though the far end has sent nothing but 100 Trying: until it answers, or until its early
// media begins, which then replaces the ringback (none after it, no mix of both).
func TestTransferOutRingbackFromDial(t *testing.T) {
	h, _ := externalHarness(map[string]string{"13800000001": "trying-early-busy", "13800000002": "trying-answer"})
	trunk := testTrunk(t, "")

	leg := newTestLeg("c1")
	c := h.call("c1", leg)
	res, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: "13800000001", Trunk: trunk})
	if err != nil || res.Outcome != dialplan.QueueNoAgent {
		t.Fatalf("trying, early media, busy: Transfer = %+v, %v", res, err)
	}
	if before, announced, after := heardFrames(leg); before == 0 || announced == 0 || after > 0 {
		t.Errorf("trying, early media, busy: the caller heard %d frames of ringback, then %d of the announcement, then %d of ringback",
			before, announced, after)
	}

	leg = newTestLeg("c2")
	c = h.call("c2", leg)
	res, err = c.Transfer(context.Background(), dialplan.TransferRequest{Number: "13800000002", Trunk: trunk})
	if err != nil || res.Outcome != dialplan.QueueAnswered {
		t.Fatalf("trying, answer: Transfer = %+v, %v", res, err)
	}
	if before, _, _ := heardFrames(leg); before == 0 {
		t.Error("trying, answer: no ringback while the number was dialled")
	}
	if x := c.rec.Transfers[0]; !x.Ringing.IsZero() {
		t.Errorf("trying, answer: the record says the number rang at %v: it never reported ringing", x.Ringing)
	}
}

// toldPhone is what the caller's phone was told, in order: "183,200".
func toldPhone(l *legtest.Leg) string { return strings.Join(l.Told(), ",") }

// TestTransferOutEarlyMediaUnansweredCaller: a caller not answered yet is given the far end's early
// media with a 183 (no 180 before it) and hears the announcement; a busy after it takes the failed
// edge with the caller still unanswered, and the next node's answer is a 200 on the same media. When
// the number answers after its early media, the caller is answered and bridged. A caller that cannot
// have early media is told of ringing instead and hears nothing of it; without early media the caller
// gets a 180 and no 183.
func TestTransferOutEarlyMediaUnansweredCaller(t *testing.T) {
	h, d := externalHarness(map[string]string{"13800000001": "early-busy", "13800000002": "early-answer",
		"13800000003": "answer"})
	trunk := testTrunk(t, "")
	unanswered := func(id string, noEarly bool) (*call, *legtest.Leg) {
		leg := legtest.New(id, legtest.Options{Period: time.Millisecond, Silent: true, NoEarly: noEarly})
		c := h.call(id, leg)
		c.answered = false
		return c, leg
	}

	t.Run("early media then busy", func(t *testing.T) {
		c, leg := unanswered("c1", false)
		res, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: "13800000001", Trunk: trunk})
		if err != nil || res.Outcome != dialplan.QueueNoAgent {
			t.Fatalf("Transfer = %+v, %v", res, err)
		}
		if got := toldPhone(leg); got != "183" {
			t.Errorf("the caller's phone was told %q, want 183 only", got)
		}
		if before, announced, after := heardFrames(leg); announced == 0 || before+after > 0 {
			t.Errorf("the caller heard %d frames of ringback, %d of the announcement, %d of ringback", before, announced, after)
		}
		if c.answered || !c.early || !c.rec.Answer.IsZero() {
			t.Errorf("after the failed transfer: answered %v, early media %v, record answer %v", c.answered, c.early, c.rec.Answer)
		}
		// The failed edge's next node answers (a prompt, an answer node): a 200 after the 183.
		if err := c.answer(); err != nil || toldPhone(leg) != "183,200" || c.rec.Answer.IsZero() {
			t.Errorf("answer after the failed transfer: %v; the phone was told %q", err, toldPhone(leg))
		}
	})
	t.Run("early media then answer", func(t *testing.T) {
		c, leg := unanswered("c2", false)
		time.AfterFunc(300*time.Millisecond, leg.HangUp) // the caller hangs up while talking
		res, err := c.Transfer(leg.Context(), dialplan.TransferRequest{Number: "13800000002", Trunk: trunk})
		if err != nil || res.Outcome != dialplan.QueueAnswered {
			t.Fatalf("Transfer = %+v, %v", res, err)
		}
		if got := toldPhone(leg); got != "183,200" {
			t.Errorf("the caller's phone was told %q, want 183,200", got)
		}
		if _, announced, _ := heardFrames(leg); announced == 0 {
			t.Error("the caller did not hear the far end's early media")
		}
		if x := c.rec.Transfers[0]; x.Outcome != record.TransferAnswered || c.rec.Answer.IsZero() {
			t.Errorf("record %+v, answer %v", x, c.rec.Answer)
		}
	})
	t.Run("caller without early media", func(t *testing.T) {
		c, leg := unanswered("c3", true)
		res, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: "13800000001", Trunk: trunk})
		if err != nil || res.Outcome != dialplan.QueueNoAgent {
			t.Fatalf("Transfer = %+v, %v", res, err)
		}
		if got := toldPhone(leg); got != "180" {
			t.Errorf("the caller's phone was told %q, want 180", got)
		}
		if before, announced, after := heardFrames(leg); before+announced+after > 0 {
			t.Errorf("a caller without media heard %d frames", before+announced+after)
		}
		if c.early {
			t.Error("the call is marked as having early media")
		}
		d.mu.Lock()
		w := d.early[len(d.early)-1].writer()
		d.mu.Unlock()
		if w != nil {
			t.Errorf("the early media goes to %s", w)
		}
	})
	t.Run("no early media", func(t *testing.T) {
		c, leg := unanswered("c4", false)
		res, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: "13800000003", Trunk: trunk})
		if err != nil || res.Outcome != dialplan.QueueAnswered {
			t.Fatalf("Transfer = %+v, %v", res, err)
		}
		if got := toldPhone(leg); got != "180,200" {
			t.Errorf("the caller's phone was told %q, want 180,200", got)
		}
		if before, _, _ := heardFrames(leg); before > 0 {
			t.Errorf("an unanswered caller got %d frames of our ringback: its phone rings by itself", before)
		}
	})
}

// testTrunk is a dialplan trunk that allows Chinese mobile numbers.
func testTrunk(t *testing.T, extra string) *dialplan.Trunk {
	t.Helper()
	src := `version: 1
trunks:
  pstn: {host: "127.0.0.1:5099", allow: ["^1[3-9][0-9]{9}$"]` + extra + `}
routes: [{name: r, flow: main}]
flows:
  main: {start: end, nodes: [{id: end, type: hangup}]}
`
	p, _, err := dialplan.Parse("t.yaml", []byte(src), dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Trunks["pstn"]
}

func externalHarness(script map[string]string) (*harness, *trunks) {
	h := newHarness(nil)
	d := &trunks{script: script}
	h.engine.Trunks = d
	return h, d
}

// TestTransferOutAnswered: the answered caller hears ringback while the number rings; the number
// answers, the two talk until the number hangs up, and the record says who, when and how.
func TestTransferOutAnswered(t *testing.T) {
	h, d := externalHarness(map[string]string{"13800138000": "answer"})
	leg := newTestLeg("c1")
	c := h.call("c1", leg)
	res, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: "13800138000", Trunk: testTrunk(t, "")})
	if err != nil || res.Outcome != dialplan.QueueAnswered {
		t.Fatalf("Transfer = %+v, %v", res, err)
	}
	if len(d.calls) != 1 || d.calls[0].CallerID != "100" || d.calls[0].Trunk.Name != "pstn" || d.calls[0].Log == nil {
		t.Fatalf("dialled %+v", d.calls)
	}
	if len(leg.Out()) == 0 {
		t.Error("no ringback while the number rang")
	}
	if len(c.rec.Transfers) != 1 {
		t.Fatalf("record transfers = %+v", c.rec.Transfers)
	}
	x := c.rec.Transfers[0]
	if x.Number != "13800138000" || x.Trunk != "pstn" || x.Outcome != record.TransferAnswered || x.HangupBy != "number" ||
		x.CallerID != "100" || x.Ringing.IsZero() || x.Answer.Before(x.Ringing) || x.End.Before(x.Answer) {
		t.Errorf("record transfer = %+v", x)
	}
	if c.rec.Disposition != record.DispositionTransferred || leg.Context().Err() != nil {
		t.Errorf("disposition %q; caller leg ended: %v (the flow goes on after the number hangs up)", c.rec.Disposition, leg.Context().Err())
	}
}

// TestTransferOutUnansweredCaller: a caller not answered yet gets 180 (their phone rings) and is
// answered when the number answers; the trunk's caller_id is presented.
func TestTransferOutUnansweredCaller(t *testing.T) {
	h, d := externalHarness(map[string]string{"13800138000": "answer"})
	leg := newTestLeg("c1")
	c := h.call("c1", leg)
	c.answered = false
	res, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: "13800138000", Trunk: testTrunk(t, `, caller_id: "+861088880000"`)})
	if err != nil || res.Outcome != dialplan.QueueAnswered {
		t.Fatalf("Transfer = %+v, %v", res, err)
	}
	if toldPhone(leg) != "180,200" || !c.answered || c.rec.Answer.IsZero() {
		t.Errorf("caller's phone told %q, answered %v", toldPhone(leg), c.answered)
	}
	if d.calls[0].CallerID != "+861088880000" || c.rec.Transfers[0].CallerID != "+861088880000" {
		t.Errorf("caller id %q, want the trunk's", d.calls[0].CallerID)
	}
}

// TestTransferOutNotReached: busy and declined and no answer take the failed edge's outcomes, a broken
// trunk is an error; each attempt is recorded.
func TestTransferOutNotReached(t *testing.T) {
	h, _ := externalHarness(map[string]string{"13800000001": "busy", "13800000002": "declined", "13800000003": "ring",
		"13800000004": "error"})
	trunk := testTrunk(t, "")
	for _, tt := range []struct {
		number  string
		outcome dialplan.QueueOutcome
		record  string
		cause   string // the dialler's error, as it reads
		err     bool
	}{
		{"13800000001", dialplan.QueueNoAgent, record.TransferBusy, "busy (486 Busy Here)", false},
		{"13800000002", dialplan.QueueNoAgent, record.TransferDeclined, "declined (603 Decline)", false},
		{"13800000003", dialplan.QueueTimeout, record.TransferNoAnswer, "no answer: context deadline exceeded", false},
		{"13800000004", 0, record.TransferError, "trunk unreachable", true},
	} {
		leg := newTestLeg("c1")
		c := h.call("c1", leg)
		res, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: tt.number, Trunk: trunk, MaxWait: 200 * time.Millisecond})
		if res.Outcome != tt.outcome || (err != nil) != tt.err || errors.Is(err, dialplan.ErrHangup) {
			t.Errorf("%s: Transfer = %+v, %v", tt.number, res, err)
		}
		if x := c.rec.Transfers; len(x) != 1 || x[0].Outcome != tt.record || x[0].Cause != tt.cause || !x[0].Answer.IsZero() {
			t.Errorf("%s: record %+v", tt.number, x)
		}
		if c.rec.Disposition != "" {
			t.Errorf("%s: disposition %q: the flow decides what happens next", tt.number, c.rec.Disposition)
		}
	}
}

// TestTransferOutNotAllowed: whatever reaches the IVR, a number the trunk does not allow is not dialled.
func TestTransferOutNotAllowed(t *testing.T) {
	h, d := externalHarness(map[string]string{"0044201234567": "answer"})
	c := h.call("c1", newTestLeg("c1"))
	_, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: "0044201234567", Trunk: testTrunk(t, "")})
	if !errors.Is(err, errNumberNotAllowed) || len(d.calls) != 0 {
		t.Fatalf("Transfer: %v; dialled %+v", err, d.calls)
	}
	if x := c.rec.Transfers; len(x) != 1 || x[0].Outcome != record.TransferNotAllowed {
		t.Errorf("record %+v", x)
	}
	// No dialer: the error edge too.
	h.engine.Trunks = nil
	if _, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: "13800138000", Trunk: testTrunk(t, "")}); !errors.Is(err, errNoTrunkDialling) {
		t.Errorf("without a dialer: %v", err)
	}
}

// TestTransferOutCallerHangsUp: a caller who leaves while the number rings cancels the attempt; one who
// leaves while talking ends the number's leg.
func TestTransferOutCallerHangsUp(t *testing.T) {
	h, d := externalHarness(map[string]string{"13800000003": "ring", "13800138000": "stay"})
	trunk := testTrunk(t, "")

	leg := newTestLeg("c1")
	c := h.call("c1", leg)
	time.AfterFunc(100*time.Millisecond, leg.HangUp)
	res, err := c.Transfer(leg.Context(), dialplan.TransferRequest{Number: "13800000003", Trunk: trunk})
	if !errors.Is(err, dialplan.ErrHangup) || res.Outcome != dialplan.QueueCallerHangup {
		t.Errorf("hangup while ringing: %+v, %v", res, err)
	}
	if x := c.rec.Transfers; len(x) != 1 || x[0].Outcome != record.TransferCallerHangup || c.rec.Disposition != record.DispositionAbandoned {
		t.Errorf("record %+v, disposition %q", x, c.rec.Disposition)
	}

	leg = newTestLeg("c2")
	c = h.call("c2", leg)
	time.AfterFunc(300*time.Millisecond, leg.HangUp)
	res, err = c.Transfer(leg.Context(), dialplan.TransferRequest{Number: "13800138000", Trunk: trunk})
	if err != nil || res.Outcome != dialplan.QueueAnswered {
		t.Errorf("hangup while talking: %+v, %v", res, err)
	}
	d.mu.Lock()
	far := d.legs[len(d.legs)-1]
	d.mu.Unlock()
	if !far.HungUpByUs() {
		t.Error("the number's leg was not hung up after the caller left")
	}
	if x := c.rec.Transfers; len(x) != 1 || x[0].Outcome != record.TransferAnswered || x[0].HangupBy != record.HangupByCaller {
		t.Errorf("record %+v", x)
	}
}

func TestRingbackPattern(t *testing.T) {
	p := ringbackPattern(8000)
	if len(p) != 6*8000 {
		t.Fatalf("%d samples, want a 6 s cycle", len(p))
	}
	loud, quiet := 0, 0
	for i, s := range p {
		if s != 0 && i >= 2*8000 {
			t.Fatalf("sound in the silent part at %d", i)
		}
		if s > 1000 || s < -1000 {
			loud++
		} else if i >= 2*8000 {
			quiet++
		}
	}
	if loud < 8000 || quiet != 4*8000 {
		t.Errorf("loud %d quiet %d", loud, quiet)
	}
}

// TestTransferOutEarlyMediaThenQueue: after a transfer whose early media the unanswered caller heard
// fails, the failed edge queues the caller. Its phone plays that early media, not ringback of its own,
// so it is not sent a 180 but hears our ringback while the agents ring, and is answered when one
// answers.
func TestTransferOutEarlyMediaThenQueue(t *testing.T) {
	h := newHarness(map[string]string{"bob": "answer"}, "alice", "bob")
	h.engine.Trunks = &trunks{script: map[string]string{"13800000001": "early-busy"}}
	leg := newTestLeg("c1")
	c := h.call("c1", leg)
	c.answered = false
	res, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: "13800000001", Trunk: testTrunk(t, "")})
	if err != nil || res.Outcome != dialplan.QueueNoAgent {
		t.Fatalf("Transfer = %+v, %v", res, err)
	}
	// The agent hangs up after a while: the call ends there (dialplan.ErrHangup).
	if q, err := c.Queue(context.Background(), dialplan.QueueRequest{Queue: queue("alice", "bob")}); q.Outcome != dialplan.QueueAnswered || q.Agent != "bob" {
		t.Fatalf("Queue = %+v, %v", q, err)
	}
	if got := toldPhone(leg); got != "183,200" {
		t.Errorf("the caller's phone was told %q, want 183,200 (no 180 after the early media)", got)
	}
	if _, announced, ringAfter := heardFrames(leg); announced == 0 || ringAfter == 0 {
		t.Errorf("the caller heard %d frames of the announcement, then %d of ringback while the agents rang", announced, ringAfter)
	}
}

package ivr

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/store"
)

// trunks answers per number: "answer" (rings, answers after 30 ms; the number hangs up 100 ms later),
// "stay" (rings and answers; the number stays on), "busy", "declined", "error", or anything else rings
// until ctx ends (no answer).
type trunks struct {
	mu     sync.Mutex
	script map[string]string
	calls  []TrunkCall
	legs   []*testLeg
	early  []*fakeEarly
}

func (d *trunks) DialTrunk(ctx context.Context, req TrunkCall) (TrunkLeg, error) {
	d.mu.Lock()
	d.calls = append(d.calls, req)
	what := d.script[req.Number]
	d.mu.Unlock()
	switch what {
	case "busy":
		return nil, fmt.Errorf("%w (486 Busy Here)", ErrNumberBusy)
	case "declined":
		return nil, fmt.Errorf("%w (603 Decline)", ErrNumberDeclined)
	case "error":
		return nil, errors.New("trunk unreachable")
	case "early-busy":
		e := &fakeEarly{}
		d.mu.Lock()
		d.early = append(d.early, e)
		d.mu.Unlock()
		return nil, announceBusy(req, e)
	}
	req.OnProgress(180, "Ringing")
	switch what {
	case "answer", "stay":
		time.Sleep(30 * time.Millisecond)
		l := newTestLeg("number-" + req.Number)
		if what == "answer" {
			time.AfterFunc(100*time.Millisecond, l.cancel)
		}
		d.mu.Lock()
		d.legs = append(d.legs, l)
		d.mu.Unlock()
		return l, nil
	}
	<-ctx.Done()
	return nil, fmt.Errorf("%w: %v", ErrNumberNoAnswer, ctx.Err())
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

// announceBusy is a carrier that reports progress with early media, plays a short announcement and
// refuses the call as busy.
func announceBusy(req TrunkCall, e *fakeEarly) error {
	req.OnProgress(183, "Session Progress")
	req.OnEarlyMedia(e)
	for deadline := time.Now().Add(5 * time.Second); e.writer() == nil && time.Now().Before(deadline); {
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
	if e.writer() == nil {
		return errors.New("the IVR never took the early media")
	}
	return fmt.Errorf("%w (486 Busy Here)", ErrNumberBusy)
}

// earLeg keeps what the caller heard.
type earLeg struct {
	*testLeg
	heard []media.PCM16
}

func (l *earLeg) AudioOut() media.FrameWriter {
	return media.FrameWriterFunc{Rate: 8000, Fn: func(p media.PCM16) error {
		l.mu.Lock()
		l.heard = append(l.heard, append(media.PCM16(nil), p...))
		l.mu.Unlock()
		return nil
	}}
}

// TestTransferOutEarlyMedia: the far end's early media replaces our ringback (the caller hears the
// carrier's announcement and no ringback after it), a busy after it still takes the failed edge, and
// the early media is let go when the attempt ends.
func TestTransferOutEarlyMedia(t *testing.T) {
	h, d := externalHarness(map[string]string{"13800000001": "early-busy"})
	leg := &earLeg{testLeg: newTestLeg("c1")}
	c := h.call("c1", leg.testLeg)
	c.leg = leg
	res, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: "13800000001", Trunk: testTrunk(t, "")})
	if err != nil || res.Outcome != dialplan.QueueNoAgent {
		t.Fatalf("Transfer = %+v, %v", res, err)
	}
	if x := c.rec.Transfers; len(x) != 1 || x[0].Outcome != store.TransferBusy {
		t.Fatalf("record %+v", x)
	}
	if w := d.early[0].writer(); w != nil {
		t.Errorf("the early media still goes to %s after the attempt", w)
	}
	leg.mu.Lock()
	defer leg.mu.Unlock()
	announced, ringbackAfter := 0, 0
	for _, f := range leg.heard {
		switch {
		case f[0] == announcement:
			announced++
		case announced > 0 && slices.ContainsFunc(f, func(s int16) bool { return s != 0 }):
			ringbackAfter++
		}
	}
	if announced == 0 || ringbackAfter > 0 {
		t.Errorf("the caller heard %d announcement frames, then %d frames of ringback", announced, ringbackAfter)
	}
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

// ringLeg counts what the caller's phone was told before the answer.
type ringLeg struct {
	*testLeg
	rings, answers int
}

func (l *ringLeg) Ringing() error { l.mu.Lock(); l.rings++; l.mu.Unlock(); return nil }
func (l *ringLeg) Answer() error  { l.mu.Lock(); l.answers++; l.mu.Unlock(); return nil }

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
	leg.mu.Lock()
	frames := leg.frames
	leg.mu.Unlock()
	if frames == 0 {
		t.Error("no ringback while the number rang")
	}
	if len(c.rec.Transfers) != 1 {
		t.Fatalf("record transfers = %+v", c.rec.Transfers)
	}
	x := c.rec.Transfers[0]
	if x.Number != "13800138000" || x.Trunk != "pstn" || x.Outcome != store.TransferAnswered || x.HangupBy != "number" ||
		x.CallerID != "100" || x.Ringing.IsZero() || x.Answer.Before(x.Ringing) || x.End.Before(x.Answer) {
		t.Errorf("record transfer = %+v", x)
	}
	if c.rec.Disposition != store.DispositionTransferred || leg.ctx.Err() != nil {
		t.Errorf("disposition %q; caller leg ended: %v (the flow goes on after the number hangs up)", c.rec.Disposition, leg.ctx.Err())
	}
}

// TestTransferOutUnansweredCaller: a caller not answered yet gets 180 (their phone rings) and is
// answered when the number answers; the trunk's caller_id is presented.
func TestTransferOutUnansweredCaller(t *testing.T) {
	h, d := externalHarness(map[string]string{"13800138000": "answer"})
	leg := &ringLeg{testLeg: newTestLeg("c1")}
	c := h.call("c1", leg.testLeg)
	c.leg, c.answered = leg, false
	res, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: "13800138000", Trunk: testTrunk(t, `, caller_id: "+861088880000"`)})
	if err != nil || res.Outcome != dialplan.QueueAnswered {
		t.Fatalf("Transfer = %+v, %v", res, err)
	}
	if leg.rings != 1 || leg.answers != 1 || !c.answered || c.rec.Answer.IsZero() {
		t.Errorf("caller: %d rings, %d answers, answered %v", leg.rings, leg.answers, c.answered)
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
		err     bool
	}{
		{"13800000001", dialplan.QueueNoAgent, store.TransferBusy, false},
		{"13800000002", dialplan.QueueNoAgent, store.TransferDeclined, false},
		{"13800000003", dialplan.QueueTimeout, store.TransferNoAnswer, false},
		{"13800000004", 0, store.TransferError, true},
	} {
		leg := newTestLeg("c1")
		c := h.call("c1", leg)
		res, err := c.Transfer(context.Background(), dialplan.TransferRequest{Number: tt.number, Trunk: trunk, MaxWait: 200 * time.Millisecond})
		if res.Outcome != tt.outcome || (err != nil) != tt.err || errors.Is(err, dialplan.ErrHangup) {
			t.Errorf("%s: Transfer = %+v, %v", tt.number, res, err)
		}
		if x := c.rec.Transfers; len(x) != 1 || x[0].Outcome != tt.record || x[0].Cause == "" || !x[0].Answer.IsZero() {
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
	if x := c.rec.Transfers; len(x) != 1 || x[0].Outcome != store.TransferNotAllowed {
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
	time.AfterFunc(100*time.Millisecond, leg.cancel)
	res, err := c.Transfer(leg.ctx, dialplan.TransferRequest{Number: "13800000003", Trunk: trunk})
	if !errors.Is(err, dialplan.ErrHangup) || res.Outcome != dialplan.QueueCallerHangup {
		t.Errorf("hangup while ringing: %+v, %v", res, err)
	}
	if x := c.rec.Transfers; len(x) != 1 || x[0].Outcome != store.TransferCallerHangup || c.rec.Disposition != store.DispositionAbandoned {
		t.Errorf("record %+v, disposition %q", x, c.rec.Disposition)
	}

	leg = newTestLeg("c2")
	c = h.call("c2", leg)
	time.AfterFunc(300*time.Millisecond, leg.cancel)
	res, err = c.Transfer(leg.ctx, dialplan.TransferRequest{Number: "13800138000", Trunk: trunk})
	if err != nil || res.Outcome != dialplan.QueueAnswered {
		t.Errorf("hangup while talking: %+v, %v", res, err)
	}
	d.mu.Lock()
	far := d.legs[len(d.legs)-1]
	d.mu.Unlock()
	if !far.HungUpByUs() {
		t.Error("the number's leg was not hung up after the caller left")
	}
	if x := c.rec.Transfers; len(x) != 1 || x[0].Outcome != store.TransferAnswered || x[0].HangupBy != store.HangupByCaller {
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

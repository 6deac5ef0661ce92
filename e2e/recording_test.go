package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"

	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/recording"
)

// recordingDialplan records every call (after a short announcement) and sends it to alice.
const recordingDialplan = `version: 1
settings:
  record: always
  record_announcement: "Recorded."
queues:
  support: {members: [alice], ring_timeout: 20s}
routes:
  - {name: rec, to: "5000", flow: main}
flows:
  main:
    start: hello
    nodes:
      - {id: hello, type: say, text: "Hello.", next: agent}
      - {id: agent, type: queue, queue: support}
`

// recCallerTone is what the Go caller sends; the agent's phone sends agentTone.
const recCallerTone = 440.0

// TestCallRecording: a caller (a Go SIP UA whose RTP the test paces, so it knows when each
// packet went) is bridged with a SIP agent. The caller sends silence, then its tone from a
// known moment; the agent's phone sends its own tone. The agent pauses the recording from the
// desktop's WebSocket for a known span. After the hang-up the call record lists one recording:
// its left channel holds the caller's tone and not the agent's, the right the agent's and not
// the caller's, the caller's tone begins where it was sent (within 60 ms), and the pause is
// silence on both channels and listed in the recording's paused intervals.
func TestCallRecording(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: recordingDialplan, Ring: map[string]string{"alice": "sip"}})
	agent := startAgent(t, srv, "alice", "alice-demo", true)
	desk := recDesktop(t, srv, "alice", "alice-demo")
	desk.send(t, map[string]any{"type": "state", "state": "available"})
	desk.wait(t, 10*time.Second, func(m recWSMsg) bool { return m.Type == "status" && m.Agent != nil && m.Agent.State == "available" })

	caller := recDial(t, srv, "5000")
	defer caller.close()
	go caller.talk()

	// The agent answers; the desktop is told the call is recorded once it is bridged.
	on := desk.wait(t, 30*time.Second, func(m recWSMsg) bool { return m.Type == "recording" })
	if on.State != "recording" || !on.Allowed {
		t.Fatalf("desktop told %+v, want recording, allowed", on)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("agent: %v", err)
	}
	time.Sleep(time.Second)
	toneAt := caller.startTone()
	time.Sleep(1500 * time.Millisecond)

	// The agent pauses for a card number, then resumes.
	pauseAt := time.Now()
	desk.send(t, map[string]any{"type": "record", "call_id": on.CallID, "on": false})
	if m := desk.wait(t, 5*time.Second, func(m recWSMsg) bool { return m.Type == "recording" }); m.State != "paused" {
		t.Fatalf("after pause the desktop shows %q", m.State)
	}
	time.Sleep(1500 * time.Millisecond)
	resumeAt := time.Now()
	desk.send(t, map[string]any{"type": "record", "call_id": on.CallID, "on": true})
	if m := desk.wait(t, 5*time.Second, func(m recWSMsg) bool { return m.Type == "recording" }); m.State != "recording" {
		t.Fatalf("after resume the desktop shows %q", m.State)
	}
	time.Sleep(1500 * time.Millisecond)
	caller.hangup()
	if _, err := agent.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("agent not released: %v", err)
	}

	checkCallRecording(t, srv, recordedSpans{tone: toneAt, pause: pauseAt, resume: resumeAt})
}

// TestCallRecordingBrowser: the same with an agent on the desktop's WebRTC softphone, who
// pauses and resumes the recording with the page's button, which shows the recording's state.
func TestCallRecordingBrowser(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: recordingDialplan, Extra: desktopConfig})
	bctx, run := browserAgent(t, srv, "alice", "alice-demo", agentTone)
	goAvailable(t, bctx)

	caller := recDial(t, srv, "5000")
	defer caller.close()
	go caller.talk()
	jsWait(t, bctx, `!document.getElementById("btn-answer").classList.contains("hidden")`, 30*time.Second)
	if err := run(chromedp.Click("#btn-answer")); err != nil {
		t.Fatal(err)
	}
	recordButton := func(state, label string) {
		t.Helper()
		jsWait(t, bctx, `window.hotline.recording === "`+state+`" && document.getElementById("btn-record").textContent === "`+label+
			`" && !document.getElementById("btn-record").classList.contains("hidden")`, 10*time.Second)
	}
	recordButton("recording", "Pause recording")
	if s := jsString(t, bctx, `document.getElementById("rec-state").textContent`); !strings.Contains(s, "Recording") {
		t.Errorf("the page shows %q for a recorded call", s)
	}
	time.Sleep(1500 * time.Millisecond) // the browser's audio settles
	toneAt := caller.startTone()
	time.Sleep(1500 * time.Millisecond)
	pauseAt := time.Now()
	if err := run(chromedp.Click("#btn-record")); err != nil {
		t.Fatal(err)
	}
	recordButton("paused", "Resume recording")
	time.Sleep(1500 * time.Millisecond)
	resumeAt := time.Now()
	if err := run(chromedp.Click("#btn-record")); err != nil {
		t.Fatal(err)
	}
	recordButton("recording", "Pause recording")
	time.Sleep(1500 * time.Millisecond)
	caller.hangup()
	jsWait(t, bctx, `document.getElementById("btn-record").classList.contains("hidden") && window.hotline.recording === null`, 10*time.Second)
	checkCallRecording(t, srv, recordedSpans{tone: toneAt, pause: pauseAt, resume: resumeAt})
}

// recordedSpans are the moments a recording test made things happen: the caller's first tone
// packet went, the agent asked for the pause, the agent asked to resume.
type recordedSpans struct{ tone, pause, resume time.Time }

// checkCallRecording checks the one recording of the one call: each party on their channel
// only, the caller's tone where it was sent, and the agent's pause silent and recorded.
func checkCallRecording(t *testing.T, srv *Server, at recordedSpans) {
	t.Helper()
	toneAt, pauseAt, resumeAt := at.tone, at.pause, at.resume
	c := srv.WaitCalls(t, 1, 10*time.Second)[0]
	if len(c.Recordings) != 1 {
		t.Fatalf("call record lists %d recordings: %+v", len(c.Recordings), c.Recordings)
	}
	rec := c.Recordings[0]
	t.Logf("recording %+v", rec)
	if rec.Channels != 2 || rec.Incomplete || rec.End.IsZero() {
		t.Errorf("recording %+v", rec)
	}
	left, right, rate, err := recording.ReadStereo(filepath.Join(srv.Dir, "data", "recordings", "calls", filepath.FromSlash(rec.File)))
	if err != nil {
		t.Fatal(err)
	}
	pos := func(tm time.Time) int { return int(tm.Sub(rec.Start) * time.Duration(rate) / time.Second) }
	span := func(ch media.PCM16, from, to time.Time) media.PCM16 {
		a, b := max(0, pos(from)), min(len(ch), pos(to))
		if a >= b {
			t.Fatalf("span %v-%v is outside the recording (%d samples at %d Hz)", from.Sub(rec.Start), to.Sub(rec.Start), len(ch), rate)
		}
		return ch[a:b]
	}

	// Talking: the caller on the left, the agent on the right, each only there.
	talkL, talkR := span(left, toneAt.Add(300*time.Millisecond), pauseAt.Add(-200*time.Millisecond)),
		span(right, toneAt.Add(300*time.Millisecond), pauseAt.Add(-200*time.Millisecond))
	for _, chk := range []struct {
		what    string
		samples media.PCM16
		freq    float64
		want    bool
	}{
		{"left: the caller's tone", talkL, recCallerTone, true},
		{"left: the agent's tone", talkL, agentTone, false},
		{"right: the agent's tone", talkR, agentTone, true},
		{"right: the caller's tone", talkR, recCallerTone, false},
	} {
		if ok, ratio := audiotest.DetectTone(chk.samples, chk.freq, rate); ok != chk.want {
			t.Errorf("%s: present %v, want %v (ratio %.2f, %.1f dBFS)", chk.what, ok, chk.want, ratio, audiotest.RMSdBFS(chk.samples))
		}
	}

	// The caller's tone starts in the file where it was sent.
	onset := -1
	step := rate / 200 // 5 ms
	search := span(left, toneAt.Add(-500*time.Millisecond), toneAt.Add(500*time.Millisecond))
	base := max(0, pos(toneAt.Add(-500*time.Millisecond)))
	for i := 0; i+step <= len(search); i += step {
		if audiotest.RMSdBFS(search[i:i+step]) > -30 {
			onset = base + i
			break
		}
	}
	if onset < 0 {
		t.Fatal("the caller's tone is not in the left channel around when it was sent")
	}
	skew := time.Duration(onset-pos(toneAt)) * time.Second / time.Duration(rate)
	t.Logf("caller's tone: sent at %v, in the file at %v (skew %v)", toneAt.Sub(rec.Start), time.Duration(onset)*time.Second/time.Duration(rate), skew)
	if skew < -60*time.Millisecond || skew > 60*time.Millisecond {
		t.Errorf("the caller's tone is %v off its send time in the recording, want within 60ms", skew)
	}

	// The pause: in the record, from when the agent asked to when they asked again, and
	// silence on both channels, with the parties heard just before and after it.
	if len(rec.Paused) != 1 {
		t.Fatalf("paused intervals %+v, want one", rec.Paused)
	}
	p := rec.Paused[0]
	if d := p.Start.Sub(pauseAt); d < 0 || d > 500*time.Millisecond {
		t.Errorf("pause starts %v after the agent pressed pause", d)
	}
	if d := p.End.Sub(resumeAt); d < 0 || d > 500*time.Millisecond {
		t.Errorf("pause ends %v after the agent pressed resume", d)
	}
	for name, ch := range map[string]media.PCM16{"left": left, "right": right} {
		if db := audiotest.RMSdBFS(span(ch, p.Start.Add(40*time.Millisecond), p.End.Add(-40*time.Millisecond))); db > -60 {
			t.Errorf("%s channel during the pause: %.1f dBFS, want silence", name, db)
		}
		if db := audiotest.RMSdBFS(span(ch, p.Start.Add(-700*time.Millisecond), p.Start.Add(-100*time.Millisecond))); db < -40 {
			t.Errorf("%s channel before the pause: %.1f dBFS, want the party heard", name, db)
		}
		if db := audiotest.RMSdBFS(span(ch, p.End.Add(300*time.Millisecond), p.End.Add(1200*time.Millisecond))); db < -40 {
			t.Errorf("%s channel after the resume: %.1f dBFS, want the party heard again", name, db)
		}
	}
	if !strings.Contains(srv.Log(), `msg="recording started" call_id=`) {
		t.Error("the server did not log the recording's start")
	}
}

// ---- the agent's desktop, over its WebSocket ----

type recWSMsg struct {
	Type    string `json:"type"`
	CallID  string `json:"call_id"`
	State   string `json:"state"`
	Allowed bool   `json:"allowed"`
	Message string `json:"message"`
	Agent   *struct {
		State string `json:"state"`
	} `json:"agent"`
}

type recWS struct {
	conn *websocket.Conn
	msgs chan recWSMsg
}

// recDesktop logs the agent in and opens the desktop's WebSocket.
func recDesktop(t *testing.T, srv *Server, id, password string) *recWS {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"id": id, "password": password})
	resp, err := http.Post("http://"+srv.HTTPAddr+"/api/desktop/login", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) == 0 {
		t.Fatalf("desktop login: %s", resp.Status)
	}
	h := http.Header{}
	for _, c := range resp.Cookies() {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	conn, _, err := websocket.Dial(ctx, "ws://"+srv.HTTPAddr+"/api/desktop/ws", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("desktop websocket: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	w := &recWS{conn: conn, msgs: make(chan recWSMsg, 256)}
	go func() {
		defer close(w.msgs)
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			var m recWSMsg
			if json.Unmarshal(b, &m) == nil {
				w.msgs <- m
			}
		}
	}()
	return w
}

func (w *recWS) send(t *testing.T, m map[string]any) {
	t.Helper()
	b, _ := json.Marshal(m)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

// wait returns the next message that matches, failing on an error message or the timeout.
func (w *recWS) wait(t *testing.T, d time.Duration, match func(recWSMsg) bool) recWSMsg {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case m, ok := <-w.msgs:
			if !ok {
				t.Fatal("desktop websocket closed")
			}
			if m.Type == "error" {
				t.Fatalf("desktop error: %s", m.Message)
			}
			if match(m) {
				return m
			}
		case <-timeout:
			t.Fatal("desktop: the awaited message did not come")
		}
	}
}

// ---- a caller whose RTP the test sends ----

// recCaller is one SIP call from a Go UA: A-law RTP paced on a ticker, silence until told to
// send its tone. It reads and drops what the server sends.
type recCaller struct {
	t      *testing.T
	dlg    *sipgo.DialogClientSession
	conn   *net.UDPConn
	remote *net.UDPAddr
	stopUA func()

	mu     sync.Mutex
	toneAt time.Time // when the first tone packet went; zero: silence
	tone   bool

	done    chan struct{}
	stopped chan struct{}
}

func recDial(t *testing.T, srv *Server, number string) *recCaller {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	sip.SetDefaultLogger(quiet)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("hotline-e2e"), sipgo.WithUserAgentHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	sigConn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sigPort := sigConn.LocalAddr().(*net.UDPAddr).Port
	uas, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientAddr(sigConn.LocalAddr().String()), sipgo.WithClientLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	dcc := sipgo.NewDialogClientCache(cli, sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "13900000000", Host: "127.0.0.1", Port: sigPort}})
	uas.OnBye(func(req *sip.Request, tx sip.ServerTransaction) { _ = dcc.ReadBye(req, tx) })
	go uas.ServeUDP(sigConn)
	stopUA := func() { uas.Close(); ua.Close(); sigConn.Close() }

	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		stopUA()
		t.Fatal(err)
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	offer := fmt.Sprintf("v=0\r\no=e2e %d 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n", port, port)
	ctx := ctxFor(t, 20*time.Second)
	dlg, err := dcc.Invite(ctx, sip.Uri{Scheme: "sip", User: number, Host: "127.0.0.1", Port: srv.SIPPort}, []byte(offer),
		sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		stopUA()
		t.Fatalf("INVITE: %v", err)
	}
	if err := dlg.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		stopUA()
		t.Fatalf("not answered: %v", err)
	}
	remote, err := recSDPAudio(string(dlg.InviteResponse.Body()))
	if err != nil {
		stopUA()
		t.Fatal(err)
	}
	if err := dlg.Ack(ctx); err != nil {
		stopUA()
		t.Fatalf("ACK: %v", err)
	}
	c := &recCaller{t: t, dlg: dlg, conn: conn, remote: remote, stopUA: stopUA, done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
		}
	}()
	return c
}

// talk sends a packet every 20 ms until hangup: silence, or the tone once startTone was called.
func (c *recCaller) talk() {
	defer close(c.stopped)
	tone := media.EncodeALaw(nil, audiotest.Tone(recCallerTone, 8000, 60_000, 0.3))
	hush := media.EncodeALaw(nil, make(media.PCM16, 160))
	seq, ts0, ssrc := uint16(rand.Uint32()), rand.Uint32(), rand.Uint32()
	// The timestamp follows the clock, as a phone's sampling clock does: a tick the ticker drops
	// on a busy machine is a gap, not a shift of everything after it.
	t0 := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	pos := 0
	for {
		select {
		case <-c.done:
			return
		case <-tick.C:
		}
		c.mu.Lock()
		payload := hush
		if c.tone {
			payload = tone[pos*160 : (pos+1)*160]
			pos = (pos + 1) % (len(tone)/160 - 1)
		}
		ts := ts0 + 160*uint32((time.Since(t0)+10*time.Millisecond)/(20*time.Millisecond))
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 8, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc}, Payload: payload}
		seq++
		b, _ := pkt.Marshal()
		at := time.Now()
		_, _ = c.conn.WriteToUDP(b, c.remote)
		if c.tone && c.toneAt.IsZero() {
			c.toneAt = at
		}
		c.mu.Unlock()
	}
}

// startTone makes the caller send its tone from the next packet, and returns when that packet
// went.
func (c *recCaller) startTone() time.Time {
	c.mu.Lock()
	c.tone = true
	c.mu.Unlock()
	for {
		time.Sleep(5 * time.Millisecond)
		c.mu.Lock()
		at := c.toneAt
		c.mu.Unlock()
		if !at.IsZero() {
			return at
		}
	}
}

// stopTone makes the caller send silence again.
func (c *recCaller) stopTone() {
	c.mu.Lock()
	c.tone = false
	c.mu.Unlock()
}

func (c *recCaller) hangup() {
	select {
	case <-c.done:
		return
	default:
	}
	close(c.done)
	<-c.stopped
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.dlg.Bye(ctx); err != nil {
		c.t.Logf("BYE: %v", err)
	}
}

func (c *recCaller) close() {
	c.hangup()
	c.dlg.Close()
	c.conn.Close()
	c.stopUA()
}

// recSDPAudio reads the audio address from an SDP answer.
func recSDPAudio(sdp string) (*net.UDPAddr, error) {
	var ip net.IP
	port := 0
	for _, l := range strings.Split(sdp, "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "c=IN IP4 "); ok {
			ip = net.ParseIP(strings.TrimSpace(rest))
		}
		if rest, ok := strings.CutPrefix(l, "m=audio "); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				port, _ = strconv.Atoi(f[0])
			}
		}
	}
	if ip == nil || port == 0 {
		return nil, errors.New("no audio address in the SDP answer")
	}
	return &net.UDPAddr{IP: ip, Port: port}, nil
}

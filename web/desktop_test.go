package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/desk"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/rtc"
	"github.com/hotline-cc/hotline/rtc/rtctest"
	"golang.org/x/crypto/bcrypt"
)

type fakeAccounts map[string]*record.Agent

func (f fakeAccounts) GetAgent(id string) (*record.Agent, error) {
	if a, ok := f[id]; ok {
		return a, nil
	}
	return nil, record.ErrNotFound
}

type fakeWrapUps struct{ saved map[string]string }

func (f *fakeWrapUps) PutWrapUp(id string, w record.WrapUp) error {
	f.saved[id] = w.Agent + ":" + w.Disposition + "|" + w.Notes
	return nil
}

func testDesktop(t *testing.T) (*Desktop, *httptest.Server, *fakeWrapUps) {
	return testDesktopWith(t, nil)
}

// testDesktopWith serves the desktop and supervisor page over a real desk and WebRTC engine;
// calls lists the calls in progress for the supervisor.
func testDesktopWith(t *testing.T, calls LiveCalls) (*Desktop, *httptest.Server, *fakeWrapUps) {
	t.Helper()
	hash, _ := bcrypt.GenerateFromPassword([]byte("secret-pw"), bcrypt.MinCost)
	a := acd.New(nil)
	a.SetAgent("alice", "Alice")
	a.SetAgent("bob", "Bob")
	eng, err := rtc.NewEngine(rtc.Config{Loopback: true, PublicIP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	wu := &fakeWrapUps{saved: map[string]string{}}
	dk := desk.New(desk.Config{ACD: a, Browsers: desk.WebRTC(eng), WrapUps: wu, Dispositions: []string{"resolved", "other"},
		Queues: func() []string { return []string{"support"} }})
	d := &Desktop{
		Accounts: fakeAccounts{
			"alice": {ID: "alice", Name: "Alice", PasswordHash: string(hash)},
			"bob":   {ID: "bob", Name: "Bob", PasswordHash: string(hash), Role: record.RoleSupervisor},
		},
		Desk: dk, ACD: a, Calls: calls, ICEServers: eng.ICEServers(), LoginPerMinute: 5,
	}
	mux := http.NewServeMux()
	d.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return d, srv, wu
}

func login(t *testing.T, srv *httptest.Server, id, pw string) (*http.Client, int) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 5 * time.Second}
	resp, err := c.Post(srv.URL+"/api/desktop/login", "application/json", strings.NewReader(`{"id":"`+id+`","password":"`+pw+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return c, resp.StatusCode
}

func dialWS(t *testing.T, srv *httptest.Server, c *http.Client, path, origin string) (*websocket.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+path, &websocket.DialOptions{HTTPClient: c, HTTPHeader: h})
	return ws, err
}

func readUntil(t *testing.T, ws *websocket.Conn, typ string) wsMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 100 {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		var m wsMsg
		_ = json.Unmarshal(b, &m)
		if m.Type == typ {
			return m
		}
	}
	t.Fatalf("no %s message", typ)
	return wsMsg{}
}

func send(t *testing.T, ws *websocket.Conn, m wsMsg) {
	t.Helper()
	b, _ := json.Marshal(m)
	if err := ws.Write(context.Background(), websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

func TestLoginAndRateLimit(t *testing.T) {
	_, srv, _ := testDesktop(t)
	if _, code := login(t, srv, "alice", "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", code)
	}
	if _, code := login(t, srv, "nobody", "x"); code != http.StatusUnauthorized {
		t.Fatalf("unknown user: %d", code)
	}
	c, code := login(t, srv, "alice", "secret-pw")
	if code != http.StatusOK {
		t.Fatalf("login: %d", code)
	}
	resp, _ := c.Get(srv.URL + "/api/desktop/me")
	var me map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if me["id"] != "alice" || me["role"] != "agent" {
		t.Fatalf("me = %v", me)
	}
	// 5 attempts a minute per IP: the 3 above + 2 more, then refused even with the right password.
	login(t, srv, "alice", "wrong")
	login(t, srv, "alice", "wrong")
	if _, code := login(t, srv, "alice", "secret-pw"); code != http.StatusTooManyRequests {
		t.Fatalf("6th attempt: %d, want 429", code)
	}
}

func TestWebSocketNeedsSessionOriginAndRole(t *testing.T) {
	_, srv, _ := testDesktop(t)
	if _, err := dialWS(t, srv, &http.Client{}, "/api/desktop/ws", ""); err == nil {
		t.Fatal("websocket without a session was accepted")
	}
	c, _ := login(t, srv, "alice", "secret-pw")
	if _, err := dialWS(t, srv, c, "/api/desktop/ws", "http://evil.example"); err == nil {
		t.Fatal("websocket from a foreign Origin was accepted")
	}
	if _, err := dialWS(t, srv, c, "/api/desktop/supervisor/ws", ""); err == nil {
		t.Fatal("an agent opened the supervisor feed")
	}
	sup, _ := login(t, srv, "bob", "secret-pw")
	ws, err := dialWS(t, srv, sup, "/api/desktop/supervisor/ws", "")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	m := readUntil(t, ws, "floor")
	_ = m
}

// TestRingAnswerHangupWrapUp: an offer carries the screen pop with the
// bot's handoff; the desktop answers with SDP and the leg connects; the
// agent cannot act on someone else's call; hang-up and wrap-up work.
func TestRingAnswerHangupWrapUp(t *testing.T) {
	d, srv, wu := testDesktop(t)
	c, _ := login(t, srv, "alice", "secret-pw")
	ws, err := dialWS(t, srv, c, "/api/desktop/ws", "")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	readUntil(t, ws, "hello")
	if st := readUntil(t, ws, "status"); st.Agent.State != "break" || st.Agent.Reason != acd.ReasonNotReady {
		t.Fatalf("status after login: %+v", st.Agent)
	}
	send(t, ws, wsMsg{Type: "state", State: "available"})
	if st := readUntil(t, ws, "status"); st.Agent.State != "available" {
		t.Fatalf("status: %+v", st.Agent)
	}

	pop := ivr.CallInfo{ID: "call-1", From: "13800000000", Route: "hotline", Queue: "support",
		Handoff: &record.Handoff{Summary: "Wants a refund", Intent: "refund", Slots: map[string]string{"order": "A123"}, Sentiment: "negative",
			Transcript: []record.Turn{{Speaker: "caller", Text: "I want my money back"}}}}
	type result struct {
		leg ivr.AgentLeg
		err error
	}
	res := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		leg, err := d.Desk.DialAgent(ctx, "alice", pop)
		res <- result{leg, err}
	}()
	offer := readUntil(t, ws, "offer")
	if offer.Device != "browser" || offer.Call == nil || offer.Call.Handoff == nil || offer.Call.Handoff.Slots["order"] != "A123" || offer.Call.From != "13800000000" {
		t.Fatalf("offer = %+v", offer.Call)
	}
	send(t, ws, wsMsg{Type: "answer", CallID: "someone-elses", SDP: "x"})
	if e := readUntil(t, ws, "error"); !strings.Contains(e.Message, "not ringing for you") {
		t.Fatalf("error = %q", e.Message)
	}
	client, sdp, err := rtctest.New(2)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	send(t, ws, wsMsg{Type: "answer", CallID: "call-1", SDP: sdp})
	ans := readUntil(t, ws, "sdp")
	if err := client.SetAnswer(ans.SDP); err != nil {
		t.Fatal(err)
	}
	r := <-res
	if r.err != nil {
		t.Fatal(r.err)
	}
	readUntil(t, ws, "connected")
	send(t, ws, wsMsg{Type: "dtmf", CallID: "call-1", Digit: "55"})
	if e := readUntil(t, ws, "error"); !strings.Contains(e.Message, "bad digit") {
		t.Fatalf("two keys at once: %q", e.Message)
	}
	send(t, ws, wsMsg{Type: "transfer", CallID: "call-1", Queue: "sales"})
	if e := readUntil(t, ws, "error"); !strings.Contains(e.Message, `no queue "sales"`) {
		t.Fatalf("transfer to an unknown queue: %q", e.Message)
	}
	send(t, ws, wsMsg{Type: "hold", CallID: "call-1", On: true})
	if h := readUntil(t, ws, "held"); !h.On || h.CallID != "call-1" {
		t.Fatalf("held %+v", h)
	}
	send(t, ws, wsMsg{Type: "wrapup", CallID: "call-1", Disposition: "resolved"})
	if e := readUntil(t, ws, "error"); !strings.Contains(e.Message, "not yours to wrap up") {
		t.Fatalf("wrap-up before the end: %q", e.Message)
	}
	send(t, ws, wsMsg{Type: "hangup", CallID: "call-1"})
	readUntil(t, ws, "ended")
	<-r.leg.Context().Done()
	if r.leg.HungUpByUs() {
		t.Fatal("an agent hang-up counted as the server's")
	}
	send(t, ws, wsMsg{Type: "wrapup", CallID: "call-1", Disposition: "bogus"})
	readUntil(t, ws, "error")
	send(t, ws, wsMsg{Type: "wrapup", CallID: "call-1", Disposition: "resolved", Notes: "refunded"})
	readUntil(t, ws, "wrapup_saved")
	if wu.saved["call-1"] != "alice:resolved|refunded" {
		t.Fatalf("saved %v", wu.saved)
	}
}

func TestRejectAndNotLoggedIn(t *testing.T) {
	d, srv, _ := testDesktop(t)
	if _, err := d.Desk.DialAgent(context.Background(), "alice", ivr.CallInfo{ID: "c"}); !errors.Is(err, desk.ErrUnreachable) {
		t.Fatalf("ring without desktop: %v", err)
	}
	c, _ := login(t, srv, "alice", "secret-pw")
	ws, err := dialWS(t, srv, c, "/api/desktop/ws", "")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	readUntil(t, ws, "hello")
	errc := make(chan error, 1)
	go func() {
		_, err := d.Desk.DialAgent(context.Background(), "alice", ivr.CallInfo{ID: "c2"})
		errc <- err
	}()
	readUntil(t, ws, "offer")
	send(t, ws, wsMsg{Type: "reject", CallID: "c2"})
	if err := <-errc; !errors.Is(err, ivr.ErrAgentRejected) {
		t.Fatalf("reject: %v", err)
	}
	// Ring timeout: the desktop is told to stop ringing.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	go func() { _, err := d.Desk.DialAgent(ctx, "alice", ivr.CallInfo{ID: "c3"}); errc <- err }()
	readUntil(t, ws, "offer")
	if m := readUntil(t, ws, "cancel"); m.CallID != "c3" {
		t.Fatalf("cancel %+v", m)
	}
	<-errc
}

type fakeCalls []ivr.LiveCall

func (f fakeCalls) Calls() []ivr.LiveCall         { return f }
func (f fakeCalls) CallsChanged() <-chan struct{} { return nil }

// TestSupervisorFloorListsEveryCall: the floor lists calls wherever they are, not only those in a
// queue or with an agent.
func TestSupervisorFloorListsEveryCall(t *testing.T) {
	now := time.Now()
	_, srv, _ := testDesktopWith(t, fakeCalls{
		{ID: "c-ivr", State: ivr.StateIVR, Node: "menu", Start: now, Since: now},
		{ID: "c-bot", State: ivr.StateBot, Node: "assistant", Start: now, Since: now},
		{ID: "c-ext", State: ivr.StateExternal, Number: "13800138000", Start: now, Since: now},
	})
	sup, _ := login(t, srv, "bob", "secret-pw")
	ws, err := dialWS(t, srv, sup, "/api/desktop/supervisor/ws", "")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Type  string `json:"type"`
		Calls []struct {
			ID     string `json:"call_id"`
			State  string `json:"state"`
			Node   string `json:"node"`
			Number string `json:"number"`
		} `json:"calls"`
	}
	if err := json.Unmarshal(b, &f); err != nil || f.Type != "floor" || len(f.Calls) != 3 {
		t.Fatalf("floor %s: %v", b, err)
	}
	if f.Calls[0].State != "ivr" || f.Calls[0].Node != "menu" || f.Calls[1].State != "bot" || f.Calls[2].Number != "13800138000" {
		t.Fatalf("calls %+v", f.Calls)
	}
}

package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/chat"
	"github.com/hotline-cc/hotline/desk"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/record"
)

// The agent's WebSocket is transport only: each message from the desktop becomes a desk command
// of the agent's session, and each desk event becomes a message (README.md lists them).

// screenPop is what the desktop shows the moment a call rings.
type screenPop struct {
	CallID   string          `json:"call_id"`
	From     string          `json:"from"`
	To       string          `json:"to"`
	Route    string          `json:"route,omitempty"`
	Queue    string          `json:"queue,omitempty"`
	Path     []string        `json:"path,omitempty"`
	WaitMs   int64           `json:"wait_ms"`
	Language string          `json:"language,omitempty"`
	Handoff  *record.Handoff `json:"handoff,omitempty"`
	// Customer is the caller's profile in brief (who, and the timeline in one line), when known.
	Customer *record.CustomerBrief `json:"customer,omitempty"`
}

func newScreenPop(i ivr.CallInfo) *screenPop {
	return &screenPop{CallID: i.ID, From: i.From, To: i.To, Route: i.Route, Queue: i.Queue, Path: i.Path,
		WaitMs: i.Waited.Milliseconds(), Language: i.Language, Handoff: i.Handoff,
		Customer: i.Customer}
}

// wsMsg is every message on the agent WebSocket, both ways.
type wsMsg struct {
	Type         string           `json:"type"`
	CallID       string           `json:"call_id,omitempty"`
	SDP          string           `json:"sdp,omitempty"`
	State        string           `json:"state,omitempty"`
	Reason       string           `json:"reason,omitempty"`
	On           bool             `json:"on,omitempty"`
	Digit        string           `json:"digit,omitempty"`
	Disposition  string           `json:"disposition,omitempty"`
	Notes        string           `json:"notes,omitempty"`
	Message      string           `json:"message,omitempty"`
	Cause        string           `json:"cause,omitempty"`
	Device       string           `json:"device,omitempty"` // where a call rings or was answered: browser, sip, both
	Call         *screenPop       `json:"call,omitempty"`
	Agent        *acd.AgentStatus `json:"agent,omitempty"`
	Dispositions []string         `json:"dispositions,omitempty"`
	Queue        string           `json:"queue,omitempty"`    // transfer target
	ToAgent      string           `json:"to_agent,omitempty"` // transfer or consultation target
	Allowed      bool             `json:"allowed,omitempty"`  // recording: the agent may record this call
	// Chats: the chat's id, an agent's message, the offer's screen pop, an event in the chat.
	ChatID string      `json:"chat_id,omitempty"`
	Text   string      `json:"text,omitempty"`
	Chat   *chatPop    `json:"chat,omitempty"`
	Event  *chat.Event `json:"event,omitempty"`
}

// chatPop is what the desktop shows when a chat is offered.
type chatPop struct {
	Queue    string                `json:"queue,omitempty"`
	Visitor  string                `json:"visitor,omitempty"`
	Contact  string                `json:"contact,omitempty"`
	Language string                `json:"language,omitempty"`
	WaitMs   int64                 `json:"wait_ms"`
	Handoff  *record.Handoff       `json:"handoff,omitempty"`
	Thread   []chat.Event          `json:"thread,omitempty"`
	Customer *record.CustomerBrief `json:"customer,omitempty"`
}

// command turns a desktop message into a desk command.
func command(m wsMsg) (desk.Command, error) {
	switch m.Type {
	case "state":
		return desk.SetState{State: m.State, Reason: m.Reason}, nil
	case "answer":
		return desk.Answer{Call: m.CallID, SDP: m.SDP}, nil
	case "reject":
		return desk.Reject{Call: m.CallID}, nil
	case "hangup":
		return desk.Hangup{Call: m.CallID}, nil
	case "hold":
		return desk.Hold{Call: m.CallID, On: m.On}, nil
	case "record":
		return desk.Record{Call: m.CallID, On: m.On}, nil
	case "dtmf":
		d, n := utf8.DecodeRuneInString(m.Digit)
		if n == 0 || n != len(m.Digit) {
			return nil, fmt.Errorf("bad digit %q", m.Digit)
		}
		return desk.SendDigit{Call: m.CallID, Digit: d}, nil
	case "transfer":
		return desk.Transfer{Call: m.CallID, Queue: m.Queue, Agent: m.ToAgent}, nil
	case "consult":
		return desk.Consult{Call: m.CallID, Agent: m.ToAgent}, nil
	case "consult_complete":
		return desk.CompleteConsult{Call: m.CallID}, nil
	case "consult_cancel":
		return desk.CancelConsult{Call: m.CallID}, nil
	case "wrapup":
		return desk.WrapUp{Call: m.CallID, Disposition: m.Disposition, Notes: m.Notes}, nil
	case "chat_accept":
		return desk.AcceptChat{Chat: m.ChatID}, nil
	case "chat_reject":
		return desk.RejectChat{Chat: m.ChatID}, nil
	case "chat_send":
		return desk.SendChat{Chat: m.ChatID, Text: m.Text}, nil
	case "chat_typing":
		return desk.ChatTyping{Chat: m.ChatID, On: m.On}, nil
	case "chat_end":
		return desk.EndChat{Chat: m.ChatID}, nil
	}
	return nil, fmt.Errorf("unknown message type %q", m.Type)
}

// message turns a desk event into a desktop message.
func message(e desk.Event) (wsMsg, bool) {
	switch e := e.(type) {
	case desk.Hello:
		return wsMsg{Type: "hello", Dispositions: e.Dispositions}, true
	case desk.Status:
		st := e.Agent
		return wsMsg{Type: "status", Agent: &st}, true
	case desk.Offered:
		return wsMsg{Type: "offer", CallID: e.Call, Call: newScreenPop(e.Info), Device: string(e.Device)}, true
	case desk.Withdrawn:
		return wsMsg{Type: "cancel", CallID: e.Call, Reason: e.Reason}, true
	case desk.Answered:
		return wsMsg{Type: "sdp", CallID: e.Call, SDP: e.SDP}, true
	case desk.Connected:
		return wsMsg{Type: "connected", CallID: e.Call, Device: string(e.Device)}, true
	case desk.HoldChanged:
		return wsMsg{Type: "held", CallID: e.Call, On: e.On}, true
	case desk.RecordingChanged:
		return wsMsg{Type: "recording", CallID: e.Call, State: string(e.State), Allowed: e.Allowed}, true
	case desk.ConsultChanged:
		return wsMsg{Type: "consult", CallID: e.Call, State: string(e.State), ToAgent: e.Colleague}, true
	case desk.Ended:
		return wsMsg{Type: "ended", CallID: e.Call, Cause: e.Cause}, true
	case desk.WrapUpSaved:
		return wsMsg{Type: "wrapup_saved", CallID: e.Call}, true
	case desk.ChatOffered:
		o := e.Offer
		return wsMsg{Type: "chat_offer", ChatID: o.ChatID, Chat: &chatPop{Queue: o.Queue, Visitor: o.Visitor, Contact: o.Contact,
			Language: o.Language, WaitMs: o.Waited.Milliseconds(), Handoff: o.Handoff, Thread: o.Thread, Customer: o.Customer}}, true
	case desk.ChatWithdrawn:
		return wsMsg{Type: "chat_cancel", ChatID: e.Chat, Reason: e.Reason}, true
	case desk.ChatAccepted:
		return wsMsg{Type: "chat_accepted", ChatID: e.Chat}, true
	case desk.ChatEvent:
		ev := e.Event
		return wsMsg{Type: "chat_event", ChatID: e.Chat, Event: &ev}, true
	case desk.ChatClosed:
		return wsMsg{Type: "chat_closed", ChatID: e.Chat, Cause: e.Cause}, true
	}
	return wsMsg{}, false
}

func (d *Desktop) acceptWS(w http.ResponseWriter, r *http.Request) (*websocket.Conn, error) {
	return websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: d.Origins})
}

// wsPing is how often an idle agent WebSocket is pinged.
const wsPing = 20 * time.Second

// agentWS is the agent's event and command channel.
func (d *Desktop) agentWS(w http.ResponseWriter, r *http.Request) {
	d.init()
	s := d.session(r)
	if s == nil {
		writeError(w, http.StatusUnauthorized, "not logged in")
		return
	}
	ws, err := d.acceptWS(w, r) // checks Origin against the page's host
	if err != nil {
		d.Log.Warn("desktop websocket refused", "agent", s.agent, "error", err)
		return
	}
	defer ws.CloseNow()
	ws.SetReadLimit(256 << 10) // an SDP offer fits easily
	sess := d.Desk.Connect(s.agent)
	defer sess.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d.writeEvents(ctx, cancel, ws, sess)
	out := func(m wsMsg) {
		wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
		defer wcancel()
		b, _ := json.Marshal(m)
		_ = ws.Write(wctx, websocket.MessageText, b)
	}
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var m wsMsg
		if err := json.Unmarshal(data, &m); err != nil {
			out(wsMsg{Type: "error", Message: "bad message: " + err.Error()})
			continue
		}
		cmd, err := command(m)
		if err == nil {
			err = sess.Do(cmd)
		}
		if err != nil {
			out(wsMsg{Type: "error", CallID: m.CallID, Message: err.Error()})
		}
	}
}

// writeEvents sends the session's events to the desktop and pings it while idle, until the
// session or the connection ends (then it ends the other).
func (d *Desktop) writeEvents(ctx context.Context, cancel context.CancelFunc, ws *websocket.Conn, sess *desk.Session) {
	defer cancel()
	ping := time.NewTicker(wsPing)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sess.Done():
			_ = ws.Close(websocket.StatusNormalClosure, "replaced by a newer desktop")
			return
		case e := <-sess.Events():
			m, ok := message(e)
			if !ok {
				continue
			}
			if pushJSON(ctx, ws, m) != nil {
				return
			}
		case <-ping.C:
			if pingWS(ctx, ws) != nil {
				return
			}
		}
	}
}

// logoutAgent closes the agent's desktop session, if open.
func (d *Desktop) logoutAgent(agent string) { d.Desk.Disconnect(agent) }

// pushJSON writes v to the socket as one text message, within 5 s.
func pushJSON(ctx context.Context, ws *websocket.Conn, v any) error {
	b, _ := json.Marshal(v)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return ws.Write(wctx, websocket.MessageText, b)
}

// pingWS pings an idle socket, within 10 s.
func pingWS(ctx context.Context, ws *websocket.Conn) error {
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return ws.Ping(pctx)
}

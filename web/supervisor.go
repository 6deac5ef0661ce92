package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/coder/websocket"
	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/record"
)

// floor is the supervisor's live view: agents, queues, and every call in progress wherever it is
// (IVR, bot, queue, ringing, with an agent, consulting, transferred out).
type floor struct {
	Type   string            `json:"type"`
	At     time.Time         `json:"at"`
	Agents []acd.AgentStatus `json:"agents"`
	Queues []acd.QueueStats  `json:"queues"`
	Calls  []ivr.LiveCall    `json:"calls"`
}

func (d *Desktop) floor() floor {
	f := floor{Type: "floor", At: time.Now(), Agents: d.ACD.Agents(), Queues: d.ACD.Queues(), Calls: []ivr.LiveCall{}}
	if d.Calls != nil {
		f.Calls = append(f.Calls, d.Calls.Calls()...)
	}
	return f
}

// floorPace bounds how often the floor is pushed on changes; floorRefresh is how often it is
// pushed anyway, so times in state keep moving.
const (
	floorPace    = 250 * time.Millisecond
	floorRefresh = time.Second
)

// supervisorWS pushes the floor on every change (at most 4 a second) and every second.
func (d *Desktop) supervisorWS(w http.ResponseWriter, r *http.Request) {
	d.init()
	s := d.session(r)
	if s == nil {
		writeError(w, http.StatusUnauthorized, "not logged in")
		return
	}
	if !record.Supervises(s.role) {
		writeError(w, http.StatusForbidden, "the supervisor page needs the supervisor role")
		return
	}
	ws, err := d.acceptWS(w, r)
	if err != nil {
		return
	}
	defer ws.Close(websocket.StatusNormalClosure, "")
	ctx := ws.CloseRead(context.Background())
	tick := time.NewTicker(floorRefresh)
	defer tick.Stop()
	for {
		agentsChanged := d.ACD.Changed()
		var callsChanged <-chan struct{}
		if d.Calls != nil {
			callsChanged = d.Calls.CallsChanged()
		}
		b, _ := json.Marshal(d.floor())
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := ws.Write(wctx, websocket.MessageText, b)
		cancel()
		if err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-agentsChanged:
			time.Sleep(floorPace)
		case <-callsChanged:
			time.Sleep(floorPace)
		case <-tick.C:
		}
	}
}

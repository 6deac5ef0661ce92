package ivr

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
)

func TestBotProfileConversion(t *testing.T) {
	c := &call{vars: map[string]string{"caller": "13800000000"}, lang: "zh-CN"}
	p := &dialplan.BotProfile{
		Name: "assistant", Greeting: dialplan.Text{ByLang: map[string]string{"en-US": "Hi", "zh-CN": "您好"}},
		BargeIn: true, MinBargeIn: 300 * time.Millisecond, DTMF: map[string]string{"0": "agent"},
		EscalateQueue: &dialplan.Queue{Name: "support"},
		Tools: []dialplan.BotTool{{Name: "lookup", Method: "GET", URL: "http://crm/c?phone=${caller}&lang=${language}&order=${order_id}",
			Parameters: map[string]any{"type": "object"}}},
	}
	got := botProfile(p, "zh-CN", c.expandKnown)
	if got.Language != "zh-CN" || got.Greeting != "您好" || got.EscalateQueue != "support" || got.DTMF['0'] != "agent" {
		t.Fatalf("profile = %+v", got)
	}
	if len(got.Tools) != 1 || got.Tools[0].Method != "GET" || got.Tools[0].URL != "http://crm/c?phone=13800000000&lang=zh-CN&order=${order_id}" {
		t.Fatalf("tool = %+v", got.Tools)
	}
	if string(got.Tools[0].Parameters) != `{"type":"object"}` {
		t.Fatalf("schema = %s", got.Tools[0].Parameters)
	}
}

package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/replay"
	"github.com/hotline-cc/hotline/replay/replaytest"
)

func TestBotReplayAPI(t *testing.T) {
	dir := t.TempDir()
	plan := replaytest.Setup(t, dir)
	calls := replaytest.Conversations(t, plan, time.Now().Add(-time.Hour))
	svc := &replay.Service{Plan: func() *dialplan.Plan { return plan }, ChatBot: "assistant",
		Calls:   func(record.CallQuery) ([]*record.Call, error) { return calls, nil },
		Engines: func() *replay.Engines { return replay.NewEngines(dialog.Config{}, slog.New(slog.DiscardHandler)) }}
	srv := httptest.NewServer((&API{AdminToken: "tok", Log: slog.New(slog.DiscardHandler), BotReplay: svc}).Handler())
	defer srv.Close()
	post := func(tok, body string) (*http.Response, replay.Report) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/api/bot/replay", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var rep replay.Report
		_ = json.NewDecoder(resp.Body).Decode(&rep)
		return resp, rep
	}
	if resp, rep := post("tok", `{}`); resp.StatusCode != 200 || rep.Summary.Same != 4 || rep.Summary.Regressed {
		t.Fatalf("unchanged: %d %+v", resp.StatusCode, rep.Summary)
	}
	replaytest.WriteArticle(t, dir, "shipping.md", "")
	resp, rep := post("tok", `{"kb_dir":"`+filepath.Join(dir, "kb")+`","since":"24h","limit":10}`)
	if resp.StatusCode != 200 || rep.Summary.NowEscalates != 1 || !rep.Summary.Regressed {
		t.Fatalf("without shipping: %d %+v", resp.StatusCode, rep.Summary)
	}
	if resp, _ := post("tok", `{"profile":"nobody"}`); resp.StatusCode != 400 {
		t.Errorf("unknown profile: %d", resp.StatusCode)
	}
	if resp, _ := post("tok", `{"since":"yesterday"}`); resp.StatusCode != 400 {
		t.Errorf("bad since: %d", resp.StatusCode)
	}
	if resp, _ := post("wrong", `{}`); resp.StatusCode != 401 {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
}

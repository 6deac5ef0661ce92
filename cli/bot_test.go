package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/replay"
	"github.com/hotline-cc/hotline/replay/replaytest"
	"github.com/hotline-cc/hotline/store"
)

// replayConfig writes a hotline.yaml whose store holds the replaytest conversations.
func replayConfig(t *testing.T) (cfg, dir string) {
	t.Helper()
	dir = t.TempDir()
	plan := replaytest.Setup(t, dir)
	st, err := store.Open(filepath.Join(dir, "data", "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range replaytest.Conversations(t, plan, time.Now().Add(-2*time.Hour)) {
		if err := st.PutCall(c); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	cfg = filepath.Join(dir, "hotline.yaml")
	if err := os.WriteFile(cfg, []byte("store: data/h.db\ndialplan: dialplan.yaml\nhttp: {listen: 127.0.0.1:1}\nchat: {bot: assistant}\n"+
		"agents:\n  - {id: alice, password: alice-demo}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, dir
}

func TestBotReplay(t *testing.T) {
	cfg, dir := replayConfig(t)
	out, errs, code := run(t, "", nil, "bot", "replay", "-config", cfg)
	if code != ExitOK || !strings.Contains(out, "replayed 4 conversations: 4 same") || !strings.Contains(out, "containment 75.0% → 75.0%") {
		t.Fatalf("unchanged: %d %s\n%s", code, errs, out)
	}

	// A candidate folder without the shipping article: that conversation now escalates, exit 1.
	cand := filepath.Join(dir, "kb-new")
	if err := os.CopyFS(cand, os.DirFS(filepath.Join(dir, "kb"))); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(cand, "shipping.md")); err != nil {
		t.Fatal(err)
	}
	out, errs, code = run(t, "", nil, "bot", "replay", "-config", cfg, "-kb", cand)
	if code != ExitFail || !strings.Contains(out, "3 same, 0 different, 1 now escalate") || !strings.Contains(out, "c-ship") ||
		!strings.Contains(out, "escalates: low retrieval confidence") || !strings.Contains(out, "REGRESSED: containment drops from 75.0% to 50.0%") {
		t.Fatalf("without shipping: %d %s\n%s", code, errs, out)
	}
	out, _, code = run(t, "", nil, "bot", "replay", "-config", cfg, "-kb", cand, "-json", "-limit", "3")
	var rep replay.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitFail || rep.Summary.Replayed != 3 || rep.Summary.NowEscalates != 1 ||
		rep.Conversations[2].ID != "c-ship" {
		t.Fatalf("json, the newest three (c-ship is the third): %d %v\n%s", code, err, out)
	}

	// Usage errors exit 2.
	if _, _, code := run(t, "", nil, "bot", "replay", "-config", cfg, "-since", "x"); code != ExitConfig {
		t.Errorf("bad -since: %d", code)
	}
	if _, errs, code := run(t, "", nil, "bot", "replay", "-config", cfg, "-profile", "nobody"); code != ExitConfig || !strings.Contains(errs, "no bot profile") {
		t.Errorf("unknown profile: %d %s", code, errs)
	}
	if _, errs, code := run(t, "", nil, "bot", "replay", "-config", cfg, "-judge", "llm"); code != ExitConfig || !strings.Contains(errs, "engines.llm") {
		t.Errorf("llm judge without a model: %d %s", code, errs)
	}
	if _, _, code := run(t, "", nil, "bot"); code != ExitConfig {
		t.Errorf("bot without replay: %d", code)
	}

	// While a server holds the store, the command says how to replay a copy, and -store does.
	st, err := store.Open(filepath.Join(dir, "data", "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, errs, code := run(t, "", nil, "bot", "replay", "-config", cfg); code != ExitFail || !strings.Contains(errs, "-store") {
		t.Fatalf("store held: %d %s", code, errs)
	}
	b, err := os.ReadFile(filepath.Join(dir, "data", "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(dir, "copy.db")
	if err := os.WriteFile(cp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := run(t, "", nil, "bot", "replay", "-config", cfg, "-store", cp); code != ExitOK || !strings.Contains(out, "4 same") {
		t.Fatalf("-store copy: %d %s\n%s", code, errs, out)
	}

	// With the admin token, the running server replays instead.
	var got replay.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/api/bot/replay" || r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, `{"error":"no"}`, http.StatusUnauthorized)
			return
		}
		_ = json.NewDecoder(r.Body).Decode(&got)
		_, _ = w.Write([]byte(`{"summary":{"replayed":4,"same":3,"now_escalates":1,"contained_before":3,"contained_after":2,` +
			`"containment_before":0.75,"containment_after":0.5,"regressed":true,"reasons":["containment drops from 75.0% to 50.0%"]},"conversations":[]}`))
	}))
	defer srv.Close()
	apiCfg := filepath.Join(dir, "api.yaml")
	if err := os.WriteFile(apiCfg, []byte("store: data/h.db\ndialplan: dialplan.yaml\nhttp: {listen: "+strings.TrimPrefix(srv.URL, "http://")+"}\nagents: [{id: alice, password: alice-demo}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code = run(t, "", map[string]string{"HOTLINE_ADMIN_TOKEN": "tok"}, "bot", "replay", "-config", apiCfg, "-kb", cand, "-limit", "9")
	if code != ExitFail || !strings.Contains(out, "REGRESSED: containment drops") || got.KBDir != cand || got.Limit != 9 || got.Since != "720h0m0s" {
		t.Fatalf("through the API: %d %s %+v\n%s", code, errs, got, out)
	}
}

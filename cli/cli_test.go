package cli

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/store"
)

// run runs an operator command with stdin and returns what it printed.
func run(t *testing.T, stdin string, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errs bytes.Buffer
	e := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errs, Getenv: func(k string) string { return env[k] }}
	code, ok := e.Run(args)
	if !ok {
		t.Fatalf("%v: not an operator command", args)
	}
	return out.String(), errs.String(), code
}

func TestSimulateCommand(t *testing.T) {
	out, _, code := run(t, "", nil, "simulate", "-config", "../configs/hotline.yaml", "-to", "4008005678", "-from", "13800000000",
		"-at", "2026-12-24T10:00+08:00", "-dtmf", "4", "-say", "I want an agent")
	if code != ExitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"route care", "Welcome back, Li Wei.", "→ escalate → support", "queue support"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, _, code = run(t, "", nil, "simulate", "-dialplan", "../configs/dialplan.yaml", "-to", "4008005678", "-at", "2026-12-25 20:00", "-json")
	if code != ExitOK || !strings.Contains(out, `"route": "care-closed"`) {
		t.Errorf("json: exit %d:\n%s", code, out)
	}
	if _, _, code := run(t, "", nil, "simulate", "-dialplan", "../configs/dialplan.yaml", "-at", "tomorrow"); code != ExitConfig {
		t.Errorf("bad -at: exit %d", code)
	}
	if _, _, code := run(t, "", nil, "simulate", "-dialplan", "no-such.yaml"); code != ExitFail {
		t.Errorf("missing plan: exit %d", code)
	}
}

// testConfig writes a hotline.yaml with its store and dialplan in a temporary directory.
func testConfig(t *testing.T) (cfg, dir string) {
	t.Helper()
	dir = t.TempDir()
	plan, err := os.ReadFile("../configs/dialplan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan = bytes.Replace(plan, []byte("knowledge_base: kb"), []byte("knowledge_base: "+filepath.Join(mustAbs(t, "../configs"), "kb")), 1)
	if err := os.WriteFile(filepath.Join(dir, "dialplan.yaml"), plan, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg = filepath.Join(dir, "hotline.yaml")
	if err := os.WriteFile(cfg, []byte("store: data/h.db\ndialplan: dialplan.yaml\nhttp: {listen: 127.0.0.1:1}\n"+
		"agents:\n  - {id: alice, password: alice-demo}\n  - {id: bob, password: bob-demo}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, dir
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCheck(t *testing.T) {
	cfg, dir := testConfig(t)
	if out, errs, code := run(t, "", nil, "check", "-config", cfg); code != ExitOK || !strings.Contains(out, "dialplan.yaml: ok") {
		t.Fatalf("check: %d %s %s", code, out, errs)
	}
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("version: 1\nroutes: [{name: r, flow: nowhere}]\n"), 0o644)
	if _, errs, code := run(t, "", nil, "check", bad); code != ExitFail || !strings.Contains(errs, "bad.yaml:2") {
		t.Fatalf("check of a bad plan: %d %s", code, errs)
	}
}

func TestAgentCommands(t *testing.T) {
	cfg, dir := testConfig(t)
	if _, errs, code := run(t, "sue-secret-1\n", nil, "agent", "add", "-config", cfg, "-role", "supervisor", "-ring", "both", "-skills", "billing=5", "sue"); code != ExitOK {
		t.Fatalf("agent add: %d %s", code, errs)
	}
	if _, errs, code := run(t, "short\n", nil, "agent", "add", "-config", cfg, "tim"); code != ExitConfig || !strings.Contains(errs, "at least 8") {
		t.Fatalf("short password: %d %s", code, errs)
	}
	if _, errs, code := run(t, "x\n", nil, "agent", "add", "-config", cfg, "-ring", "fax", "tim"); code != ExitConfig || !strings.Contains(errs, "browser, sip or both") {
		t.Fatalf("bad ring: %d %s", code, errs)
	}
	if _, _, code := run(t, "another-pw-1\n", nil, "agent", "add", "-config", cfg, "sue"); code != ExitConfig {
		t.Fatalf("adding sue twice: %d", code)
	}
	out, _, code := run(t, "", nil, "agent", "list", "-config", cfg)
	if code != ExitOK || !strings.Contains(out, "supervisor") || !strings.Contains(out, "billing=5") || !strings.Contains(out, "both") ||
		strings.Contains(out, "sue-secret-1") {
		t.Fatalf("agent list: %d\n%s", code, out)
	}
	if _, errs, code := run(t, "new-secret-2\n", nil, "agent", "passwd", "-config", cfg, "sue"); code != ExitOK {
		t.Fatalf("passwd: %d %s", code, errs)
	}
	st, err := store.Open(filepath.Join(dir, "data", "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sue, err := st.GetAgent("sue")
	if err != nil || sue.Role != record.RoleSupervisor || sue.Ring != record.RingBoth || sue.HA1 == "" || sue.PasswordHash == "" {
		t.Fatalf("sue: %+v %v", sue, err)
	}
	// While the store is open (a running server holds it) the command says so.
	if _, errs, code := run(t, "", nil, "agent", "list", "-config", cfg); code != ExitFail || !strings.Contains(errs, "locked") {
		t.Fatalf("list with the store held: %d %s", code, errs)
	}
}

func TestCallsAndDialplanVersions(t *testing.T) {
	cfg, dir := testConfig(t)
	st, err := store.Open(filepath.Join(dir, "data", "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	c := &record.Call{ID: "c1"}
	c.From, c.To, c.Disposition, c.Agent, c.HangupBy, c.HangupCause = "13800000000", "4000", "answered", "alice", "caller", "bye"
	c.Path = []record.PathStep{{Node: "greet"}, {Node: "menu"}}
	c.Start = c.Start.AddDate(2026, 0, 0)
	c.End = c.Start.Add(65e9)
	if err := st.PutCall(c); err != nil {
		t.Fatal(err)
	}
	plan, _ := os.ReadFile(filepath.Join(dir, "dialplan.yaml"))
	for _, src := range []string{string(plan), strings.Replace(string(plan), "version: 1", "version: 1\n# edited", 1)} {
		if _, err := st.PutDialplanVersion(&record.DialplanVersion{Source: []byte(src), Who: "test", File: filepath.Join(dir, "dialplan.yaml")}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	out, errs, code := run(t, "", nil, "calls", "-config", cfg)
	if code != ExitOK || !strings.Contains(out, "13800000000") || !strings.Contains(out, "greet→menu") || !strings.Contains(out, "1m5s") {
		t.Fatalf("calls: %d %s\n%s", code, errs, out)
	}
	if out, _, code := run(t, "", nil, "dialplan", "history", "-config", cfg); code != ExitOK || strings.Count(out, "test") != 2 {
		t.Fatalf("history: %d\n%s", code, out)
	}
	if out, _, code := run(t, "", nil, "dialplan", "diff", "-config", cfg, "1"); code != ExitOK || !strings.Contains(out, "+# edited") {
		t.Fatalf("diff: %d\n%s", code, out)
	}
	// The file holds version 1; version 2 (the newest) is rolled back to: written and stored as 3.
	if out, _, code := run(t, "", nil, "dialplan", "rollback", "-config", cfg, "2"); code != ExitOK {
		t.Fatalf("rollback: %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "dialplan.yaml")); !strings.Contains(string(b), "# edited") {
		t.Fatal("rollback did not write the version to the dialplan file")
	}
	if out, _, code := run(t, "", nil, "dialplan", "rollback", "-config", cfg, "1"); code != ExitOK || !strings.Contains(out, "is live (a copy of version 1)") {
		t.Fatalf("rollback to 1: %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "dialplan.yaml")); strings.Contains(string(b), "# edited") {
		t.Fatal("rollback to 1 did not write version 1 back")
	}
	if _, errs, code := run(t, "", nil, "dialplan", "show", "-config", cfg, "x"); code != ExitConfig || !strings.Contains(errs, "not a version number") {
		t.Fatalf("show x: %d %s", code, errs)
	}
	// With the store held by a server and no token, the commands say how to reach it.
	st, _ = store.Open(filepath.Join(dir, "data", "h.db"))
	defer st.Close()
	if _, errs, code := run(t, "", nil, "calls", "-config", cfg); code != ExitFail || !strings.Contains(errs, "HOTLINE_ADMIN_TOKEN") {
		t.Fatalf("calls with the store held: %d %s", code, errs)
	}
}

func TestAnalysisRerunThroughTheAPI(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, `{"error":"no"}`, http.StatusUnauthorized)
			return
		}
		b, _ := io.ReadAll(r.Body)
		got = r.Method + " " + r.URL.Path + " " + string(b)
		if r.Method == "POST" {
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"total":3,"done":0,"running":true}`))
			return
		}
		_, _ = w.Write([]byte(`{"jobs":{"done":2},"rerun":{"total":3,"done":3,"changed":1,"running":false}}`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hotline.yaml")
	if err := os.WriteFile(cfg, []byte("http:\n  listen: "+strings.TrimPrefix(srv.URL, "http://")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := run(t, "", map[string]string{"HOTLINE_ADMIN_TOKEN": "tok"}, "analysis", "rerun", "-config", cfg, "-since", "2026-12-01", "-rules-only", "-wait")
	if code != 0 || !strings.Contains(out, "rerun of 3 calls started") || !strings.Contains(out, "3/3 calls, 1 changed") {
		t.Fatalf("code %d out %q err %q", code, out, errs)
	}
	if !strings.Contains(got, "GET /api/analysis") {
		t.Errorf("last request %q", got)
	}
	_, errs, code = run(t, "", map[string]string{"HOTLINE_ADMIN_TOKEN": "tok"}, "analysis", "rerun", "-config", cfg)
	if code == 0 || !strings.Contains(errs, "-since is needed") {
		t.Errorf("without -since: %d %q", code, errs)
	}
}

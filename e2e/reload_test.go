package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
)

// reloadPlan is a dialplan whose node ids name its version, so a call record
// shows which version each node it ran came from.
func reloadPlan(version string) string {
	return `version: 1
queues:
  support:
    members: [alice]
routes:
  - name: hotline
    to: "4008001234"
    flow: main
flows:
  main:
    start: greet` + version + `
    nodes:
      - id: greet` + version + `
        type: say
        text: "This is version ` + version + ` of the hotline. Thank you for calling us today."
        next: menu` + version + `
      - id: menu` + version + `
        type: menu
        prompt: "Press 0 for an agent."
        options: {"0": agent}
        timeout: 30s
        retries: 0
        nomatch: bye
      - id: agent
        type: queue
        queue: support
        noagent: bye
      - id: bye
        type: hangup
`
}

func apiDo(t testing.TB, srv *Server, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+srv.HTTPAddr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestReloadUnderLiveCalls: calls are in progress while the dialplan file
// changes. An invalid edit is rejected and changes nothing; a valid edit
// goes live for new calls while calls in progress finish on the version they
// started with; no call is dropped. Rollback brings the old version back.
func TestReloadUnderLiveCalls(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: reloadPlan("1")})
	file := filepath.Join(srv.Dir, "dialplan.yaml")

	// 10 calls over 2 s, each held 8 s: their greeting (some 4 s) outlasts the reload, so they go
	// on to the menu after it.
	first, err := peers.StartSipp(t, peers.SippArgs{Scenario: peers.ScenarioLoad, Remote: srv.SIPAddr(), Service: "4008001234",
		Calls: 10, Rate: 5, Keys: map[string]string{"call_ms": "8000"}, Timeout: 40 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)

	// An invalid edit: rejected with file:line, the running plan stays.
	bad := strings.Replace(reloadPlan("2"), "next: menu2", "next: menuu2", 1)
	if err := os.WriteFile(file, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if !srv.WaitLog("dialplan rejected", 5*time.Second) {
		t.Fatal("invalid dialplan edit was not reported")
	}
	if !strings.Contains(srv.Log(), `dialplan.yaml:`) || !strings.Contains(srv.Log(), `did you mean`) {
		t.Fatalf("rejection lacks file:line and a hint:\n%s", srv.Log())
	}
	code, body := apiDo(t, srv, "GET", "/api/dialplan", "")
	if code != 200 || !strings.Contains(body, `"version": 1`) || !strings.Contains(body, "last_reload_error") {
		t.Fatalf("GET /api/dialplan after a bad edit: %d %s", code, body)
	}

	// A valid edit while calls are up.
	if err := os.WriteFile(file, []byte(reloadPlan("2")), 0o644); err != nil {
		t.Fatal(err)
	}
	if !srv.WaitLog(`msg="dialplan live" version=2`, 5*time.Second) {
		t.Fatal("valid edit did not go live")
	}
	res, err := peers.RunSipp(t, peers.SippArgs{Scenario: peers.ScenarioLoad, Remote: srv.SIPAddr(), Service: "4008001234",
		Calls: 3, Rate: 10, Keys: map[string]string{"call_ms": "1000"}})
	if err != nil {
		t.Fatalf("calls after the reload failed: %v", err)
	}
	if r, err := first.Wait(); err != nil {
		t.Fatalf("calls in progress during the reload failed: %v\n%s", err, r.ErrorLog)
	} else if r.Successful != 10 {
		t.Fatalf("calls in progress: %d successful, want 10", r.Successful)
	}
	_ = res

	// When version 2 went live.
	_, body = apiDo(t, srv, "GET", "/api/dialplan/versions/2", "")
	var v2info struct {
		At time.Time `json:"at"`
	}
	if err := json.Unmarshal([]byte(body), &v2info); err != nil || v2info.At.IsZero() {
		t.Fatalf("version 2: %v %s", err, body)
	}
	calls := srv.WaitCalls(t, 13, 10*time.Second)
	var v1, v2, afterReload int
	for _, c := range calls {
		if len(c.Path) == 0 {
			t.Fatalf("call without a path: %+v", c)
		}
		// Every node a call ran, also those after the reload (the menu
		// the calls in progress were waiting in), is from the version it
		// started with: a call never switches plans mid-call.
		want := fmt.Sprint(c.DialplanVersion)
		if c.DialplanVersion == 1 && len(c.Path) < 2 {
			t.Fatalf("call %s in progress during the reload ran only %v; it should reach the menu", c.ID, c.Path)
		}
		for _, p := range c.Path {
			if strings.HasPrefix(p.Node, "greet") || strings.HasPrefix(p.Node, "menu") {
				if !strings.HasSuffix(p.Node, want) {
					t.Fatalf("call on version %s ran node %s: %+v", want, p.Node, c.Path)
				}
			}
			if c.DialplanVersion == 1 && p.At.After(v2info.At) {
				afterReload++
			}
		}
		switch {
		case c.DialplanVersion == 1 && c.Path[0].Node == "greet1":
			v1++
		case c.DialplanVersion == 2 && c.Path[0].Node == "greet2":
			v2++
		default:
			t.Fatalf("call ran version %d but node %s", c.DialplanVersion, c.Path[0].Node)
		}
		if c.Disposition == "failed" {
			t.Fatalf("a call failed: %+v", c)
		}
	}
	if v1 != 10 || v2 != 3 {
		t.Fatalf("calls on version 1: %d (want 10), on version 2: %d (want 3)", v1, v2)
	}
	if afterReload < 5 {
		t.Fatal("no call in progress started a node after the reload: the test did not test a call crossing it")
	}
	t.Logf("%d nodes of version-1 calls started after version 2 went live", afterReload)

	// Rollback to version 1 through the API: stored as version 3.
	code, body = apiDo(t, srv, "POST", "/api/dialplan/rollback/1", "")
	if code != 200 || !strings.Contains(body, `"version": 3`) {
		t.Fatalf("rollback: %d %s", code, body)
	}
	if b, _ := os.ReadFile(file); string(b) != reloadPlan("1") {
		t.Fatal("rollback did not write version 1 back to the dialplan file")
	}
	code, body = apiDo(t, srv, "GET", "/api/dialplan/diff?from=2", "")
	if code != 200 || !strings.Contains(body, "-    start: greet2") || !strings.Contains(body, "+    start: greet1") {
		t.Fatalf("diff 2 → live: %d\n%s", code, body)
	}
	var versions []struct {
		Number int    `json:"number"`
		Who    string `json:"who"`
		Live   bool   `json:"live"`
	}
	_, body = apiDo(t, srv, "GET", "/api/dialplan/versions", "")
	if err := json.Unmarshal([]byte(body), &versions); err != nil || len(versions) != 3 || !versions[2].Live || !strings.Contains(versions[2].Who, "rollback to 1") {
		t.Fatalf("versions: %v %s", err, body)
	}

	// PUT with an invalid body: 422 with the error's line.
	code, body = apiDo(t, srv, "PUT", "/api/dialplan", bad)
	if code != 422 || !strings.Contains(body, `"line": 16`) {
		t.Fatalf("PUT invalid dialplan: %d %s", code, body)
	}
}

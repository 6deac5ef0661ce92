package web

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan/live"
	"github.com/hotline-cc/hotline/record"
	"golang.org/x/crypto/bcrypt"
)

// These targets drive the real handlers of the network inputs that have no fuzz target of their
// own: request bodies and query strings, through the API's mux with the admin token, as a client
// would send them. Each checks the handler answers with a status (never a panic, never a 5xx for
// bad input) and, for JSON answers, valid JSON.

// fuzzAPI is the staff API over a fake archive, with analysis and a live dialplan mounted.
func fuzzAPI(f *testing.F) http.Handler {
	dir := f.TempDir()
	plan := filepath.Join(dir, "dialplan.yaml")
	if err := os.WriteFile(plan, []byte(fuzzPlan), 0o644); err != nil {
		f.Fatal(err)
	}
	m := live.New(live.Config{File: plan, Versions: &fuzzVersions{}, Log: slog.New(slog.DiscardHandler)})
	if _, err := m.ReloadFile("test"); err != nil {
		f.Fatal(err)
	}
	arch := &fakeArchive{}
	api := &API{Records: arch, Archive: arch, Dialplan: m, Analysis: &fuzzAnalysis{}, AdminToken: "tok",
		RecordingsDir: dir, Log: slog.New(slog.DiscardHandler)}
	return api.Handler()
}

const fuzzPlan = `version: 1
routes: [{name: main, to: "4000", flow: main}]
flows:
  main:
    start: hello
    nodes:
      - {id: hello, type: say, text: "Hello"}
`

// fuzzVersions keeps deployed dialplan versions in memory.
type fuzzVersions struct {
	mu   sync.Mutex
	list []*record.DialplanVersion
}

func (v *fuzzVersions) PutDialplanVersion(d *record.DialplanVersion) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	c := *d
	c.Number = len(v.list) + 1
	v.list = append(v.list, &c)
	return c.Number, nil
}

func (v *fuzzVersions) GetDialplanVersion(n int) (*record.DialplanVersion, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if n < 1 || n > len(v.list) {
		return nil, record.ErrNotFound
	}
	return v.list[n-1], nil
}

type fuzzAnalysis struct {
	mu sync.Mutex
	st RerunStatus
}

func (a *fuzzAnalysis) Jobs() (map[string]int, error) { return map[string]int{}, nil }
func (a *fuzzAnalysis) Rerun(since, until time.Time, rulesOnly bool) (RerunStatus, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.st = RerunStatus{Since: since, Until: until, RulesOnly: rulesOnly}
	return a.st, nil
}
func (a *fuzzAnalysis) RerunStatus() RerunStatus { return RerunStatus{} }

// serve sends one request to h and checks the answer.
func serve(t *testing.T, h http.Handler, method, target string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "/", bytes.NewReader(body))
	// The fuzzed part goes in as the raw query, however odd.
	path, query, _ := strings.Cut(target, "?")
	req.URL.Path, req.URL.RawQuery = path, query
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code >= 500 && w.Code != http.StatusServiceUnavailable {
		t.Fatalf("%s %s: %d %s", method, target, w.Code, w.Body)
	}
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") && !json.Valid(w.Body.Bytes()) {
		t.Fatalf("%s %s: invalid JSON answer %q", method, target, w.Body)
	}
	return w
}

// FuzzCallsSearchQuery: the query string of GET /api/calls/search (parseFilter).
func FuzzCallsSearchQuery(f *testing.F) {
	h := fuzzAPI(f)
	for _, q := range []string{"q=parcel&since=2026-11-24T09:00:00Z&until=2026-12-01T00:00:00Z&limit=10&offset=5",
		"min_duration=90s&max_duration=300", "min_duration=-5", "limit=100000", "format=csv&number=%2B4930", "%zz=1&&;="} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		serve(t, h, "GET", "/api/calls/search?"+q, nil)
	})
}

// FuzzInsightsQuery: the since/until/bucket query of GET /api/insights (period).
func FuzzInsightsQuery(f *testing.F) {
	h := fuzzAPI(f)
	for _, q := range []string{"since=2026-11-24T09:00:00Z&until=2026-12-01T00:00:00Z&bucket=hour", "bucket=day", "bucket=minute",
		"since=0001-01-01T00:00:00Z&until=9999-12-31T23:59:59Z&bucket=hour", "until=2026-11-24T09:00:00%2B14:00"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		serve(t, h, "GET", "/api/insights?"+q, nil)
	})
}

// FuzzAnalysisRerun: the JSON body of POST /api/analysis/rerun (decodeJSON).
func FuzzAnalysisRerun(f *testing.F) {
	h := fuzzAPI(f)
	for _, b := range []string{`{"since":"2026-11-24T09:00:00Z","until":"2026-12-01T00:00:00Z","rules_only":true}`, `{}`, ``,
		`{"since":1}`, `{"what":true}`, `{"since":"2026-11-24T09:00:00Z"} {}`, `[`} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		serve(t, h, "POST", "/api/analysis/rerun", b)
	})
}

// FuzzDialplanValidate: the YAML body of POST /api/dialplan/validate.
func FuzzDialplanValidate(f *testing.F) {
	h := fuzzAPI(f)
	f.Add([]byte(fuzzPlan))
	f.Add([]byte("version: 1\nroutes: [{name: r, flow: nowhere}]\n"))
	f.Add([]byte("{{{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		serve(t, h, "POST", "/api/dialplan/validate", b)
	})
}

// FuzzDialplanDeploy: the YAML body of PUT /api/dialplan, which a valid plan makes live (saved
// to the test's dialplan file and versions).
func FuzzDialplanDeploy(f *testing.F) {
	h := fuzzAPI(f)
	f.Add([]byte(fuzzPlan))
	f.Add([]byte(strings.Replace(fuzzPlan, "Hello", "Hi ${caller}", 1)))
	f.Add([]byte("version: 1\nroutes: [{name: r, flow: nowhere}]\n"))
	f.Add([]byte("version: 2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		serve(t, h, "PUT", "/api/dialplan", b)
	})
}

// FuzzDialplanSimulate: the JSON body of POST /api/dialplan/simulate (a plan and a call script).
func FuzzDialplanSimulate(f *testing.F) {
	h := fuzzAPI(f)
	f.Add([]byte(`{"script":{"to":"4000","dtmf":["1"]}}`))
	f.Add([]byte(`{"yaml":"version: 1\nroutes: [{name: r, flow: nowhere}]\n","script":{"to":"1","at":"2026-12-01T09:00:00Z"}}`))
	f.Add([]byte(`{"script":[]}`))
	f.Add([]byte(`{"yaml":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		serve(t, h, "POST", "/api/dialplan/simulate", b)
	})
}

// FuzzLogin: the JSON body of POST /api/desktop/login, through the real handler (bcrypt at its
// lowest cost, the rate limit lifted so every body reaches the password check).
func FuzzLogin(f *testing.F) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("secret-pw"), bcrypt.MinCost)
	d := &Desktop{Accounts: fakeAccounts{"alice": {ID: "alice", Name: "Alice", PasswordHash: string(hash)}},
		LoginPerMinute: 1 << 30, Log: slog.New(slog.DiscardHandler)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/desktop/login", d.login)
	for _, b := range []string{`{"id":"alice","password":"secret-pw"}`, `{"id":"alice","password":"wrong"}`, `{"id":""}`,
		`{"id":"nobody","password":""}`, `{"id":1}`, `null`, "{\"id\":\"\u0000\"}"} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		w := serve(t, mux, "POST", "/api/desktop/login", b)
		if w.Code == http.StatusOK {
			var got map[string]string
			if json.Unmarshal(w.Body.Bytes(), &got) != nil || got["id"] != "alice" {
				t.Fatalf("logged in as %q with %q", w.Body, b)
			}
		}
	})
}

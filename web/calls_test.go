package web

import (
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// fakeArchive keeps calls in memory: a search that filters on Text by substring, and the audit.
type fakeArchive struct {
	mu     sync.Mutex
	calls  []*record.Call
	audits []record.Audit
}

func (f *fakeArchive) ListCalls(q record.CallQuery) ([]*record.Call, error) { return f.calls, nil }
func (f *fakeArchive) GetCall(id string) (*record.Call, error) {
	for _, c := range f.calls {
		if c.ID == id {
			return c, nil
		}
	}
	return nil, record.ErrNotFound
}
func (f *fakeArchive) AgentStates(string, time.Time, int) ([]record.AgentState, error) {
	return nil, nil
}
func (f *fakeArchive) ListDialplanVersions() ([]*record.DialplanVersion, error) { return nil, nil }
func (f *fakeArchive) GetDialplanVersion(int) (*record.DialplanVersion, error)  { return nil, nil }
func (f *fakeArchive) SearchCalls(flt record.CallFilter) ([]record.CallSummary, int, error) {
	var out []record.CallSummary
	for _, c := range f.calls {
		text := ""
		for _, t := range c.Transcript {
			text += " " + t.Text
		}
		if flt.Text != "" && !strings.Contains(text, flt.Text) {
			continue
		}
		out = append(out, record.CallSummary{ID: c.ID, Start: c.Start, From: c.From, Disposition: c.Disposition,
			DurationMs: c.End.Sub(c.Start).Milliseconds(), HasRecording: len(c.Recordings) > 0})
	}
	return out, len(out), nil
}
func (f *fakeArchive) AppendAudit(a record.Audit) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.audits = append(f.audits, a)
	return nil
}
func (f *fakeArchive) Audits(call string, limit int) ([]record.Audit, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []record.Audit
	for _, a := range f.audits {
		if a.Call == call {
			out = append(out, a)
		}
	}
	return out, nil
}

func testStaffAPI(t *testing.T) (*httptest.Server, *fakeArchive, string) {
	t.Helper()
	dir := t.TempDir()
	rec := filepath.Join(dir, "recordings")
	if err := os.MkdirAll(filepath.Join(rec, "2026", "12", "01"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rec, "2026", "12", "01", "c1.wav"), []byte("RIFF0123456789abcdefWAVEdata"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("not a recording"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	arch := &fakeArchive{calls: []*record.Call{
		{ID: "c1", Parties: record.Parties{From: "=cmd|' /C calc'!A0"}, Times: record.Times{Start: start, End: start.Add(time.Minute)},
			Outcome:    record.Outcome{Disposition: record.DispositionAnswered},
			Transcript: []record.Turn{{Speaker: record.SpeakerCaller, Text: "my parcel is late"}},
			Recordings: []record.Recording{{File: "2026/12/01/c1.wav", Start: start}}},
		{ID: "evil", Times: record.Times{Start: start, End: start.Add(time.Minute)},
			Recordings: []record.Recording{{File: "../secret.txt", Start: start}}},
	}}
	api := &API{Records: arch, Archive: arch, RecordingsDir: rec, AdminToken: "tok", Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return srv, arch, rec
}

func get(t *testing.T, url, token string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestStaffAPINeedsTokenOrSession(t *testing.T) {
	srv, _, _ := testStaffAPI(t)
	for _, p := range []string{"/api/calls", "/api/calls/search?q=x", "/api/calls/c1", "/api/calls/c1/recordings/0", "/api/insights", "/api/insights/charts/calls.svg"} {
		if resp, _ := get(t, srv.URL+p, ""); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s without a token: %d, want 401", p, resp.StatusCode)
		}
		if resp, _ := get(t, srv.URL+p, "wrong"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: %d, want 401", p, resp.StatusCode)
		}
	}
	// The pages themselves hold no data and load for anyone; their data needs the token.
	if resp, body := get(t, srv.URL+"/calls", ""); resp.StatusCode != 200 || !strings.Contains(body, "calls.js") {
		t.Errorf("/calls page: %d", resp.StatusCode)
	}
}

func TestSearchAndCSVExportIsAudited(t *testing.T) {
	srv, arch, _ := testStaffAPI(t)
	resp, body := get(t, srv.URL+"/api/calls/search?q=parcel", "tok")
	if resp.StatusCode != 200 || !strings.Contains(body, `"total": 1`) || !strings.Contains(body, `"id": "c1"`) {
		t.Fatalf("search: %d %s", resp.StatusCode, body)
	}
	if resp, body := get(t, srv.URL+"/api/calls/search?min_duration=abc", "tok"); resp.StatusCode != 400 || !strings.Contains(body, "min_duration") {
		t.Errorf("bad filter: %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, srv.URL+"/api/calls/search?q=parcel&format=csv", "tok")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != "c1" {
		t.Fatalf("csv rows %v (%v)", rows, err)
	}
	if from := rows[1][3]; !strings.HasPrefix(from, "'=") {
		t.Errorf("a formula-like caller id is exported as %q, want it quoted", from)
	}
	if len(arch.audits) != 1 || arch.audits[0].Action != record.AuditExport || arch.audits[0].Who != "admin-token" {
		t.Errorf("audits %+v, want one export", arch.audits)
	}
}

func TestRecordingRangeTraversalAndAudit(t *testing.T) {
	srv, arch, _ := testStaffAPI(t)
	resp, body := get(t, srv.URL+"/api/calls/c1/recordings/0", "tok", "Range", "bytes=4-7")
	if resp.StatusCode != http.StatusPartialContent || body != "0123" {
		t.Fatalf("range: %d %q", resp.StatusCode, body)
	}
	if got := len(arch.audits); got != 0 {
		t.Errorf("a seek (range from byte 4) wrote %d audit lines, want 0", got)
	}
	resp, _ = get(t, srv.URL+"/api/calls/c1/recordings/0", "tok")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" {
		t.Fatalf("whole file: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	audits, _ := arch.Audits("c1", 10)
	if len(audits) != 1 || audits[0].Action != record.AuditListen {
		t.Errorf("audits %+v, want one listen", audits)
	}
	if resp, body := get(t, srv.URL+"/api/calls/evil/recordings/0", "tok"); resp.StatusCode != 404 || strings.Contains(body, "not a recording") {
		t.Errorf("traversal: %d %q", resp.StatusCode, body)
	}
	if resp, _ := get(t, srv.URL+"/api/calls/c1/recordings/1", "tok"); resp.StatusCode != 404 {
		t.Errorf("recording 1: %d", resp.StatusCode)
	}
	if resp, _ := get(t, srv.URL+"/api/calls/c1/recordings/-1", "tok"); resp.StatusCode != 400 {
		t.Errorf("recording -1: %d", resp.StatusCode)
	}
	if resp, _ := get(t, srv.URL+"/api/calls/nope/recordings/0", "tok"); resp.StatusCode != 404 {
		t.Errorf("unknown call: %d", resp.StatusCode)
	}
	resp, body = get(t, srv.URL+"/api/calls/c1/audit", "tok")
	if resp.StatusCode != 200 || !strings.Contains(body, `"listen"`) {
		t.Errorf("audit list: %d %s", resp.StatusCode, body)
	}
}

func TestInsightsAndCharts(t *testing.T) {
	srv, _, _ := testStaffAPI(t)
	q := "?since=2026-12-01T00:00:00Z&until=2026-12-02T00:00:00Z&bucket=hour"
	resp, body := get(t, srv.URL+"/api/insights"+q, "tok")
	if resp.StatusCode != 200 || !strings.Contains(body, `"calls": 2`) || !strings.Contains(body, `"answered": 0`) {
		t.Fatalf("insights: %d %s", resp.StatusCode, body)
	}
	for _, name := range chartNames {
		resp, body := get(t, srv.URL+"/api/insights/charts/"+name+".svg"+q, "tok")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(body, "<svg") {
			t.Errorf("chart %s: %d %s %.40s", name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	if resp, _ := get(t, srv.URL+"/api/insights/charts/nope.svg"+q, "tok"); resp.StatusCode != 404 {
		t.Errorf("unknown chart: %d", resp.StatusCode)
	}
	if resp, body := get(t, srv.URL+"/api/insights?bucket=week", "tok"); resp.StatusCode != 400 || !strings.Contains(body, "bucket") {
		t.Errorf("bad bucket: %d %s", resp.StatusCode, body)
	}
}

type fakeOriginals map[string][]record.Turn

func (f fakeOriginals) Originals(id string) ([]record.Turn, error) {
	if t, ok := f[id]; ok {
		return t, nil
	}
	return nil, record.ErrNotFound
}

func TestOriginalsForTheAdminOnlyAndAudited(t *testing.T) {
	srv, arch, _ := testStaffAPI(t)
	if resp, body := get(t, srv.URL+"/api/calls/c1/original", "tok"); resp.StatusCode != 404 || !strings.Contains(body, "keep_original") {
		t.Errorf("originals not kept: %d %s", resp.StatusCode, body)
	}
	api := &API{Records: arch, Archive: arch, AdminToken: "tok", Log: slog.New(slog.DiscardHandler),
		Originals: fakeOriginals{"c1": {{Speaker: record.SpeakerCaller, Text: "13800138000"}}}}
	s2 := httptest.NewServer(api.Handler())
	defer s2.Close()
	resp, body := get(t, s2.URL+"/api/calls/c1/original", "tok")
	if resp.StatusCode != 200 || !strings.Contains(body, "13800138000") {
		t.Fatalf("admin: %d %s", resp.StatusCode, body)
	}
	audits, _ := arch.Audits("c1", 10)
	if len(audits) != 1 || audits[0].Action != record.AuditOriginal {
		t.Errorf("audits %+v", audits)
	}
	if resp, _ := get(t, s2.URL+"/api/calls/c1/original", ""); resp.StatusCode != 401 {
		t.Errorf("without a token: %d", resp.StatusCode)
	}
}

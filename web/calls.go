package web

import (
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/insights"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/recording"
)

// The staff pages over stored calls: /calls (list, filter, search, CSV), /calls/{id} (recording,
// transcript, analysis, path, wrap-ups, who listened) and /insights (the period's figures and
// charts). The pages are static; what they show comes from the staff API below, which the admin
// token or a supervisor or admin session opens (see staff.go).

//go:embed calls
var staffFiles embed.FS

// Archive is what the staff pages read of stored calls besides Records: the search index and the
// audit log (the store implements it).
type Archive interface {
	SearchCalls(f record.CallFilter) ([]record.CallSummary, int, error)
	AppendAudit(a record.Audit) error
	Audits(call string, limit int) ([]record.Audit, error)
}

// Analysis is the post-call analysis queue, as the staff API shows and drives it.
type Analysis interface {
	// Jobs counts the analysis jobs by state (queued, running, done, failed).
	Jobs() (map[string]int, error)
	// Rerun analyses again the calls that started in [since, until): with rulesOnly, only the
	// category rules are applied again (the transcript and analysers are not run).
	Rerun(since, until time.Time, rulesOnly bool) (RerunStatus, error)
	// RerunStatus is the progress of the last rerun.
	RerunStatus() RerunStatus
}

// RerunStatus is the progress of re-running analysis over stored calls.
type RerunStatus struct {
	Since     time.Time `json:"since"`
	Until     time.Time `json:"until"`
	RulesOnly bool      `json:"rules_only"`
	Total     int       `json:"total"`
	Done      int       `json:"done"`
	Changed   int       `json:"changed"` // calls whose categories changed
	Running   bool      `json:"running"`
	Error     string    `json:"error,omitempty"`
}

// Originals gives a call's turns before redaction, where the configuration keeps them.
type Originals interface {
	Originals(id string) ([]record.Turn, error)
}

// Deliveries lists webhook deliveries, newest first.
type Deliveries interface {
	ListDeliveries(limit int) ([]record.WebhookDelivery, error)
}

// maxInsightCalls bounds the calls one /insights period reads.
const maxInsightCalls = 200000

func (a *API) staffRoutes(mux *http.ServeMux) {
	files, _ := fs.Sub(staffFiles, "calls")
	page := func(name string) http.Handler {
		return pageHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.ServeFileFS(w, r, files, name)
		}))
	}
	mux.Handle("GET /calls", page("calls.html"))
	mux.Handle("GET /calls/{id}", page("call.html"))
	mux.Handle("GET /insights", page("insights.html"))
	mux.Handle("GET /staff/", http.StripPrefix("/staff/", pageHeaders(http.FileServerFS(files))))

	mux.Handle("GET /api/calls", a.staff(a.listCalls, false))
	mux.Handle("GET /api/calls/search", a.staff(a.searchCalls, false))
	mux.Handle("GET /api/calls/{id}", a.staff(a.getCall, false))
	mux.Handle("GET /api/calls/{id}/recordings/{n}", a.staff(a.recording, false))
	mux.Handle("GET /api/calls/{id}/audit", a.staff(a.callAudit, false))
	mux.Handle("GET /api/calls/{id}/original", a.staff(a.callOriginal, false))
	mux.Handle("GET /api/insights", a.staff(a.insights, false))
	mux.Handle("GET /api/insights/charts/{name}", a.staff(a.insightChart, false))
	mux.Handle("GET /api/analysis", a.staff(a.analysisStatus, false))
	mux.Handle("POST /api/analysis/rerun", a.staff(a.analysisRerun, false))
	mux.Handle("GET /api/webhooks/deliveries", a.staff(a.webhookDeliveries, false))
}

// parseFilter reads a call filter from the query: since/until (RFC 3339), number, queue, agent,
// disposition, category, sentiment, min_duration/max_duration (Go durations or seconds), q (the
// text), limit and offset.
func parseFilter(q map[string][]string) (record.CallFilter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	f := record.CallFilter{Number: get("number"), Queue: get("queue"), Agent: get("agent"),
		Disposition: get("disposition"), Category: get("category"), Sentiment: get("sentiment"), Text: get("q")}
	for key, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := get(key); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, fmt.Errorf("%s must be an RFC 3339 time, like 2026-11-24T09:00:00Z", key)
			}
			*dst = t
		}
	}
	for key, dst := range map[string]*time.Duration{"min_duration": &f.MinDuration, "max_duration": &f.MaxDuration} {
		if v := get(key); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				n, nerr := strconv.Atoi(v)
				if nerr != nil {
					return f, fmt.Errorf("%s must be a duration like 90s or 5m, or seconds", key)
				}
				d = time.Duration(n) * time.Second
			}
			if d < 0 {
				return f, fmt.Errorf("%s cannot be negative", key)
			}
			*dst = d
		}
	}
	for key, dst := range map[string]*int{"limit": &f.Limit, "offset": &f.Offset} {
		if v := get(key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (key == "limit" && n > 1000) {
				return f, fmt.Errorf("%s must be a whole number (limit at most 1000)", key)
			}
			*dst = n
		}
	}
	switch f.Sentiment {
	case "", "negative", "neutral", "positive":
	default:
		return f, fmt.Errorf("sentiment must be negative, neutral or positive")
	}
	return f, nil
}

// csvMax bounds a CSV export.
const csvMax = 100000

func (a *API) searchCalls(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	asCSV := r.URL.Query().Get("format") == "csv"
	if asCSV {
		f.Limit, f.Offset = csvMax, 0
	}
	calls, total, err := a.Archive.SearchCalls(f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if calls == nil {
		calls = []record.CallSummary{}
	}
	if !asCSV {
		writeJSON(w, http.StatusOK, map[string]any{"calls": calls, "total": total, "offset": f.Offset, "limit": f.Limit})
		return
	}
	v := viewerOf(r)
	if err := a.Archive.AppendAudit(record.Audit{At: time.Now(), Who: v.ID, Action: record.AuditExport, Detail: r.URL.RawQuery}); err != nil {
		writeError(w, http.StatusInternalServerError, "the export could not be audited, so it is refused: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="calls-`+time.Now().UTC().Format("20060102-150405")+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "start", "end", "from", "to", "queue", "agent", "disposition", "duration_s", "wait_s",
		"sentiment", "categories", "analysis", "recording", "summary"})
	for _, c := range calls {
		_ = cw.Write([]string{c.ID, c.Start.UTC().Format(time.RFC3339), c.End.UTC().Format(time.RFC3339), csvSafe(c.From), csvSafe(c.To),
			csvSafe(c.Queue), csvSafe(c.Agent), c.Disposition, strconv.FormatFloat(float64(c.DurationMs)/1000, 'f', 1, 64),
			strconv.FormatFloat(float64(c.WaitMs)/1000, 'f', 1, 64), c.Sentiment, csvSafe(strings.Join(c.Categories, "; ")),
			c.AnalysisStatus, strconv.FormatBool(c.HasRecording), csvSafe(c.Summary)})
	}
	cw.Flush()
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet (a caller id or a summary
// starting with =, +, - or @).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// recording serves a call's recording with Range support (the player seeks), after checking that
// the file is inside the recordings directory, and logs who listened.
func (a *API) recording(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 {
		writeError(w, http.StatusBadRequest, "the recording number must be 0, 1, …")
		return
	}
	c, err := a.Records.GetCall(r.PathValue("id"))
	if errors.Is(err, record.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no call with that id")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if n >= len(c.Recordings) {
		writeError(w, http.StatusNotFound, "the call has no such recording")
		return
	}
	file, err := recording.Resolve(a.RecordingsDir, c.Recordings[n].File)
	if a.RecordingsDir == "" || err != nil {
		a.Log.Warn("recording path outside the recordings directory", "call_id", c.ID, "file", c.Recordings[n].File)
		writeError(w, http.StatusNotFound, "the recording is not available")
		return
	}
	fh, err := os.Open(file)
	if err != nil {
		writeError(w, http.StatusNotFound, "the recording is not available (deleted by retention?)")
		return
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil || !st.Mode().IsRegular() {
		writeError(w, http.StatusNotFound, "the recording is not available")
		return
	}
	// One audit line per listening, not per Range request: the player's first request starts at 0.
	if rg := r.Header.Get("Range"); rg == "" || strings.HasPrefix(rg, "bytes=0-") {
		v := viewerOf(r)
		if err := a.Archive.AppendAudit(record.Audit{At: time.Now(), Who: v.ID, Action: record.AuditListen, Call: c.ID,
			Detail: "recording " + strconv.Itoa(n)}); err != nil {
			writeError(w, http.StatusInternalServerError, "the listening could not be audited, so it is refused: "+err.Error())
			return
		}
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, path.Base(file), st.ModTime(), fh)
}

// callOriginal serves what redaction replaced in a call's transcript: the admin role only, kept
// only when the configuration says so, and audited.
func (a *API) callOriginal(w http.ResponseWriter, r *http.Request) {
	v := viewerOf(r)
	if v.Role != record.RoleAdmin {
		writeError(w, http.StatusForbidden, "what redaction replaced is shown to the admin role only")
		return
	}
	if a.Originals == nil {
		writeError(w, http.StatusNotFound, "originals are not kept (analysis.redact.keep_original is off)")
		return
	}
	turns, err := a.Originals.Originals(r.PathValue("id"))
	if errors.Is(err, record.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no originals were kept for that call")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if err := a.Archive.AppendAudit(record.Audit{At: time.Now(), Who: v.ID, Action: record.AuditOriginal, Call: r.PathValue("id")}); err != nil {
		writeError(w, http.StatusInternalServerError, "the reading could not be audited, so it is refused: "+err.Error())
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, turns)
}

func (a *API) callAudit(w http.ResponseWriter, r *http.Request) {
	list, err := a.Archive.Audits(r.PathValue("id"), 200)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if list == nil {
		list = []record.Audit{}
	}
	writeJSON(w, http.StatusOK, list)
}

// period reads since/until/bucket for the insights: the last 7 days by day when not given.
func period(r *http.Request) (since, until time.Time, bucket time.Duration, err error) {
	q := r.URL.Query()
	until, since, bucket = time.Now(), time.Now().Add(-7*insights.Day), insights.Day
	for key, dst := range map[string]*time.Time{"since": &since, "until": &until} {
		if v := q.Get(key); v != "" {
			t, perr := time.Parse(time.RFC3339, v)
			if perr != nil {
				return since, until, bucket, fmt.Errorf("%s must be an RFC 3339 time, like 2026-11-24T09:00:00Z", key)
			}
			*dst = t
		}
	}
	switch q.Get("bucket") {
	case "", "day":
	case "hour":
		bucket = insights.Hour
	default:
		return since, until, bucket, errors.New("bucket must be hour or day")
	}
	if !since.Before(until) {
		return since, until, bucket, errors.New("since must be before until")
	}
	if until.Sub(since)/bucket > 24*92 {
		return since, until, bucket, errors.New("the period has too many buckets: use bucket=day, or a shorter period")
	}
	return since, until, bucket, nil
}

func (a *API) report(r *http.Request) (*insights.Report, error) {
	since, until, bucket, err := period(r)
	if err != nil {
		return nil, err
	}
	calls, err := a.Records.ListCalls(record.CallQuery{Since: since, Until: until, Limit: maxInsightCalls})
	if err != nil {
		return nil, err
	}
	return insights.Compute(calls, since, until, bucket), nil
}

func (a *API) insights(w http.ResponseWriter, r *http.Request) {
	rep, err := a.report(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, struct {
		*insights.Report
		Containment float64 `json:"containment"`
	}{rep, rep.Containment()})
}

func (a *API) insightChart(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(r.PathValue("name"), ".svg")
	if !ok {
		writeError(w, http.StatusNotFound, "charts are SVG: /api/insights/charts/<name>.svg")
		return
	}
	rep, err := a.report(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	svg, ok := drawChart(name, rep, r.URL.Query().Get("lang") == "zh")
	if !ok {
		writeError(w, http.StatusNotFound, "no chart "+strconv.Quote(name)+"; there are "+strings.Join(chartNames, ", "))
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write([]byte(svg))
}

func (a *API) analysisStatus(w http.ResponseWriter, r *http.Request) {
	if a.Analysis == nil {
		writeJSON(w, http.StatusOK, map[string]any{"jobs": map[string]int{}, "enabled": false})
		return
	}
	jobs, err := a.Analysis.Jobs()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": jobs, "enabled": true, "rerun": a.Analysis.RerunStatus()})
}

// analysisRerun re-runs analysis (or only the category rules) over stored calls; the admin role
// only, since it rewrites every call's analysis in the period.
func (a *API) analysisRerun(w http.ResponseWriter, r *http.Request) {
	if viewerOf(r).Role != record.RoleAdmin {
		writeError(w, http.StatusForbidden, "re-running analysis needs the admin role")
		return
	}
	if a.Analysis == nil {
		writeError(w, http.StatusServiceUnavailable, "analysis is not enabled on this server")
		return
	}
	var req struct {
		Since     time.Time `json:"since"`
		Until     time.Time `json:"until"`
		RulesOnly bool      `json:"rules_only"`
	}
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Until.IsZero() {
		req.Until = time.Now()
	}
	st, err := a.Analysis.Rerun(req.Since, req.Until, req.RulesOnly)
	if err != nil {
		writeError(w, http.StatusConflict, err.Error())
		return
	}
	writeJSON(w, http.StatusAccepted, st)
}

func (a *API) webhookDeliveries(w http.ResponseWriter, r *http.Request) {
	if a.Webhooks == nil {
		writeJSON(w, http.StatusOK, []record.WebhookDelivery{})
		return
	}
	list, err := a.Webhooks.ListDeliveries(200)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if list == nil {
		list = []record.WebhookDelivery{}
	}
	writeJSON(w, http.StatusOK, list)
}

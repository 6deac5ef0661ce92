package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/config"
)

// Analysis shows the post-call analysis queue of the running server, or re-runs analysis (or
// only the category rules) over stored calls: `hotline analysis status`, `hotline analysis rerun
// -since 2026-12-01 [-until …] [-rules-only] [-wait]`. It talks to the server's API with the admin
// token, since the server owns the rules in force and the job runner.
func (e *Env) Analysis(args []string) int {
	if len(args) == 0 || (args[0] != "status" && args[0] != "rerun") {
		fmt.Fprintln(e.Stderr, "usage: hotline analysis status | rerun -since DATE [-until DATE] [-rules-only] [-wait]")
		return exitConfig
	}
	fs := flag.NewFlagSet("analysis "+args[0], flag.ContinueOnError)
	cfgPath := fs.String("config", "configs/hotline.yaml", "server configuration (for the API address and token)")
	since := fs.String("since", "", "first day or time (2026-12-01 or RFC 3339)")
	until := fs.String("until", "", "end, exclusive (default: now)")
	rulesOnly := fs.Bool("rules-only", false, "apply the category rules again, keep the rest of each analysis")
	wait := fs.Bool("wait", false, "wait until the rerun has finished, printing its progress")
	if err := fs.Parse(args[1:]); err != nil {
		return exitConfig
	}
	cfg, ok := e.loadConfig(*cfgPath)
	if !ok {
		return exitConfig
	}
	if args[0] == "status" {
		var st struct {
			Jobs  map[string]int  `json:"jobs"`
			Rerun json.RawMessage `json:"rerun"`
		}
		if err := e.callAPI(cfg, "GET", "/api/analysis", nil, &st); err != nil {
			fmt.Fprintf(e.Stderr, "hotline: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(e.Stdout, "jobs: queued %d, running %d, done %d, failed %d\nlast rerun: %s\n",
			st.Jobs["queued"], st.Jobs["running"], st.Jobs["done"], st.Jobs["failed"], st.Rerun)
		return exitOK
	}
	var body struct {
		Since     time.Time `json:"since"`
		Until     time.Time `json:"until,omitzero"`
		RulesOnly bool      `json:"rules_only"`
	}
	var err error
	if body.Since, err = parseDay(*since); err != nil || *since == "" {
		fmt.Fprintln(e.Stderr, "hotline: -since is needed: a day like 2026-12-01 or an RFC 3339 time")
		return exitConfig
	}
	if *until != "" {
		if body.Until, err = parseDay(*until); err != nil {
			fmt.Fprintf(e.Stderr, "hotline: -until: %v\n", err)
			return exitConfig
		}
	}
	body.RulesOnly = *rulesOnly
	b, _ := json.Marshal(body)
	var st rerunProgress
	if err := e.callAPI(cfg, "POST", "/api/analysis/rerun", b, &st); err != nil {
		fmt.Fprintf(e.Stderr, "hotline: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(e.Stdout, "rerun of %d calls started\n", st.Total)
	for *wait && st.Running {
		time.Sleep(500 * time.Millisecond)
		var s struct {
			Rerun rerunProgress `json:"rerun"`
		}
		if err := e.callAPI(cfg, "GET", "/api/analysis", nil, &s); err != nil {
			fmt.Fprintf(e.Stderr, "hotline: %v\n", err)
			return exitFail
		}
		st = s.Rerun
		fmt.Fprintf(e.Stdout, "%d/%d calls, %d changed\n", st.Done, st.Total, st.Changed)
	}
	if st.Error != "" {
		fmt.Fprintf(e.Stderr, "hotline: rerun stopped: %s\n", st.Error)
		return exitFail
	}
	return exitOK
}

type rerunProgress struct {
	Total, Done, Changed int
	Running              bool
	Error                string
}

func parseDay(s string) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

// callAPI calls the running server's API with the admin token and decodes its JSON answer.
func (e *Env) callAPI(cfg *config.Config, method, path string, body []byte, out any) error {
	token := e.Getenv("HOTLINE_ADMIN_TOKEN")
	if token == "" {
		token = cfg.HTTP.AdminToken
	}
	if token == "" {
		return fmt.Errorf("set HOTLINE_ADMIN_TOKEN (or http.admin_token) to use the server's API")
	}
	req, _ := http.NewRequest(method, "http://"+cfg.HTTP.Listen+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("asking the running server at %s: %w", cfg.HTTP.Listen, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return fmt.Errorf("server API %s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

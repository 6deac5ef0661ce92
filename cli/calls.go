package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/store"
)

// cmdCheck validates a dialplan: errors and warnings with file:line, exit 1 on errors.
func (e *Env) Check(args []string) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "server configuration (to check queue members against its agents)")
	if err := fs.Parse(args); err != nil {
		return exitConfig
	}
	plan, warnings, code := e.loadPlanForTool(*cfgPath, fs.Arg(0))
	if plan == nil {
		return code
	}
	fmt.Fprintf(e.Stdout, "%s: ok (%d warnings)\n", plan.File, len(warnings))
	return exitOK
}

// cmdCalls lists call records from the store.
func (e *Env) Calls(args []string) int {
	fs := flag.NewFlagSet("calls", flag.ContinueOnError)
	cfgPath := fs.String("config", "configs/hotline.yaml", "server configuration (for the store path)")
	n := fs.Int("n", 20, "how many calls (newest first)")
	asJSON := fs.Bool("json", false, "print JSON records")
	if err := fs.Parse(args); err != nil {
		return exitConfig
	}
	cfg, ok := e.loadConfig(*cfgPath)
	if !ok {
		return exitConfig
	}
	calls, err := e.listCalls(cfg, *n)
	if err != nil {
		fmt.Fprintf(e.Stderr, "hotline: %v\n", err)
		return exitFail
	}
	if *asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(calls)
		return exitOK
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "START\tFROM\tTO\tDURATION\tDISPOSITION\tAGENT\tHANGUP\tPATH")
	for _, c := range calls {
		var path []string
		for _, p := range c.Path {
			path = append(path, p.Node)
		}
		who := c.Agent
		for _, x := range c.Transfers {
			if who == "" && x.Outcome == record.TransferAnswered {
				who = x.Number + " (" + x.Trunk + ")" // the external number the caller talked to
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Start.Local().Format(time.DateTime), c.From, c.To,
			c.End.Sub(c.Start).Round(time.Second), c.Disposition, dash(who), c.HangupBy+"/"+c.HangupCause, strings.Join(path, "→"))
	}
	_ = tw.Flush()
	return exitOK
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// listCalls reads the store directly, or, while a server holds it, asks the
// server's API (with HOTLINE_ADMIN_TOKEN).
func (e *Env) listCalls(cfg *config.Config, n int) ([]*record.Call, error) {
	st, err := store.Open(cfg.Path(cfg.Store))
	if err == nil {
		defer st.Close()
		return st.ListCalls(record.CallQuery{Limit: n, Newest: true})
	}
	if !errors.Is(err, store.ErrLocked) {
		return nil, err
	}
	token := e.Getenv("HOTLINE_ADMIN_TOKEN")
	if token == "" {
		token = cfg.HTTP.AdminToken
	}
	if token == "" {
		return nil, fmt.Errorf("%v; the server is running: set HOTLINE_ADMIN_TOKEN to read the records through its API", err)
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/api/calls?limit=%d", cfg.HTTP.Listen, n), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking the running server: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, fmt.Errorf("server API: %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	var calls []*record.Call
	return calls, json.NewDecoder(resp.Body).Decode(&calls)
}

// loadPlanForTool loads a dialplan for the command-line tools: the given
// file, or the one the configuration names, checked against its agents.
// Warnings and errors go to stderr; plan is nil on failure, with the exit code.
func (e *Env) loadPlanForTool(cfgPath, path string) (*dialplan.Plan, []*dialplan.Error, int) {
	opts := dialplan.Options{}
	if cfgPath != "" {
		cfg, ok := e.loadConfig(cfgPath)
		if !ok {
			return nil, nil, exitConfig
		}
		opts.KnownAgents = map[string]bool{}
		for _, a := range cfg.Agents {
			opts.KnownAgents[a.ID] = true
		}
		if path == "" {
			path = cfg.Path(cfg.Dialplan)
		}
	}
	if path == "" {
		path = "configs/dialplan.yaml"
	}
	plan, warnings, err := dialplan.Load(path, opts)
	for _, w := range warnings {
		fmt.Fprintf(e.Stderr, "warning: %v\n", w)
	}
	if err != nil {
		fmt.Fprintln(e.Stderr, err)
		return nil, warnings, exitFail
	}
	return plan, warnings, exitOK
}

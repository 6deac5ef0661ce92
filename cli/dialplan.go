package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/dialplan/live"
	"github.com/hotline-cc/hotline/internal/textdiff"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/store"
)

const dialplanUsage = `usage: hotline dialplan <command> [-config configs/hotline.yaml]

  history           list stored versions (number, time, who, hash)
  show N            print version N
  diff A [B]        unified diff from version A to B (default: the newest)
  rollback N        make version N live again (stored as a new version)

While the server runs it owns the store: these commands then go through its
API and need HOTLINE_ADMIN_TOKEN.
`

func (e *Env) Dialplan(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.Stderr, dialplanUsage)
		return exitConfig
	}
	sub := args[0]
	fs := flag.NewFlagSet("dialplan "+sub, flag.ContinueOnError)
	cfgPath := fs.String("config", "configs/hotline.yaml", "server configuration")
	if err := fs.Parse(args[1:]); err != nil {
		return exitConfig
	}
	cfg, ok := e.loadConfig(*cfgPath)
	if !ok {
		return exitConfig
	}
	v := &versions{env: e, cfg: cfg}
	defer v.close()
	num := func(i int) (int, bool) {
		n, err := strconv.Atoi(fs.Arg(i))
		if err != nil || n < 1 {
			fmt.Fprintf(e.Stderr, "hotline: %q is not a version number\n%s", fs.Arg(i), dialplanUsage)
			return 0, false
		}
		return n, true
	}
	switch sub {
	case "history":
		list, err := v.list()
		if err != nil {
			return e.fail(err)
		}
		tw := tabwriter.NewWriter(e.Stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tTIME\tWHO\tHASH")
		for _, d := range list {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", d.Number, d.At.Local().Format(time.DateTime), d.Who, d.Hash[:12])
		}
		_ = tw.Flush()
	case "show":
		n, ok := num(0)
		if !ok {
			return exitConfig
		}
		d, err := v.get(n)
		if err != nil {
			return e.fail(err)
		}
		e.Stdout.Write(d.Source)
	case "diff":
		a, ok := num(0)
		if !ok {
			return exitConfig
		}
		da, err := v.get(a)
		if err != nil {
			return e.fail(err)
		}
		var db *record.DialplanVersion
		if fs.NArg() > 1 {
			b, ok := num(1)
			if !ok {
				return exitConfig
			}
			db, err = v.get(b)
		} else {
			var list []*record.DialplanVersion
			list, err = v.list()
			if err == nil && len(list) > 0 {
				db = list[len(list)-1]
			}
		}
		if err != nil || db == nil {
			return e.fail(fmt.Errorf("no version to compare with: %v", err))
		}
		d := textdiff.Unified(fmt.Sprintf("version %d", da.Number), fmt.Sprintf("version %d", db.Number), string(da.Source), string(db.Source), 3)
		if d == "" {
			fmt.Fprintln(e.Stdout, "no differences")
		}
		fmt.Fprint(e.Stdout, d)
	case "rollback":
		n, ok := num(0)
		if !ok {
			return exitConfig
		}
		got, err := v.rollback(n)
		if err != nil {
			return e.fail(err)
		}
		fmt.Fprintf(e.Stdout, "version %d is live (a copy of version %d)\n", got, n)
	default:
		fmt.Fprint(e.Stderr, dialplanUsage)
		return exitConfig
	}
	return exitOK
}

// versions reads dialplan versions from the store, or from the running
// server's API when the server holds the store.
type versions struct {
	env    *Env
	cfg    *config.Config
	st     *store.Store
	remote bool
	opened bool
}

func (v *versions) open() error {
	if v.opened {
		return nil
	}
	v.opened = true
	st, err := store.Open(v.cfg.Path(v.cfg.Store))
	if err == nil {
		v.st = st
		return nil
	}
	if !errors.Is(err, store.ErrLocked) {
		return err
	}
	v.remote = true
	return nil
}

func (v *versions) close() {
	if v.st != nil {
		v.st.Close()
	}
}

func (v *versions) api(method, path string, out any) error {
	token := v.env.Getenv("HOTLINE_ADMIN_TOKEN")
	if token == "" {
		token = v.cfg.HTTP.AdminToken
	}
	if token == "" {
		return errors.New("the server is running and holds the store: set HOTLINE_ADMIN_TOKEN to go through its API")
	}
	req, _ := http.NewRequest(method, "http://"+v.cfg.HTTP.Listen+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("asking the running server: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("server API %s: %s", resp.Status, bytes.TrimSpace(b))
	}
	return json.Unmarshal(b, out)
}

func (v *versions) list() ([]*record.DialplanVersion, error) {
	if err := v.open(); err != nil {
		return nil, err
	}
	if !v.remote {
		return v.st.ListDialplanVersions()
	}
	var rows []struct {
		Number int       `json:"number"`
		Hash   string    `json:"hash"`
		At     time.Time `json:"at"`
		Who    string    `json:"who"`
	}
	if err := v.api("GET", "/api/dialplan/versions", &rows); err != nil {
		return nil, err
	}
	out := make([]*record.DialplanVersion, len(rows))
	for i, r := range rows {
		out[i] = &record.DialplanVersion{Number: r.Number, Hash: r.Hash, At: r.At, Who: r.Who}
	}
	return out, nil
}

func (v *versions) get(n int) (*record.DialplanVersion, error) {
	if err := v.open(); err != nil {
		return nil, err
	}
	if !v.remote {
		return v.st.GetDialplanVersion(n)
	}
	var r struct {
		Number int       `json:"number"`
		Hash   string    `json:"hash"`
		At     time.Time `json:"at"`
		Who    string    `json:"who"`
		YAML   string    `json:"yaml"`
	}
	if err := v.api("GET", fmt.Sprintf("/api/dialplan/versions/%d", n), &r); err != nil {
		return nil, err
	}
	return &record.DialplanVersion{Number: r.Number, Hash: r.Hash, At: r.At, Who: r.Who, Source: []byte(r.YAML)}, nil
}

// rollback makes version n live: through the API when the server runs,
// otherwise by writing it to the dialplan file (validated) and storing it.
func (v *versions) rollback(n int) (int, error) {
	if err := v.open(); err != nil {
		return 0, err
	}
	if v.remote {
		var r struct {
			Version int `json:"version"`
		}
		err := v.api("POST", fmt.Sprintf("/api/dialplan/rollback/%d", n), &r)
		return r.Version, err
	}
	known := map[string]bool{}
	for _, a := range v.cfg.Agents {
		known[a.ID] = true
	}
	m := live.New(live.Config{File: v.cfg.Path(v.cfg.Dialplan), Versions: v.st, KnownAgents: func() map[string]bool { return known },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	version, err := m.Rollback(n, "cli")
	var list dialplan.ErrorList
	if errors.As(err, &list) {
		return 0, fmt.Errorf("version %d no longer validates against this configuration:\n%v", n, err)
	}
	return version, err
}

package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hotline-cc/hotline/accounts"
	"github.com/hotline-cc/hotline/record"
	hsip "github.com/hotline-cc/hotline/sip"
	"github.com/hotline-cc/hotline/store"
	"golang.org/x/crypto/bcrypt"
)

const agentUsage = `usage:
  hotline agent add    [-config F] [-name NAME] [-role agent|supervisor|admin] [-skills billing=3,en=2] [-ring browser|sip|both] ID
  hotline agent passwd [-config F] ID
  hotline agent list   [-config F]
  hotline agent hash   [-realm hotline] ID PASSWORD
add and passwd read the password from standard input (one line); the store
keeps only its bcrypt hash and SIP HA1. They need the server stopped (the
store file is locked while it runs).`

// cmdAgent manages agent accounts in the store.
func (e *Env) Agent(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.Stderr, agentUsage)
		return exitConfig
	}
	switch args[0] {
	case "hash":
		return e.agentHash(args[1:])
	case "add", "passwd", "list":
	default:
		fmt.Fprintln(e.Stderr, agentUsage)
		return exitConfig
	}
	fs := flag.NewFlagSet("agent "+args[0], flag.ContinueOnError)
	cfgPath := fs.String("config", "configs/hotline.yaml", "server configuration (for the store path and SIP realm)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", record.RoleAgent, "agent, supervisor or admin")
	skills := fs.String("skills", "", "skills with levels 1-10, like billing=3,en=2")
	ring := fs.String("ring", "", "which device rings: browser (default, when the desktop is open), sip, or both")
	if err := fs.Parse(args[1:]); err != nil {
		return exitConfig
	}
	cfg, ok := e.loadConfig(*cfgPath)
	if !ok {
		return exitConfig
	}
	st, err := store.Open(cfg.Path(cfg.Store))
	if err != nil {
		fmt.Fprintf(e.Stderr, "hotline: %v\n", err)
		return exitFail
	}
	defer st.Close()

	if args[0] == "list" {
		list, err := st.ListAgents()
		if err != nil {
			fmt.Fprintf(e.Stderr, "hotline: %v\n", err)
			return exitFail
		}
		tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tSKILLS\tRING\tWEB LOGIN\tSIP")
		for _, a := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, dash(a.Name), dash(a.Role), dash(formatSkills(a.Skills)),
				dash(a.Ring), yes(a.PasswordHash != ""), yes(a.HA1 != ""))
		}
		tw.Flush()
		return exitOK
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.Stderr, agentUsage)
		return exitConfig
	}
	id := fs.Arg(0)
	acc, err := st.GetAgent(id)
	switch {
	case args[0] == "add" && err == nil:
		fmt.Fprintf(e.Stderr, "hotline: agent %s exists (use agent passwd to change the password)\n", id)
		return exitConfig
	case args[0] == "passwd" && err != nil:
		fmt.Fprintf(e.Stderr, "hotline: %v\n", err)
		return exitConfig
	case args[0] == "add":
		r, ok := record.ParseRole(*role)
		if !ok {
			fmt.Fprintln(e.Stderr, "hotline: -role must be agent, supervisor or admin")
			return exitConfig
		}
		*role = r
		r, ok = record.ParseRing(*ring)
		if !ok {
			fmt.Fprintln(e.Stderr, "hotline: -ring must be browser, sip or both")
			return exitConfig
		}
		*ring = r
		sk, err := parseSkills(*skills)
		if err != nil {
			fmt.Fprintf(e.Stderr, "hotline: -skills: %v\n", err)
			return exitConfig
		}
		acc = &record.Agent{ID: id, Name: *name, Role: *role, Skills: sk, Ring: *ring}
		if acc.Name == "" {
			acc.Name = id
		}
	}
	fmt.Fprintf(e.Stderr, "password for %s: ", id)
	line, err := bufio.NewReader(e.Stdin).ReadString('\n')
	pw := strings.TrimRight(line, "\r\n")
	if (err != nil && pw == "") || len(pw) < accounts.MinPassword {
		fmt.Fprintf(e.Stderr, "\nhotline: give a password of at least %d characters on standard input\n", accounts.MinPassword)
		return exitConfig
	}
	if err := accounts.SetPassword(acc, cfg.SIP.Realm, pw); err != nil {
		fmt.Fprintf(e.Stderr, "hotline: %v\n", err)
		return exitFail
	}
	if err := st.PutAgent(acc); err != nil {
		fmt.Fprintf(e.Stderr, "hotline: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(e.Stderr, "\nagent %s saved\n", id)
	return exitOK
}

// agentHash prints an agent's SIP secret (HA1) and a bcrypt hash for the
// desktop, to put in hotline.yaml instead of a plain password.
func (e *Env) agentHash(args []string) int {
	fs := flag.NewFlagSet("agent hash", flag.ContinueOnError)
	realm := fs.String("realm", "hotline", "SIP realm (sip.realm in hotline.yaml)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 {
		fmt.Fprintln(e.Stderr, "usage: hotline agent hash [-realm hotline] ID PASSWORD")
		return exitConfig
	}
	fmt.Fprintf(e.Stdout, "ha1: %s\n", hsip.HA1(fs.Arg(0), *realm, fs.Arg(1)))
	if h, err := bcrypt.GenerateFromPassword([]byte(fs.Arg(1)), bcrypt.DefaultCost); err == nil {
		fmt.Fprintf(e.Stdout, "password_hash: %q\n", h)
	}
	return exitOK
}

func parseSkills(s string) (map[string]int, error) {
	if s == "" {
		return nil, nil
	}
	out := map[string]int{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		n, err := strconv.Atoi(v)
		if !ok || k == "" || err != nil || n < 1 || n > 10 {
			return nil, errors.New("write skill=level pairs with levels 1-10, like billing=3,en=2")
		}
		out[k] = n
	}
	return out, nil
}

func formatSkills(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

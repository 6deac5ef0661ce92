// Command hotline is the call-center server and its operator tools.
//
//	hotline serve -config configs/hotline.yaml   run the server
//	hotline check [-config FILE] [DIALPLAN]       validate a dialplan
//	hotline simulate -to N -from N [-at T] [-dtmf "1,3#"] [-say TEXT]   dry-run a call
//	hotline calls [-config FILE] [-n 20] [-json]  list call records
//	hotline agent add|passwd|list                 manage agent accounts in the store
//	hotline agent hash -realm R ID PASSWORD       print an agent's SIP secret (HA1) and bcrypt hash
//	hotline dialplan history|show|diff|rollback   dialplan versions
package main

import (
	"fmt"
	"os"

	"github.com/hotline-cc/hotline/cli"
	"github.com/hotline-cc/hotline/config"
)

// Exit codes.
const (
	exitOK     = cli.ExitOK
	exitFail   = cli.ExitFail
	exitConfig = cli.ExitConfig
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		usage()
		return exitConfig
	}
	switch args[0] {
	case "serve":
		return cmdServe(args[1:])
	case "help", "-h", "--help":
		usage()
		return exitOK
	}
	if code, ok := cli.OS().Run(args); ok {
		return code
	}
	fmt.Fprintf(os.Stderr, "hotline: unknown command %q\n\n", args[0])
	usage()
	return exitConfig
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: hotline <command> [flags]

commands:
  serve     run the server           (hotline serve -config configs/hotline.yaml)
  check     validate a dialplan      (hotline check configs/dialplan.yaml)
  simulate  dry-run a call           (hotline simulate -to 4008005678 -from 13800000000 -dtmf 2)
  calls     list call records        (hotline calls -n 20)
  analysis  post-call analysis       (hotline analysis status | rerun -since 2026-12-01 -rules-only -wait)
  agent     agent accounts           (hotline agent add -role supervisor sue; agent list; agent passwd alice)
  dialplan  versions of the dialplan (hotline dialplan history | show N | diff A [B] | rollback N)
  bot       replay stored bot conversations through a candidate (hotline bot replay -kb kb-new -since 720h)
`)
}

// loadConfig loads hotline.yaml for a command; on failure it prints why
// (file:line) and the caller exits with exitConfig.
func loadConfig(path string) (*config.Config, bool) {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hotline: config: %v\n", err)
		return nil, false
	}
	return cfg, true
}

// Package cli is hotline's operator commands: check and simulate a dialplan, list call records,
// manage agent accounts, read and roll back dialplan versions, and replay stored bot conversations
// through a candidate bot before a knowledge-base change ships. They work on the store file
// directly, or, while a server holds it, through that server's API with the admin token.
// (hotline serve is the server itself: package main wires it.)
package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/hotline-cc/hotline/config"
)

// Exit codes.
const (
	ExitOK     = 0
	ExitFail   = 1 // the command ran and failed
	ExitConfig = 2 // the command line or the configuration is wrong
)

const (
	exitOK     = ExitOK
	exitFail   = ExitFail
	exitConfig = ExitConfig
)

// Env is where a command reads and writes, and its environment.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// OS is the process's own environment.
func OS() *Env { return &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv} }

// Run runs the operator command args[0] ("check", "simulate", "calls", "analysis", "agent", "dialplan", "bot");
// ok is false for another name.
func (e *Env) Run(args []string) (code int, ok bool) {
	if len(args) == 0 {
		return 0, false
	}
	switch args[0] {
	case "check":
		return e.Check(args[1:]), true
	case "simulate":
		return e.Simulate(args[1:]), true
	case "calls":
		return e.Calls(args[1:]), true
	case "analysis":
		return e.Analysis(args[1:]), true
	case "agent":
		return e.Agent(args[1:]), true
	case "dialplan":
		return e.Dialplan(args[1:]), true
	case "bot":
		return e.Bot(args[1:]), true
	}
	return 0, false
}

// loadConfig loads hotline.yaml for a command; on failure it prints why (file:line) and the
// command exits with exitConfig.
func (e *Env) loadConfig(path string) (*config.Config, bool) {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(e.Stderr, "hotline: config: %v\n", err)
		return nil, false
	}
	return cfg, true
}

func (e *Env) fail(err error) int {
	fmt.Fprintf(e.Stderr, "hotline: %v\n", err)
	return exitFail
}

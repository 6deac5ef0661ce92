package config

import (
	"maps"
	"os"
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"
)

// Trunk holds the credentials of a SIP trunk that the dialplan defines under the same name. The
// dialplan has the routing (host, transport, allowed numbers, caller id) and is versioned, shown in the
// editor and served over the API, so secrets stay here. A dialplan trunk without an entry here dials
// without authentication.
//
//	trunks:
//	  pstn:
//	    username: acme               # digest username the carrier gave you
//	    password_env: PSTN_PASSWORD  # environment variable holding the password (or password: for demos)
type Trunk struct {
	Username    string `yaml:"username"`
	Password    string `yaml:"password"`     // plain; for demos
	PasswordEnv string `yaml:"password_env"` // name of the environment variable holding the password
	// TLS requires a client certificate of the trunk's requests over TLS (tls.go); a trunk with
	// only tls (calls in, none out) needs no credentials.
	TLS  *TrunkTLS `yaml:"tls"`
	line int
}

// Secret is the trunk's password: the environment variable's value when PasswordEnv is set.
func (t *Trunk) Secret() string {
	if t.PasswordEnv != "" {
		return os.Getenv(t.PasswordEnv)
	}
	return t.Password
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// trunkLines notes where each trunk is written, for validation messages.
func (c *Config) trunkLines(top *yaml.Node) {
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != "trunks" || top.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		m := top.Content[i+1]
		for j := 0; j+1 < len(m.Content); j += 2 {
			if t := c.Trunks[m.Content[j].Value]; t != nil {
				t.line = m.Content[j].Line
			}
		}
	}
}

// validateTrunks reports incomplete credentials.
func (c *Config) validateTrunks(bad func(line int, format string, args ...any)) {
	for _, name := range slices.Sorted(maps.Keys(c.Trunks)) {
		t := c.Trunks[name]
		switch {
		case t == nil:
			bad(c.line("trunks", name), "trunks: %q has no credentials (give username and password_env)", name)
		case t.TLS != nil && t.Username == "" && t.Password == "" && t.PasswordEnv == "":
			// inbound only: validateTLS checks it
		case t.Username == "":
			bad(t.line, "trunk %q: username is missing", name)
		case t.Password != "" && t.PasswordEnv != "":
			bad(t.line, "trunk %q: give password_env or password, not both", name)
		case t.Password == "" && t.PasswordEnv == "":
			bad(t.line, "trunk %q: password_env (or password) is missing", name)
		case t.PasswordEnv != "" && !envNameRE.MatchString(t.PasswordEnv):
			bad(t.line, "trunk %q: password_env %q is not an environment variable name", name, t.PasswordEnv)
		}
	}
}

// TrunkProblems says, for the startup log, which trunk credentials cannot work: those for a trunk
// the dialplan does not define (defined reports whether it does), and those whose password is
// empty (an unset environment variable).
func (c *Config) TrunkProblems(defined func(name string) bool) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(c.Trunks)) {
		t := c.Trunks[name]
		if t.TLS != nil && t.Username == "" {
			continue // inbound only: nothing to dial with
		}
		if defined != nil && !defined(name) {
			out = append(out, "trunk "+name+": credentials for a trunk the dialplan does not define")
		}
		if t.Secret() == "" {
			why := "the password is empty"
			if t.PasswordEnv != "" {
				why = "the password variable " + t.PasswordEnv + " is empty"
			}
			out = append(out, "trunk "+name+": "+why+": calls through this trunk cannot authenticate")
		}
	}
	return out
}

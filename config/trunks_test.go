package config

import (
	"strings"
	"testing"
)

func TestTrunkCredentials(t *testing.T) {
	t.Setenv("TEST_PSTN_PASSWORD", "from-env")
	c, err := load(t, `trunks:
  pstn:
    username: acme
    password_env: TEST_PSTN_PASSWORD
  lab:
    username: lab
    password: lab-demo
`)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Trunks["pstn"]; p.Username != "acme" || p.Secret() != "from-env" {
		t.Errorf("pstn = %+v, secret %q", p, p.Secret())
	}
	if l := c.Trunks["lab"]; l.Secret() != "lab-demo" {
		t.Errorf("lab secret = %q", l.Secret())
	}
}

func TestTrunkCredentialsInvalid(t *testing.T) {
	_, err := load(t, `trunks:
  a:
    password: x
  b:
    username: b
  c:
    username: c
    password: x
    password_env: C_PASSWORD
  d:
    username: d
    password_env: "not a name"
  e:
    username: e
    passwd: x
`)
	if err == nil {
		t.Fatal("invalid trunks accepted")
	}
	got := err.Error()
	// Unknown keys are reported first, alone (strict decoding stops there).
	if !strings.Contains(got, `hotline.yaml:15: unknown key passwd`) {
		t.Errorf("unknown key: %s", got)
	}
	_, err = load(t, `trunks:
  a:
    password: x
  b:
    username: b
  c:
    username: c
    password: x
    password_env: C_PASSWORD
  d:
    username: d
    password_env: "not a name"
`)
	if err == nil {
		t.Fatal("invalid trunks accepted")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		`:2: trunk "a": username is missing`,
		`:4: trunk "b": password_env (or password) is missing`,
		`:6: trunk "c": give password_env or password, not both`,
		`:10: trunk "d": password_env "not a name" is not an environment variable name`,
	}
	if len(lines) != len(want) {
		t.Fatalf("errors:\n%s", err)
	}
	for i, w := range want {
		if !strings.HasSuffix(lines[i], w) || !strings.Contains(lines[i], "hotline.yaml") {
			t.Errorf("error %d = %q, want …%s", i, lines[i], w)
		}
	}
}

func TestTrunkProblems(t *testing.T) {
	t.Setenv("HOTLINE_TEST_PSTN", "s3cret")
	t.Setenv("HOTLINE_TEST_EMPTY", "")
	c := &Config{Trunks: map[string]*Trunk{
		"pstn":   {Username: "acme", PasswordEnv: "HOTLINE_TEST_PSTN"},
		"backup": {Username: "acme", PasswordEnv: "HOTLINE_TEST_EMPTY"},
		"old":    {Username: "acme", Password: "x"},
	}}
	got := c.TrunkProblems(func(n string) bool { return n != "old" })
	want := []string{
		"trunk backup: the password variable HOTLINE_TEST_EMPTY is empty: calls through this trunk cannot authenticate",
		"trunk old: credentials for a trunk the dialplan does not define",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

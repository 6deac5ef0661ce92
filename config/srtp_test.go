package config

import (
	"strings"
	"testing"
)

func TestAgentSRTP(t *testing.T) {
	c, err := load(t, `agents:
  - {id: alice, password: a, srtp: required}
  - {id: bob, password: b}
`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Agents[0].SRTP != "required" || c.Agents[1].SRTP != "" {
		t.Errorf("srtp = %q, %q", c.Agents[0].SRTP, c.Agents[1].SRTP)
	}
	_, err = load(t, `agents:
  - {id: alice, password: a, srtp: always}
`)
	if err == nil || !strings.Contains(err.Error(), `hotline.yaml:2: agent "alice": srtp "always" must be off, optional or required`) {
		t.Errorf("bad srtp: %v", err)
	}
}

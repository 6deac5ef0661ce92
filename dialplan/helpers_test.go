package dialplan_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/dialplan/dialplantest"
)

var agents = map[string]bool{"alice": true, "bob": true}

// header is a dialplan up to the node list of its flow "main", which starts at node "a". The nodes tests
// append begin on line firstNodeLine.
const header = `version: 1
queues:
  support:
    members: [alice, bob]
routes:
  - name: r
    flow: main
flows:
  main:
    start: a
    nodes:
`

const firstNodeLine = 12

// parseNodes parses header followed by nodes, resolving files against testdata.
func parseNodes(t *testing.T, nodes string) (*dialplan.Plan, []*dialplan.Error, error) {
	t.Helper()
	return dialplan.Parse("test.yaml", []byte(header+nodes), dialplan.Options{KnownAgents: agents, BaseDir: "testdata"})
}

// mustFlow parses header followed by nodes and returns flow main; warnings are allowed.
func mustFlow(t *testing.T, nodes string) *dialplan.Flow {
	t.Helper()
	p, _, err := parseNodes(t, nodes)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p.Flows["main"]
}

// parseErrors parses header followed by nodes and returns the errors, rendered.
func parseErrors(t *testing.T, nodes string) []string {
	t.Helper()
	_, _, err := parseNodes(t, nodes)
	return errorStrings(t, err)
}

func errorStrings(t *testing.T, err error) []string {
	t.Helper()
	var list dialplan.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("want an ErrorList, got %v", err)
	}
	var out []string
	for _, e := range list {
		out = append(out, e.Error())
	}
	return out
}

// runFlow runs f for c and returns the path taken, as "node -edge-> target" lines.
func runFlow(t *testing.T, f *dialplan.Flow, c *dialplantest.Caller) ([]string, error) {
	t.Helper()
	var path []string
	err := dialplan.Run(context.Background(), f, c, func(s dialplan.Step) {
		if s.At.IsZero() {
			t.Errorf("step %+v has no time", s)
		}
		path = append(path, fmt.Sprintf("%s(%s) -%s-> %s", s.Node, s.Type, s.Edge, s.Target))
	})
	return path, err
}

func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\ngot:\n\t%s\nwant:\n\t%s", what, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

func wantNoUnused(t *testing.T, c *dialplantest.Caller) {
	t.Helper()
	if u := c.Unused(); len(u) > 0 {
		t.Errorf("script actions not reached: %v", u)
	}
}

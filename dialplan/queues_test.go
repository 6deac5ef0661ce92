package dialplan_test

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

const queuesPlan = `version: 1
queues:
  billing:
    strategy: skills
    skills: {billing: 2, mandarin: 1}
    ring_timeout: 10s
    max_wait: 5m
    max_length: 20
    wrap_up: 15s
    announce_every: 45s
  sales: {members: [alice, bob], strategy: ring_all}
routes: [{name: r, flow: main}]
flows:
  main:
    start: a
    nodes:
      - {id: a, type: queue, queue: billing, priority: 5, announce: false, full: b, next: b}
      - {id: b, type: queue, queue: sales}
`

func TestQueueConfig(t *testing.T) {
	p, warnings, err := dialplan.Parse("q.yaml", []byte(queuesPlan), dialplan.Options{KnownAgents: agents})
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Parse: %v %v", err, warnings)
	}
	q := p.Queues["billing"]
	if q.Strategy != dialplan.StrategySkills || q.Skills["billing"] != 2 || q.Skills["mandarin"] != 1 || len(q.Members) != 0 ||
		q.RingTimeout != 10*time.Second || q.MaxWait != 5*time.Minute || q.MaxLength != 20 || q.WrapUp != 15*time.Second ||
		q.AnnounceEvery != 45*time.Second {
		t.Errorf("billing = %+v", q)
	}
	if s := p.Queues["sales"]; s.Strategy != dialplan.StrategyRingAll || s.MaxLength != 0 || s.WrapUp != 0 || s.Skills != nil {
		t.Errorf("sales = %+v", s)
	}
	c := NewCaller(QueueOutcome(dialplan.QueueResult{Outcome: dialplan.QueueFull}), Answered("bob"))
	path, err := runFlow(t, p.Flows["main"], c)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "path", path, []string{"a(queue) -full-> b", "b(queue) -next-> "})
	if n := p.Flows["main"].Node("a").(*dialplan.QueueNode); n.Announce || n.Priority != 5 {
		t.Errorf("queue node = %+v", n)
	}
}

func TestQueueConfigInvalid(t *testing.T) {
	src := `version: 1
queues:
  a: {strategy: skills}
  b: {members: [alice], skills: {x: 1}, strategy: fastest}
  c: {strategy: skills, skills: {x: 11, y: two}, max_length: -1, wrap_up: 10}
routes: [{name: r, flow: main}]
flows: {main: {start: n, nodes: [{id: n, type: hangup}]}}
`
	_, _, err := dialplan.Parse("q.yaml", []byte(src), dialplan.Options{KnownAgents: agents})
	wantLines(t, "errors", errorStrings(t, err), []string{
		`q.yaml:3:17: queue "a": strategy skills needs skills (add skills: {name: minimum level})`,
		`q.yaml:4:33: queue "b": skills are only used with strategy skills (set strategy: skills, or remove skills)`,
		`q.yaml:4:51: queue "b": strategy: unknown value "fastest" (one of: longest_idle, round_robin, ring_all, fewest_calls, skills)`,
		`q.yaml:5:37: queue "c": skill "x": level must be a whole number from 1 to 10, not "11"`,
		`q.yaml:5:44: queue "c": skill "y": level must be a whole number from 1 to 10, not "two"`,
		`q.yaml:5:62: queue "c": max_length must be between 0 and 100000, not -1`,
		`q.yaml:5:75: queue "c": wrap_up: duration "10" has no unit (write 10s)`,
	})
}

package dialplan_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

// queueNodes is a queue node with every edge; the queue node is on line 12.
const queueNodes = `      - id: a
        type: queue
        queue: support
        max_wait: 60s
        priority: 5
        next: bye
        noagent: sorry
        timeout: late
      - {id: sorry, type: say, text: "Nobody is here."}
      - {id: late, type: say, text: "It is late.", next: bye}
      - {id: bye, type: hangup}
`

func TestQueueValid(t *testing.T) {
	f := mustFlow(t, queueNodes)
	q := f.Node("a").(*dialplan.QueueNode)
	if q.Queue == nil || q.Queue.Name != "support" || q.MaxWait != time.Minute || q.Priority != 5 {
		t.Errorf("queue node = %+v", q)
	}

	// Without max_wait the queue's own applies.
	f2 := mustFlow(t, `      - {id: a, type: queue, queue: support}
`)
	c := NewCaller(Answered("bob"))
	if _, err := runFlow(t, f2, c); err != nil {
		t.Fatal(err)
	}
	wantLines(t, "events", c.Events(), []string{"queue support max_wait=2m0s → answered bob", "hangup normal"})
}

func TestQueueRun(t *testing.T) {
	f := mustFlow(t, queueNodes)
	tests := []struct {
		name   string
		result dialplan.QueueResult
		path   []string
		events []string
	}{{
		name:   "answered",
		result: dialplan.QueueResult{Outcome: dialplan.QueueAnswered, Agent: "alice", Wait: 3 * time.Second},
		path:   []string{"a(queue) -next-> bye", "bye(hangup) -hangup-> "},
		events: []string{"queue support max_wait=1m0s priority=5 → answered alice", "hangup normal"},
	}, {
		name:   "no agent",
		result: dialplan.QueueResult{Outcome: dialplan.QueueNoAgent},
		path:   []string{"a(queue) -noagent-> sorry", "sorry(say) -next-> "},
		events: []string{"queue support max_wait=1m0s priority=5 → noagent", `say en-US "Nobody is here."`, "hangup normal"},
	}, {
		name:   "timeout",
		result: dialplan.QueueResult{Outcome: dialplan.QueueTimeout, Wait: time.Minute},
		path:   []string{"a(queue) -timeout-> late", "late(say) -next-> bye", "bye(hangup) -hangup-> "},
		events: []string{"queue support max_wait=1m0s priority=5 → timeout", `say en-US "It is late."`, "hangup normal"},
	}, {
		name:   "caller hangs up",
		result: dialplan.QueueResult{Outcome: dialplan.QueueCallerHangup},
		path:   []string{"a(queue) -hangup-> "},
		events: []string{"queue support max_wait=1m0s priority=5 → caller-hangup"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCaller(QueueOutcome(tt.result))
			path, err := runFlow(t, f, c)
			if err != nil {
				t.Fatal(err)
			}
			wantLines(t, "path", path, tt.path)
			wantLines(t, "events", c.Events(), tt.events)
		})
	}
}

func TestQueueUnknownOutcome(t *testing.T) {
	f := mustFlow(t, queueNodes)
	_, err := runFlow(t, f, NewCaller(QueueOutcome(dialplan.QueueResult{})))
	if err == nil || !strings.Contains(err.Error(), `node "a": queue "support": unexpected outcome QueueOutcome(0)`) {
		t.Errorf("err = %v", err)
	}
}

func TestQueueInvalid(t *testing.T) {
	got := parseErrors(t, `      - {id: a, type: queue, queue: suport, max_wait: 60, priority: 500, next: b}
      - {id: b, type: queue, queue: sales, noagent: [a], timeout: c}
      - {id: c, type: queue}
`)
	wantLines(t, "errors", got, []string{
		`test.yaml:12:37: node "a": queue "suport": no such queue (did you mean "support"?)`,
		`test.yaml:12:55: node "a": max_wait: duration "60" has no unit (write 60s)`,
		`test.yaml:12:69: node "a": priority must be between 0 and 100, not 500`,
		`test.yaml:13:37: node "b": queue "sales": no such queue (define it under queues:)`,
		`test.yaml:13:53: node "b": noagent must be a string, not a list`,
		`test.yaml:14:9: node "c": missing required key "queue"`,
	})
}

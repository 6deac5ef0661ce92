package desk

import (
	"log/slog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/record"
)

// StateLog keeps every agent state change (the store implements it).
type StateLog interface {
	AppendAgentState(record.AgentState) error
}

// stateLogDepth is how many state changes may wait for the log before new ones are dropped.
const stateLogDepth = 4096

// RecordStates writes every state change of the ACD's agents to log, in order and off the ACD's
// lock (a full backlog drops changes, with a warning, rather than stall routing). It runs until
// the process ends.
func RecordStates(a *acd.ACD, log StateLog, l *slog.Logger) {
	changes := make(chan acd.StateChange, stateLogDepth)
	a.OnStateChange(func(c acd.StateChange) {
		select {
		case changes <- c:
		default:
			l.Warn("agent state log full; dropping a change", "agent", c.Agent, "to", c.To)
		}
	})
	go func() {
		batch, ok := log.(BatchStateLog)
		if !ok {
			for c := range changes {
				if err := log.AppendAgentState(c); err != nil {
					l.Error("storing agent state failed", "agent", c.Agent, "error", err)
				}
			}
			return
		}
		// One write per backlog: with a commit per change the log fell behind at ~40 calls/s
		// (each change waiting for its own commit) and dropped changes.
		pending := make([]record.AgentState, 0, stateBatchMax)
		for c := range changes {
			pending = append(pending[:0], c)
		drain:
			for len(pending) < stateBatchMax {
				select {
				case c := <-changes:
					pending = append(pending, c)
				default:
					break drain
				}
			}
			if err := batch.AppendAgentStates(pending); err != nil {
				l.Error("storing agent states failed", "changes", len(pending), "error", err)
			}
		}
	}()
}

// BatchStateLog is a StateLog that keeps several changes in one write (the store does).
type BatchStateLog interface {
	StateLog
	AppendAgentStates([]record.AgentState) error
}

// stateBatchMax bounds one write of queued changes.
const stateBatchMax = 512

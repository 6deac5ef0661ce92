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
		for c := range changes {
			if err := log.AppendAgentState(c); err != nil {
				l.Error("storing agent state failed", "agent", c.Agent, "error", err)
			}
		}
	}()
}

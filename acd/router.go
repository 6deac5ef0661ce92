package acd

import "time"

// Router is what the call runtime needs from the ACD: queueing callers,
// choosing agents, and hearing how offers ended. ACD implements it in memory;
// a cluster-wide implementation (etcd) would be another type behind it.
type Router interface {
	// Enqueue puts a caller in a queue: higher priority first, FIFO within a
	// priority. ErrQueueFull when the queue holds MaxLength callers already.
	Enqueue(spec QueueSpec, callID string, priority int) error
	// Offer claims the agents to ring for callID, if the caller is next in
	// its queue and the strategy finds someone free: one agent, or every
	// free member for ring-all. The claimed agents are ringing.
	Offer(callID string) (agents []string, ok bool)
	// Reserve claims one available agent for callID outside any queue (a
	// consultation before a warm transfer); ErrNotClaimable if not available.
	// Answered and NotAnswered then apply as for an offer.
	Reserve(agentID, callID string) error
	// Answered records that agentID answered callID; the caller leaves the queue.
	Answered(callID, agentID string)
	// NotAnswered records a ring that ended without an answer. With a reason
	// (ReasonNoAnswer, ReasonRejected) the agent goes on break with it;
	// without one (the caller left, another agent answered) the agent is
	// available again. The caller keeps its place at the head of the queue.
	NotAnswered(callID, agentID, reason string)
	// Leave takes a caller out of the queue without an agent (abandoned, timed out).
	Leave(callID string)
	// CallEnded records the end of an agent's call; the agent wraps up for
	// wrapUp (0: none) and becomes available again unless wrap-up is manual.
	CallEnded(agentID string, wrapUp time.Duration)
	// Position is the caller's 1-based place in its queue and the number waiting.
	Position(callID string) (pos, waiting int)
	// EstimatedWait estimates how long the caller still waits.
	EstimatedWait(callID string) time.Duration
	// Staffed reports whether any agent the queue may ring is logged in.
	Staffed(spec QueueSpec) bool
	// Changed is closed at the next change of agents or queues.
	Changed() <-chan struct{}
}

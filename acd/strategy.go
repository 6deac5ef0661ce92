package acd

// Strategy names, as in the dialplan's queues.
const (
	StrategyLongestIdle = "longest_idle"
	StrategyRoundRobin  = "round_robin"
	StrategyRingAll     = "ring_all"
	StrategyFewestCalls = "fewest_calls"
	StrategySkills      = "skills"
)

// candidatesLocked lists the agents a queue may ring, whatever their state:
// its members, and with the skills strategy only those with the required
// skills (every agent when the queue lists no members).
func (a *ACD) candidatesLocked(spec QueueSpec) []*agent {
	skills := spec.Strategy == StrategySkills
	var out []*agent
	if len(spec.Members) == 0 && skills {
		for _, ag := range a.agents {
			if skillWeight(ag, spec.Skills) >= 0 {
				out = append(out, ag)
			}
		}
		return out
	}
	out = make([]*agent, 0, len(spec.Members))
	for _, m := range spec.Members {
		if ag := a.agents[m]; ag != nil && (!skills || skillWeight(ag, spec.Skills) >= 0) {
			out = append(out, ag)
		}
	}
	return out
}

// idleBefore orders agents by how long they have been idle, then by id so
// decisions are deterministic.
func idleBefore(x, y *agent) bool {
	if !x.idleSince.Equal(y.idleSince) {
		return x.idleSince.Before(y.idleSince)
	}
	return x.id < y.id
}

// skillWeight is the sum of the agent's levels in the required skills, or
// -1 when the agent lacks one or is below its minimum level.
func skillWeight(ag *agent, req map[string]int) int {
	w := 0
	for s, min := range req {
		l := ag.skills[s]
		if l < min {
			return -1
		}
		w += l
	}
	return w
}

// pickLocked chooses the free agents to ring for the next caller of q.
func (a *ACD) pickLocked(q *queue, spec QueueSpec) []*agent {
	switch spec.Strategy {
	case StrategyRoundRobin:
		n := len(spec.Members)
		for i := 1; i <= n; i++ {
			j := (q.rr + i) % n
			if ag := a.agents[spec.Members[j]]; ag != nil && ag.voiceFree() {
				q.rr = j
				return []*agent{ag}
			}
		}
		return nil
	case StrategyRingAll:
		var out []*agent
		for _, ag := range a.candidatesLocked(spec) {
			if ag.voiceFree() {
				out = append(out, ag)
			}
		}
		return out
	}
	var best *agent
	bestW := 0
	for _, ag := range a.candidatesLocked(spec) {
		if !ag.voiceFree() {
			continue
		}
		switch spec.Strategy {
		case StrategyFewestCalls:
			if best == nil || ag.calls < best.calls || (ag.calls == best.calls && idleBefore(ag, best)) {
				best = ag
			}
		case StrategySkills:
			// The most skilled agent gets the call; level sums are the weights.
			w := skillWeight(ag, spec.Skills)
			if w < 0 {
				continue
			}
			if best == nil || w > bestW || (w == bestW && idleBefore(ag, best)) {
				best, bestW = ag, w
			}
		default: // longest idle
			if best == nil || idleBefore(ag, best) {
				best = ag
			}
		}
	}
	if best == nil {
		return nil
	}
	return []*agent{best}
}

package acd

// Chats wait in the same queues as calls, in the same priority and arrival order, but they are
// served by a different capacity: an agent logged in on the desktop may have up to their chat
// capacity open at once (DefaultChatCapacity unless configured), while a call needs the agent
// free. The two channels are exclusive per agent: an agent with chats open (or offered) is not
// offered calls, and an agent on a call is not offered chats — a person talking on the phone
// does not also type to three customers well. Chats do not change the agent's state: an agent
// chatting is still "available" for more chats, and on break or offline they get none.

// EnqueueChat puts a chat in a queue, like Enqueue for a call.
func (a *ACD) EnqueueChat(spec QueueSpec, chatID string, priority int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.enqueueLocked(spec, chatID, priority, true)
}

// ChatEnded frees one of the agent's chat slots.
func (a *ACD) ChatEnded(agentID, chatID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ag, ok := a.agents[agentID]; ok && (ag.chats[chatID] || ag.chatOffers[chatID]) {
		delete(ag.chats, chatID)
		delete(ag.chatOffers, chatID)
		a.notifyLocked()
	}
}

// SetDefaultChatCapacity sets the chat capacity of agents without their own (n ≥ 0).
func (a *ACD) SetDefaultChatCapacity(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.chatCap = max(n, 0)
	a.notifyLocked()
}

// SetChatCapacity sets one agent's chat capacity; n < 0 returns them to the default.
func (a *ACD) SetChatCapacity(id string, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ag, ok := a.agents[id]; ok {
		ag.chatCap = n
		if n < 0 {
			ag.chatCap = 0
			ag.chatCapSet = false
		} else {
			ag.chatCapSet = true
		}
		a.notifyLocked()
	}
}

func (a *ACD) chatCapLocked(ag *agent) int {
	if ag.chatCapSet {
		return ag.chatCap
	}
	return a.chatCap
}

// voiceFree reports whether a call may ring the agent.
func (ag *agent) voiceFree() bool {
	return ag.state == Available && len(ag.chats) == 0 && len(ag.chatOffers) == 0
}

// chatLoad is how many of the agent's chat slots are taken.
func (ag *agent) chatLoad() int { return len(ag.chats) + len(ag.chatOffers) }

// chatFree reports whether a chat may be offered to the agent: on the desktop, available,
// and below capacity.
func (a *ACD) chatFreeLocked(ag *agent) bool {
	return ag.devices[DeviceWeb] && ag.state == Available && ag.chatLoad() < a.chatCapLocked(ag)
}

// offerChatLocked offers the chat to one agent: of the queue's candidates with a free chat
// slot, the least loaded; among equals the strategy's order (skills: the most skilled, fewest
// calls, else the longest idle). Ring-all and round-robin offer chats like longest idle: a
// chat goes to one agent at a time.
func (a *ACD) offerChatLocked(t *Ticket) ([]string, bool) {
	var best *agent
	bestW := 0
	for _, ag := range a.candidatesLocked(t.spec) {
		if !a.chatFreeLocked(ag) {
			continue
		}
		w := 0
		if t.spec.Strategy == StrategySkills {
			if w = skillWeight(ag, t.spec.Skills); w < 0 {
				continue
			}
		}
		if best == nil || ag.chatLoad() < best.chatLoad() {
			best, bestW = ag, w
			continue
		}
		if ag.chatLoad() > best.chatLoad() {
			continue
		}
		switch {
		case t.spec.Strategy == StrategySkills && w != bestW:
			if w > bestW {
				best, bestW = ag, w
			}
		case t.spec.Strategy == StrategyFewestCalls && ag.calls != best.calls:
			if ag.calls < best.calls {
				best, bestW = ag, w
			}
		case idleBefore(ag, best):
			best, bestW = ag, w
		}
	}
	if best == nil {
		return nil, false
	}
	best.chatOffers[t.CallID] = true
	t.ringing[best.id] = true
	a.notifyLocked()
	return []string{best.id}, true
}

package pacing

import "fmt"

// Outcome is why a dial ended without a person for an agent.
type Outcome int

const (
	Busy Outcome = iota + 1
	NoAnswer
	MachineAnswer // answered by a machine (answering-machine detection said so)
	Rejected      // the network or the trunk refused the call
)

func (o Outcome) String() string {
	switch o {
	case Busy:
		return "busy"
	case NoAnswer:
		return "no-answer"
	case MachineAnswer:
		return "machine"
	case Rejected:
		return "rejected"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

package ivr

import (
	"errors"

	"github.com/hotline-cc/hotline/dialplan"
)

// srtpLeg is a leg whose media encryption follows its route's srtp: policy (a SIP caller's leg). It
// refuses the call itself (488 with a Warning) when its offer does not fit the policy.
type srtpLeg interface {
	ApplySRTP(policy string) error
}

// errSRTPRefused: the caller's offer did not fit the route's SRTP policy.
var errSRTPRefused = errors.New("the offer does not fit the route's srtp policy")

// applySRTP gives the leg its route's SRTP policy; legs without SRTP (the browser's) take none.
func applySRTP(leg InboundLeg, policy string) error {
	l, ok := leg.(srtpLeg)
	if !ok {
		return nil
	}
	if err := l.ApplySRTP(policy); err != nil {
		return errors.Join(errSRTPRefused, err)
	}
	return nil
}

// queueOf is the named queue of the call's plan, nil when there is none (tests run calls without one).
func (c *call) queueOf(name string) *dialplan.Queue {
	if c.plan == nil {
		return nil
	}
	return c.plan.Queues[name]
}

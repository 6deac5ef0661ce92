package ivr

import "time"

// Now is the wall clock: a live call runs in real time.
func (c *call) Now() time.Time { return time.Now() }

// Headers are the INVITE's SIP headers, as the signalling layer passed them in CallInfo.
func (c *call) Headers() map[string]string { return c.headers }

// Answer answers the call (an answer node, or before recording).
func (c *call) Answer() error { return c.answer() }

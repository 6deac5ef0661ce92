package record

import "time"

// Monitoring is one supervisor's session on a call: silent listening, whispering to the agent,
// or barging in, in the order the supervisor chose them.
type Monitoring struct {
	Supervisor string        `json:"supervisor"`
	Start      time.Time     `json:"start"`
	End        time.Time     `json:"end,omitzero"`
	Modes      []MonitorStep `json:"modes"`
}

// MonitorStep is a mode a supervisor took part in from At on.
type MonitorStep struct {
	Mode string    `json:"mode"` // listen, whisper, barge
	At   time.Time `json:"at"`
}

package record

import "time"

// Agent roles.
const (
	RoleAgent      = "agent"
	RoleSupervisor = "supervisor" // also sees the supervisor page, calls and insights
	RoleAdmin      = "admin"      // a supervisor who also sees what redaction kept aside
)

// ParseRole reads a role as hotline.yaml and the CLI write it; "" is an agent.
func ParseRole(s string) (string, bool) {
	switch s {
	case "", RoleAgent:
		return RoleAgent, true
	case RoleSupervisor, RoleAdmin:
		return s, true
	}
	return "", false
}

// Supervises reports whether a role sees the supervisor's pages (the floor, calls, insights).
func Supervises(role string) bool { return role == RoleSupervisor || role == RoleAdmin }

// Devices that ring an agent (Agent.Ring).
const (
	RingBrowser = "browser" // the desktop's WebRTC softphone, when the desktop is open
	RingSIP     = "sip"     // the agent's registered SIP phone
	RingBoth    = "both"    // both at once; the first to answer takes the call
)

// ParseRing reads a device preference as hotline.yaml and the CLI write it: browser, sip or both,
// and web, the older name of browser; "" is the default (browser when the desktop is open).
func ParseRing(s string) (string, bool) {
	switch s {
	case "", RingBrowser, RingSIP, RingBoth:
		return s, true
	case "web":
		return RingBrowser, true
	}
	return "", false
}

// Agent is an agent's account. Secrets are kept only as hashes: a bcrypt hash for the desktop
// login, the SIP digest HA1 for phones.
type Agent struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	PasswordHash string         `json:"password_hash,omitempty"` // bcrypt
	HA1          string         `json:"ha1,omitempty"`           // MD5(id:realm:password) for SIP digest
	Role         string         `json:"role,omitempty"`          // agent (default) or supervisor
	Skills       map[string]int `json:"skills,omitempty"`        // skill → level 1-10
	Ring         string         `json:"ring,omitempty"`          // one of the Ring constants; empty: browser when open, else SIP
	Updated      time.Time      `json:"updated"`
}

// AgentState is one agent state change (for occupancy and handle-time reports).
type AgentState struct {
	Agent  string    `json:"agent"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason,omitempty"`
	Call   string    `json:"call,omitempty"`
	At     time.Time `json:"at"`
}

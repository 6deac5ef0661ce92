package record

import "time"

// Audit is one look at customer data that must be traceable: who listened to which call's
// recording, read a transcript with what redaction kept aside, or exported a list.
type Audit struct {
	At     time.Time `json:"at"`
	Who    string    `json:"who"`    // the agent id of the session, or "admin-token"
	Action string    `json:"action"` // one of the Audit* constants
	Call   string    `json:"call,omitempty"`
	Detail string    `json:"detail,omitempty"` // e.g. the export's filter
}

// Audited actions.
const (
	AuditListen   = "listen"   // fetched a call's recording
	AuditOriginal = "original" // read what redaction kept aside
	AuditExport   = "export"   // downloaded a CSV of calls
)

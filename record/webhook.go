package record

import (
	"encoding/json"
	"time"
)

// Webhook event types.
const (
	EventCallEnded    = "call.ended"
	EventCallAnalyzed = "call.analyzed"
)

// Webhook delivery states.
const (
	DeliveryPending   = "pending"   // to be sent at NextAt
	DeliveryDelivered = "delivered" // the endpoint answered 2xx
	DeliveryFailed    = "failed"    // gave up after retrying for the configured time
)

// WebhookEvent is one event for webhook receivers. Its ID is the idempotency key: the same
// event (type, call and, for analyses, the analysis version) always has the same ID, so a
// receiver that sees an ID twice can drop the second.
type WebhookEvent struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"` // one of the Event* constants
	CallID  string          `json:"call_id"`
	Created time.Time       `json:"created"`
	Body    json.RawMessage `json:"body"` // the exact bytes sent (and signed)
}

// WebhookDelivery is the state of one event's delivery to one configured endpoint.
type WebhookDelivery struct {
	EventID     string    `json:"event_id"`
	Endpoint    string    `json:"endpoint"` // the endpoint's name in the configuration, never a URL
	State       string    `json:"state"`    // one of the Delivery* constants
	Attempts    int       `json:"attempts"`
	NextAt      time.Time `json:"next_at"`
	LastStatus  int       `json:"last_status,omitempty"` // HTTP status of the last attempt; 0 if none came
	LastError   string    `json:"last_error,omitempty"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	Created     time.Time `json:"created"`
}

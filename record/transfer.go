package record

import "time"

// Outcomes of an external transfer, as recorded in Transfer.Outcome.
const (
	TransferAnswered     = "answered"
	TransferBusy         = "busy"
	TransferNoAnswer     = "no_answer"
	TransferDeclined     = "declined"
	TransferCallerHangup = "caller_hangup" // the caller hung up while the number rang
	TransferNotAllowed   = "not_allowed"   // the trunk does not allow the number: never dialled
	TransferError        = "error"         // the trunk could not be used (unreachable, credentials refused…)
)

// Transfer is one attempt to hand the caller to an external number through a SIP trunk.
type Transfer struct {
	Number   string    `json:"number"`              // the number dialled
	Trunk    string    `json:"trunk"`               // the dialplan trunk it went through
	CallerID string    `json:"caller_id,omitempty"` // the number presented; empty for anonymous
	Outcome  string    `json:"outcome"`             // one of the Transfer* constants
	Cause    string    `json:"cause,omitempty"`     // why it was not answered, e.g. "busy (486 Busy Here)"
	Start    time.Time `json:"start"`               // dialling started
	Ringing  time.Time `json:"ringing,omitzero"`    // the far end reported ringing (180/183); zero if never
	Answer   time.Time `json:"answer,omitzero"`     // the far end answered; zero if never
	End      time.Time `json:"end"`                 // the attempt, or the call with the number, ended
	HangupBy string    `json:"hangup_by,omitempty"` // after an answer: caller, number or server
	Codec    string    `json:"codec,omitempty"`     // the far end's codec
}

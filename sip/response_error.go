package sip

import (
	"errors"
	"fmt"
)

// Why an outbound call was not answered.
var (
	// ErrNoAnswer: the dialled party did not answer in time (the INVITE was CANCELled), or answered
	// 408/480.
	ErrNoAnswer = errors.New("no answer")
	// ErrBusy: 486 Busy Here or 600 Busy Everywhere.
	ErrBusy = errors.New("busy")
	// ErrDeclined: any other refusal by the far end (403, 404, 603, 5xx…).
	ErrDeclined = errors.New("declined")
	// ErrAuthFailed: the far end wants credentials we do not have, or refused ours (401/407).
	ErrAuthFailed = errors.New("authentication failed")
	// ErrNotAcceptable: the far end speaks none of our codecs (488/606).
	ErrNotAcceptable = errors.New("no common codec")
	// ErrUnreachable: the INVITE could not be sent, or nothing answered it.
	ErrUnreachable = errors.New("unreachable")
)

// ResponseError is a final non-2xx response to an INVITE the server sent. It unwraps to the sentinel
// that classifies it (ErrBusy, ErrNoAnswer, ErrAuthFailed, ErrNotAcceptable or ErrDeclined).
type ResponseError struct {
	Code   int
	Reason string
}

func (e *ResponseError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Reason) }

func (e *ResponseError) Unwrap() error {
	switch e.Code {
	case 486, 600:
		return ErrBusy
	case 408, 480, 487:
		return ErrNoAnswer
	case 401, 407:
		return ErrAuthFailed
	case 488, 606:
		return ErrNotAcceptable
	}
	return ErrDeclined
}

package sip

import (
	"errors"
	"fmt"

	"github.com/hotline-cc/hotline/media"
)

// Why an outbound call failed, besides the party's own answers (media.ErrBusy, media.ErrNoAnswer,
// media.ErrDeclined).
var (
	// ErrAuthFailed: the far end wants credentials we do not have, or refused ours (401/407).
	ErrAuthFailed = errors.New("authentication failed")
	// ErrNotAcceptable: the far end speaks none of our codecs (488/606).
	ErrNotAcceptable = errors.New("no common codec")
	// ErrUnreachable: the INVITE could not be sent, or nothing answered it.
	ErrUnreachable = errors.New("unreachable")
)

// ResponseError is a final non-2xx response to an INVITE the server sent. It unwraps to the sentinel
// that classifies it:
//
//   - media.ErrBusy: 486 Busy Here, 600 Busy Everywhere
//   - media.ErrNoAnswer: 408 Request Timeout, 480 Temporarily Unavailable, 487 Request Terminated
//     (our CANCEL); a dial that times out before any final response is media.ErrNoAnswer too
//   - ErrAuthFailed: 401, 407
//   - ErrNotAcceptable: 488, 606
//   - media.ErrDeclined: any other refusal (403, 404, 603, 5xx…)
type ResponseError struct {
	Code   int
	Reason string
}

func (e *ResponseError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Reason) }

func (e *ResponseError) Unwrap() error {
	switch e.Code {
	case 486, 600:
		return media.ErrBusy
	case 408, 480, 487:
		return media.ErrNoAnswer
	case 401, 407:
		return ErrAuthFailed
	case 488, 606:
		return ErrNotAcceptable
	}
	return media.ErrDeclined
}

// notReached gives the error of a dial that failed because the party was reached and did not take
// the call (busy, no answer, declined) as a call record keeps it: the class and the status that said
// so, "busy (486 Busy Here)", or the class alone, "no answer", when the dial timed out without a final
// response. It wraps the class and the *ResponseError. For any other error it returns nil.
func notReached(err error) error {
	for _, class := range []error{media.ErrBusy, media.ErrNoAnswer, media.ErrDeclined} {
		if !errors.Is(err, class) {
			continue
		}
		if re, ok := errors.AsType[*ResponseError](err); ok {
			return fmt.Errorf("%w (%w)", class, re)
		}
		return class
	}
	return nil
}

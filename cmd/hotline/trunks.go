package main

import (
	"errors"
	"fmt"

	"github.com/hotline-cc/hotline/ivr"
	hsip "github.com/hotline-cc/hotline/sip"
)

// notReached turns the far end's refusals into the IVR's (the transfer's failed edge), with the SIP
// status for the call record; anything else stays an error (the error edge).
func notReached(err error) error {
	status := ""
	var re *hsip.ResponseError
	if errors.As(err, &re) {
		status = " (" + re.Error() + ")"
	}
	switch {
	case errors.Is(err, hsip.ErrBusy):
		return fmt.Errorf("%w%s", ivr.ErrNumberBusy, status)
	case errors.Is(err, hsip.ErrNoAnswer):
		return fmt.Errorf("%w%s", ivr.ErrNumberNoAnswer, status)
	case errors.Is(err, hsip.ErrDeclined):
		return fmt.Errorf("%w%s", ivr.ErrNumberDeclined, status)
	}
	return err
}

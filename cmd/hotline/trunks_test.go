package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hotline-cc/hotline/ivr"
	hsip "github.com/hotline-cc/hotline/sip"
)

// TestNotReached: the far end's refusals become the IVR's (failed edge) with the SIP status; trunk
// trouble stays an error (error edge).
func TestNotReached(t *testing.T) {
	wrap := func(code int, reason string) error {
		return fmt.Errorf("trunk pstn to 138: %w", &hsip.ResponseError{Code: code, Reason: reason})
	}
	for _, tt := range []struct {
		err  error
		want error
		msg  string
	}{
		{wrap(486, "Busy Here"), ivr.ErrNumberBusy, "busy (486 Busy Here)"},
		{wrap(600, "Busy Everywhere"), ivr.ErrNumberBusy, "busy (600 Busy Everywhere)"},
		{wrap(480, "Temporarily Unavailable"), ivr.ErrNumberNoAnswer, "no answer (480 Temporarily Unavailable)"},
		{fmt.Errorf("trunk pstn to 138: %w", hsip.ErrNoAnswer), ivr.ErrNumberNoAnswer, "no answer"},
		{wrap(603, "Decline"), ivr.ErrNumberDeclined, "declined (603 Decline)"},
		{wrap(404, "Not Found"), ivr.ErrNumberDeclined, "declined (404 Not Found)"},
	} {
		got := notReached(tt.err)
		if !errors.Is(got, tt.want) || got.Error() != tt.msg {
			t.Errorf("notReached(%v) = %v, want %v", tt.err, got, tt.msg)
		}
	}
	for _, err := range []error{wrap(407, "Proxy Authentication Required"), wrap(488, "Not Acceptable Here"),
		fmt.Errorf("x: %w", hsip.ErrUnreachable), errors.New("no rtp ports")} {
		got := notReached(err)
		for _, e := range []error{ivr.ErrNumberBusy, ivr.ErrNumberNoAnswer, ivr.ErrNumberDeclined} {
			if errors.Is(got, e) {
				t.Errorf("notReached(%v) = %v: trunk trouble must stay an error", err, got)
			}
		}
	}
}

package sip

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hotline-cc/hotline/media"
)

// TestResponseErrorClass: each final response to our INVITE unwraps to exactly one sentinel.
func TestResponseErrorClass(t *testing.T) {
	all := []error{media.ErrBusy, media.ErrNoAnswer, media.ErrDeclined, ErrAuthFailed, ErrNotAcceptable, ErrUnreachable}
	for _, tt := range []struct {
		code int
		want error
	}{
		{486, media.ErrBusy}, {600, media.ErrBusy},
		{408, media.ErrNoAnswer}, {480, media.ErrNoAnswer}, {487, media.ErrNoAnswer},
		{401, ErrAuthFailed}, {407, ErrAuthFailed},
		{488, ErrNotAcceptable}, {606, ErrNotAcceptable},
		{403, media.ErrDeclined}, {404, media.ErrDeclined}, {603, media.ErrDeclined}, {500, media.ErrDeclined}, {503, media.ErrDeclined},
	} {
		err := fmt.Errorf("trunk pstn to 138: %w", &ResponseError{Code: tt.code, Reason: "Reason"})
		for _, s := range all {
			if got := errors.Is(err, s); got != (s == tt.want) {
				t.Errorf("%d: errors.Is(%v) = %v, want it to be %v only", tt.code, s, got, tt.want)
			}
		}
	}
}

// TestNotReached: the party's answers (busy, no answer, declined) read as the call record keeps
// them, with the SIP status that said so, and still wrap the class and the response; the trunk's
// trouble is not one of them.
func TestNotReached(t *testing.T) {
	resp := func(code int, reason string) error { return &ResponseError{Code: code, Reason: reason} }
	for _, tt := range []struct {
		err   error
		class error
		text  string
	}{
		{resp(486, "Busy Here"), media.ErrBusy, "busy (486 Busy Here)"},
		{resp(600, "Busy Everywhere"), media.ErrBusy, "busy (600 Busy Everywhere)"},
		{resp(480, "Temporarily Unavailable"), media.ErrNoAnswer, "no answer (480 Temporarily Unavailable)"},
		{media.ErrNoAnswer, media.ErrNoAnswer, "no answer"},
		{resp(603, "Decline"), media.ErrDeclined, "declined (603 Decline)"},
		{fmt.Errorf("placing: %w", resp(404, "Not Found")), media.ErrDeclined, "declined (404 Not Found)"},
	} {
		got := notReached(tt.err)
		if got == nil || !errors.Is(got, tt.class) || got.Error() != tt.text {
			t.Errorf("notReached(%v) = %v; want %q wrapping %v", tt.err, got, tt.text, tt.class)
			continue
		}
		var re *ResponseError
		if errors.As(tt.err, &re) && !errors.As(got, &re) {
			t.Errorf("notReached(%v) = %q lost the response", tt.err, got)
		}
	}
	for _, err := range []error{resp(407, "Proxy Authentication Required"), resp(488, "Not Acceptable Here"),
		fmt.Errorf("%w: no response", ErrUnreachable), errors.New("no rtp ports")} {
		if got := notReached(err); got != nil {
			t.Errorf("notReached(%v) = %v: the trunk's trouble is not the party's answer", err, got)
		}
	}
}

package analysis

import "errors"

// ErrMalformedReply says the model's replies did not match the analysis schema, after every
// retry; the error wrapping it gives the last reason.
var ErrMalformedReply = errors.New("analysis: malformed model reply")

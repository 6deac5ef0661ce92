package webhook

import "errors"

var (
	// ErrBadSignature is returned by Verify when the signature header is missing, malformed or
	// does not match the body.
	ErrBadSignature = errors.New("webhook: bad signature")
	// ErrStale is returned by Verify when the signed timestamp is outside the tolerance: a
	// replayed (or very late) request.
	ErrStale = errors.New("webhook: timestamp outside tolerance")
	// ErrConfig is wrapped by Config.Validate's errors.
	ErrConfig = errors.New("webhook: invalid configuration")
)

package replies

import "errors"

// ErrInvalid is returned (wrapped) for a script or request that lacks what it needs or names an
// unknown status, language or tone; the message says which.
var ErrInvalid = errors.New("invalid")

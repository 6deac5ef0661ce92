package jobs

import "errors"

// ErrPermanent, wrapped in a handler's error, fails the job at once: retrying cannot help
// (the call has no recording, the audio is unreadable).
var ErrPermanent = errors.New("jobs: permanent failure")

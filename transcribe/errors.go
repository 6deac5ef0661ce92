package transcribe

import "errors"

// ErrNoTranscriber says the configured recognizer cannot transcribe free conversation (the
// embedded PocketSphinx, or one whose CanHear refuses the audio); the error wrapping it says why.
var ErrNoTranscriber = errors.New("transcribe: transcript not available with the embedded recognizer")

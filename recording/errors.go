package recording

import "errors"

var (
	// ErrFormat is returned (wrapped) for a file that is not a PCM16 WAV recording.
	ErrFormat = errors.New("recording: not a PCM16 WAV file")
	// ErrTapped is returned by Record when the session is being recorded already.
	ErrTapped = errors.New("recording: session already recorded")
	// ErrNoDir is returned by NewManager without a directory.
	ErrNoDir = errors.New("recording: no directory")
	// ErrOutsideDir is returned (wrapped) by Resolve for a name that leaves the directory.
	ErrOutsideDir = errors.New("recording: name outside the recordings directory")
)

package tts

import "errors"

var (
	// ErrEngineMissing is returned by a backend constructor when the engine
	// it drives is not installed.
	ErrEngineMissing = errors.New("tts: engine not installed")
	// ErrEmptyText is returned for text that holds nothing to say.
	ErrEmptyText = errors.New("tts: empty text")
)

package store

import "errors"

var (
	// ErrNotFound is returned when the requested record does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrLocked is returned by Open when another process holds the file.
	ErrLocked = errors.New("store: locked by another process")
	// ErrInvalid is returned when a record lacks a field its key is built from.
	ErrInvalid = errors.New("store: invalid record")
)

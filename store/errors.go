package store

import (
	"errors"

	"github.com/hotline-cc/hotline/record"
)

var (
	// ErrNotFound is returned when the requested record does not exist.
	ErrNotFound = record.ErrNotFound
	// ErrLocked is returned by Open when another process holds the file.
	ErrLocked = errors.New("store: locked by another process")
	// ErrInvalid is returned when a record lacks a field its key is built from.
	ErrInvalid = errors.New("store: invalid record")
)

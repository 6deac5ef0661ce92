package redact

import "errors"

// ErrUnknownKind is returned by Config.Validate for an entity name the redactor does not know.
var ErrUnknownKind = errors.New("redact: unknown kind")

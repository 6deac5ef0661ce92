//go:build !linux

package media

import "errors"

const pacerNice = 0

func raiseThreadPriority() error { return errors.New("thread priorities are set on Linux only") }

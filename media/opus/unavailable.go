//go:build !(cgo && opus)

package opus

import "github.com/hotline-cc/hotline/media"

// Available is false: this build has no libopus (build with -tags opus).
const Available = false

// New returns nil in builds without libopus; check Available first.
func New(payloadType uint8) media.Codec { return nil }

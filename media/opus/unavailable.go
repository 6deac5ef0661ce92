//go:build !(cgo && opus)

package opus

// Available is false: this build has no libopus (build with -tags opus).
const Available = false

package amd_test

import (
	"fmt"

	"github.com/hotline-cc/hotline/amd"
	"github.com/hotline-cc/hotline/media"
)

// A callee who says nothing for 2.5 s after answering is taken for a voicemail.
func ExampleDetector_Frame() {
	d := amd.New(amd.Config{}) // the defaults: 8 kHz, 2.5 s initial silence, …
	frame := make(media.PCM16, media.SamplesPerFrame(8000))
	for {
		if res, done := d.Frame(frame); done {
			fmt.Println(res.Verdict, res.Cause, res.Decided)
			return
		}
	}
	// Output: MACHINE initial silence 2.5s
}

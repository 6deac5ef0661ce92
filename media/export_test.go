package media

// ConcealingWriter is the fallback concealer as the tests see it.
type ConcealingWriter interface {
	FrameWriter
	Concealer
}

// NewPLC exposes the fallback concealer to the external tests.
func NewPLC(out FrameWriter, rate int) ConcealingWriter { return newPLC(out, rate) }

package media

import (
	"sync/atomic"
)

// SwitchWriter forwards frames to a writer that can be swapped at any time,
// so the consumer of a call's audio changes while the RTP path stays.
type SwitchWriter struct {
	rate int
	cur  atomic.Pointer[FrameWriter]
}

// NewSwitchWriter returns a SwitchWriter at rate that discards until Swap is called.
func NewSwitchWriter(rate int) *SwitchWriter { return &SwitchWriter{rate: rate} }

// Swap sets the destination (nil discards) and returns the previous one.
func (s *SwitchWriter) Swap(w FrameWriter) FrameWriter {
	var old *FrameWriter
	if w == nil {
		old = s.cur.Swap(nil)
	} else {
		if w.SampleRate() != s.rate {
			w = NewResampler(w, s.rate)
		}
		old = s.cur.Swap(&w)
	}
	if old == nil {
		return nil
	}
	return *old
}

func (s *SwitchWriter) WriteFrame(p PCM16) error {
	if w := s.cur.Load(); w != nil {
		return (*w).WriteFrame(p)
	}
	return nil
}

func (s *SwitchWriter) SampleRate() int { return s.rate }

func (s *SwitchWriter) String() string {
	if w := s.cur.Load(); w != nil {
		return "switch → " + (*w).String()
	}
	return "switch → discard"
}

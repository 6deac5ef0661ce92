package media

import "context"

// Play writes samples to w in 20 ms frames. It is paced by w (a leg's
// AudioOut blocks at real time) and returns early when ctx is done.
// The last frame is padded with silence.
func Play(ctx context.Context, w FrameWriter, samples PCM16) error {
	n := SamplesPerFrame(w.SampleRate())
	frame := make(PCM16, n)
	for off := 0; off < len(samples); off += n {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := off + n
		if end > len(samples) {
			clear(frame)
			copy(frame, samples[off:])
		} else {
			copy(frame, samples[off:end])
		}
		if err := w.WriteFrame(frame); err != nil {
			return err
		}
	}
	return ctx.Err()
}

package rtc

import (
	"sync/atomic"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// legSender is a leg's outbound audio on media's shared pacer: from when the
// leg connects until it ends, every 20 ms the next queued frame, or silence,
// is encoded and written to the browser's track. Apart from stop, only the
// pacer's tick touches it.
type legSender struct {
	silence   media.PCM16
	enc       media.FrameWriter
	encFailed bool                   // an encode error has been logged
	meter     *media.SendMeter       // the WebRTC pacing histograms
	stop      atomic.Pointer[func()] // stops the pacing: set once connected, taken when the leg ends
}

// pacedLeg is a leg as the pacer sees it.
type pacedLeg struct{ l *Leg }

func (p pacedLeg) Tick(time.Time) { p.l.sendFrame() }

// startPacing puts the connected leg on the pacer.
func (l *Leg) startPacing() {
	stop := media.Pace(pacedLeg{l})
	l.send.stop.Store(&stop)
	if l.ctx.Err() != nil {
		// The leg ended meanwhile and found nothing to stop.
		l.stopPacing()
	}
}

// stopPacing takes the leg off the pacer: once it returns, no frame is sent.
func (l *Leg) stopPacing() {
	if stop := l.send.stop.Swap(nil); stop != nil {
		(*stop)()
	}
}

// sendFrame encodes the next queued frame, or silence, and sends it to the
// browser.
func (l *Leg) sendFrame() {
	if l.ctx.Err() != nil {
		return
	}
	s := &l.send
	f, audio := s.silence, false
	select {
	case f = <-l.outQ:
		audio = true
	default:
	}
	start := s.meter.Took(audio)
	if err := s.enc.WriteFrame(f); err != nil {
		s.meter.Skipped()
		if !s.encFailed && l.ctx.Err() == nil {
			s.encFailed = true // once per leg: the pacer runs every 20 ms
			l.log.Warn("webrtc send failed", "leg", l.id, "err", err)
		}
		return
	}
	// The encoder has written the packet to the track (trackWriter) and
	// returned: this is when it left.
	s.meter.Sent(time.Now(), start)
}

package media

import (
	"log/slog"
	"sync/atomic"
	"time"
)

// rtpTimeout hangs a session up when no RTP arrives for a while: the read
// loop notes each packet, the pacer checks on every tick.
type rtpTimeout struct {
	after     time.Duration // 0: never
	onTimeout func()
	log       *slog.Logger
	lastRecv  atomic.Int64 // unix ns of the last packet (or of a restart)
	rearm     atomic.Bool  // restart asks the pacer to arm the timeout again
	fired     bool         // the pacer's: the timeout has fired and is not armed
}

func newRTPTimeout(after time.Duration, onTimeout func(), log *slog.Logger) *rtpTimeout {
	t := &rtpTimeout{after: after, onTimeout: onTimeout, log: log}
	t.lastRecv.Store(time.Now().UnixNano())
	return t
}

// heard notes that RTP arrived, or that the count starts again from now.
func (t *rtpTimeout) heard() { t.lastRecv.Store(time.Now().UnixNano()) }

// restart counts from now and arms the timeout again if it has fired.
func (t *rtpTimeout) restart() {
	t.heard()
	t.rearm.Store(true)
}

// check is the pacer's: it fires the timeout once when counting (the
// stream is sendrecv) and nothing arrived for too long.
func (t *rtpTimeout) check(now time.Time, counting bool) {
	if t.rearm.Load() && t.rearm.Swap(false) {
		t.fired = false
	}
	if t.after <= 0 || t.fired || !counting || now.Sub(time.Unix(0, t.lastRecv.Load())) <= t.after {
		return
	}
	t.fired = true
	t.log.Warn("no rtp received", "timeout", t.after.String())
	if t.onTimeout != nil {
		go t.onTimeout()
	}
}

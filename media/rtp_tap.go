package media

import (
	"errors"
	"sync/atomic"
	"time"
)

// ErrTapped is returned by RTPSession.Tap when the session already has a tap.
var ErrTapped = errors.New("media: session already tapped")

// TapDirection says which way a tapped packet went, from our side.
type TapDirection uint8

const (
	TapIn  TapDirection = iota // received from the remote party
	TapOut                     // sent to the remote party (paced, prompts, relayed, transcoded)
)

func (d TapDirection) String() string {
	if d == TapIn {
		return "in"
	}
	return "out"
}

// TapFrame is one audio payload a tap saw, with what is needed to decode it
// and place it in time. Payload belongs to the tap: hand the frame back with
// Release once done with it.
type TapFrame struct {
	Dir       TapDirection
	Codec     Codec // the codec the payload is encoded in
	Timestamp uint32
	SSRC      uint32
	At        time.Time // when it arrived or was sent
	Payload   []byte
}

// tapPayloadCap is the buffer each tapped payload is copied into: a G.711 or
// G.722 frame (160 bytes) and a usual Opus frame fit; a larger one grows its
// buffer once.
const tapPayloadCap = 160

// RTPTap copies a session's audio payloads, both ways, into a bounded queue
// for a consumer that must never slow the media down (a recorder). The RTP
// goroutines only copy the payload into a free buffer and send it without
// blocking; when the consumer falls behind and no buffer is free, the packet
// is dropped and counted. Telephone-events, late and duplicate packets are
// not audio and are not tapped.
type RTPTap struct {
	frames  chan TapFrame
	free    chan []byte
	dropped atomic.Uint64
}

// NewRTPTap returns a tap queuing up to depth payloads (0 or less: 250, five
// seconds of both directions).
func NewRTPTap(depth int) *RTPTap {
	if depth <= 0 {
		depth = 250
	}
	t := &RTPTap{frames: make(chan TapFrame, depth), free: make(chan []byte, depth)}
	// Buffers circulate between the RTP goroutines, the queue and the
	// consumer, so tapping allocates nothing per packet, and holding a free
	// buffer means there is room in the queue.
	for range depth {
		t.free <- make([]byte, 0, tapPayloadCap)
	}
	return t
}

// Frames delivers the tapped payloads in the order they were seen.
func (t *RTPTap) Frames() <-chan TapFrame { return t.frames }

// Release returns a frame's buffer to the tap.
func (t *RTPTap) Release(f TapFrame) {
	select {
	case t.free <- f.Payload[:0]:
	default: // not one of ours
	}
}

// Dropped counts payloads dropped because the consumer was behind.
func (t *RTPTap) Dropped() uint64 { return t.dropped.Load() }

// put copies one payload; it never blocks.
func (t *RTPTap) put(dir TapDirection, c Codec, ts, ssrc uint32, payload []byte) {
	var buf []byte
	select {
	case buf = <-t.free:
	default:
		t.dropped.Add(1)
		return
	}
	f := TapFrame{Dir: dir, Codec: c, Timestamp: ts, SSRC: ssrc, At: time.Now(), Payload: append(buf, payload...)}
	select {
	case t.frames <- f:
	default:
		t.free <- buf
		t.dropped.Add(1)
	}
}

// tapPoint is where a session's receiver and stream find its tap: one atomic
// load per packet when there is none.
type tapPoint struct {
	tap  atomic.Pointer[RTPTap]
	wire *atomic.Pointer[rtpWire] // the session's, to name the codec of a sent payload
}

// in taps a received audio payload.
func (p *tapPoint) in(c Codec, ts, ssrc uint32, payload []byte) {
	if p == nil {
		return
	}
	if t := p.tap.Load(); t != nil {
		t.put(TapIn, c, ts, ssrc, payload)
	}
}

// out taps a sent packet when it is audio of the session's codec; the
// pacer's first packets after a codec change still speak the old one and
// are left out (a frame of silence in a recording).
func (p *tapPoint) out(pt uint8, ts, ssrc uint32, payload []byte) {
	if p == nil {
		return
	}
	t := p.tap.Load()
	if t == nil {
		return
	}
	if w := p.wire.Load(); w.info.PayloadType == pt {
		t.put(TapOut, w.codec, ts, ssrc, payload)
	}
}

// Tap attaches t to the session: from now on every audio payload the session
// receives from its remote, and every one it sends there (its own paced
// audio, or a bridged peer's relayed packets), is copied into t. It fails
// with ErrTapped when another tap is attached.
func (s *RTPSession) Tap(t *RTPTap) error {
	if !s.taps.tap.CompareAndSwap(nil, t) {
		return ErrTapped
	}
	return nil
}

// Untap detaches t if it is the session's tap.
func (s *RTPSession) Untap(t *RTPTap) { s.taps.tap.CompareAndSwap(t, nil) }

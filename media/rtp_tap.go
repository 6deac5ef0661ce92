package media

import (
	"errors"
	"sync"
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
// and place it in time. Payload belongs to the tap and is valid until the
// next Take.
type TapFrame struct {
	Dir       TapDirection
	Codec     Codec // the codec the payload is encoded in
	Timestamp uint32
	SSRC      uint32
	At        time.Time // when it arrived or was sent
	Payload   []byte
}

// tapPayloadCap is the room kept per queued payload: a G.711 or G.722 frame
// (160 bytes) and a usual Opus frame fit; larger ones grow the batch once.
const tapPayloadCap = 160

// RTPTap copies a session's audio payloads, both ways, into a bounded queue
// for a consumer that must never slow the media down (a recorder). The RTP
// goroutines only append the payload to the batch being filled, under a lock
// held for that copy; the consumer takes the whole batch at once (Take), so
// the two meet once per batch, not per packet. When the consumer falls behind
// and the batch is full, packets are dropped and counted. Telephone-events,
// late and duplicate packets are not audio and are not tapped.
type RTPTap struct {
	mu      sync.Mutex // guards fill
	fill    tapBatch   // being filled by the RTP goroutines
	taken   tapBatch   // what the last Take returned; the consumer's
	depth   int
	dropped atomic.Uint64
}

// tapBatch is queued frames with their payloads in one arena: frame i's
// payload is arena[offs[i]:offs[i+1]].
type tapBatch struct {
	frames []TapFrame
	offs   []int
	arena  []byte
}

func newTapBatch(depth int) tapBatch {
	return tapBatch{frames: make([]TapFrame, 0, depth), offs: make([]int, 1, depth+1), arena: make([]byte, 0, depth*tapPayloadCap)}
}

// NewRTPTap returns a tap queuing up to depth payloads between two Takes (0
// or less: 250, five seconds of both directions).
func NewRTPTap(depth int) *RTPTap {
	if depth <= 0 {
		depth = 250
	}
	// Two batches circulate between the RTP goroutines and the consumer, so
	// tapping allocates nothing per packet.
	return &RTPTap{fill: newTapBatch(depth), taken: newTapBatch(depth), depth: depth}
}

// Take returns the payloads tapped since the last Take, in the order they
// were seen. They stay valid until the next Take; only one goroutine may
// call it.
func (t *RTPTap) Take() []TapFrame {
	spare := t.taken
	spare.frames, spare.offs, spare.arena = spare.frames[:0], spare.offs[:1], spare.arena[:0]
	t.mu.Lock()
	t.taken, t.fill = t.fill, spare
	t.mu.Unlock()
	b := &t.taken
	for i := range b.frames {
		b.frames[i].Payload = b.arena[b.offs[i]:b.offs[i+1]:b.offs[i+1]]
	}
	return b.frames
}

// Dropped counts payloads dropped because the consumer was behind.
func (t *RTPTap) Dropped() uint64 { return t.dropped.Load() }

// put copies one payload; it never blocks for longer than another put.
func (t *RTPTap) put(dir TapDirection, c Codec, ts, ssrc uint32, payload []byte) {
	at := time.Now()
	t.mu.Lock()
	b := &t.fill
	if len(b.frames) >= t.depth {
		t.mu.Unlock()
		t.dropped.Add(1)
		return
	}
	b.arena = append(b.arena, payload...)
	b.offs = append(b.offs, len(b.arena))
	b.frames = append(b.frames, TapFrame{Dir: dir, Codec: c, Timestamp: ts, SSRC: ssrc, At: at})
	t.mu.Unlock()
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

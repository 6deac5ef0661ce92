package recording

import (
	"slices"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// Placing audio on the call's timeline. Each direction's packets carry RTP
// timestamps, which are exact relative to each other within one stream
// (one SSRC at one clock rate) but say nothing about wall-clock time. The
// aligner maps them to the recording's timeline (time since the recording
// started) through an offset: position = timestamp time + offset. The
// offset follows the lower envelope of (arrival - timestamp time), the
// packets that came fastest, so network and scheduling jitter do not move
// the audio later; it creeps up slowly (leak) so a sender whose clock runs
// slow does not drift behind, and a stream is anchored afresh on a new SSRC,
// a new clock rate, a timestamp jump, or packets arriving more than
// reanchorLag after where their timestamps put them (a sender that stopped
// its clock while it sent nothing). Audio is therefore never placed later
// than it arrived, and at most reanchorLag earlier.

const (
	reanchorLag = 200 * time.Millisecond
	// leak is how much the offset may rise per packet: 20 µs per 20 ms
	// (1000 ppm), far above real clock drift and far below jitter.
	leak = 20 * time.Microsecond
	// maxTSJump is a timestamp step taken as a restart of the stream rather
	// than as time that passed.
	maxTSJump = 30 * time.Second
	// ssrcHold is how long a stream keeps its place against another SSRC
	// arriving at the same time (a stray stream: old packets still in
	// flight after a re-INVITE, a second source): two interleaved streams
	// would each re-anchor the other, so the newcomer waits until the
	// current stream has gone quiet this long.
	ssrcHold = 60 * time.Millisecond
)

// aligner places one direction's packets in time.
type aligner struct {
	set    bool
	ssrc   uint32
	clock  int           // RTP clock rate
	lastTS uint32        // newest timestamp seen
	ext    int64         // lastTS extended, in ticks since the anchor
	offset time.Duration // position of the anchor's timestamp on the timeline
	heard  time.Duration // the stream's newest arrival
}

// place returns where a packet with timestamp ts that arrived at (time
// since the recording started) goes on the timeline; ok is false for a
// packet of another stream while the current one is still running.
func (a *aligner) place(ts, ssrc uint32, clock int, at time.Duration) (_ time.Duration, ok bool) {
	if a.set && ssrc != a.ssrc && at-a.heard < ssrcHold {
		return 0, false
	}
	if !a.set || ssrc != a.ssrc || clock != a.clock {
		return a.anchor(ts, ssrc, clock, at), true
	}
	a.heard = max(a.heard, at)
	d := int64(int32(ts - a.lastTS))
	if time.Duration(d)*time.Second/time.Duration(clock) > maxTSJump || -d > int64(clock) {
		return a.anchor(ts, ssrc, clock, at), true
	}
	ext := a.ext + d
	if d > 0 {
		a.ext, a.lastTS = ext, ts
	}
	tsTime := time.Duration(ext) * time.Second / time.Duration(clock)
	switch off := at - tsTime; {
	case off < a.offset:
		a.offset = off
	case off-a.offset > reanchorLag:
		return a.anchor(ts, ssrc, clock, at), true
	default:
		a.offset += min(off-a.offset, leak)
	}
	return tsTime + a.offset, true
}

func (a *aligner) anchor(ts, ssrc uint32, clock int, at time.Duration) time.Duration {
	*a = aligner{set: true, ssrc: ssrc, clock: clock, lastTS: ts, offset: at, heard: at}
	return at
}

// track is one channel of the recording: the aligner, its own decoder for
// the codec its packets speak, and the samples decoded but not yet written,
// from the file's write cursor on.
type track struct {
	rate  int // the file's
	align aligner

	codec   media.CodecInfo // what dec decodes
	dec     media.PayloadWriter
	flusher media.Flusher // the resampler, when the codec runs at another rate
	decIn   int           // samples (codec rate) the decoder wrote for the current payload
	decOut  media.PCM16   // what came out at the file's rate, for the current payload

	inPos  int64 // where the next payload should start, in samples at rate
	outPos int64 // where the next decoded sample goes
	synced bool

	pend media.PCM16 // samples [cursor, cursor+len(pend)) of this channel
}

// tolerance is how far a payload may land from where the previous one
// ended and still be taken as continuous (jitter, the aligner's creep).
func (t *track) tolerance() int64 { return int64(t.rate / 100) } // 10 ms

// setCodec gives the track a decoder for c, writing at the file's rate.
func (t *track) setCodec(c media.Codec, info media.CodecInfo) {
	t.codec = info
	collect := media.FrameWriterFunc{Name: "recording", Rate: t.rate, Fn: func(p media.PCM16) error {
		t.decOut = append(t.decOut, p...)
		return nil
	}}
	var out media.FrameWriter = collect
	t.flusher = nil
	if info.SampleRate != t.rate {
		out = media.NewResampler(collect, info.SampleRate)
		t.flusher, _ = out.(media.Flusher)
	}
	next := out
	counted := media.FrameWriterFunc{Name: "count", Rate: info.SampleRate, Fn: func(p media.PCM16) error {
		t.decIn += len(p)
		return next.WriteFrame(p)
	}}
	t.dec = c.Decoder(counted)
	t.synced = false
}

// add decodes one tapped payload and places it at pos (time since start);
// cursor is the first sample not yet written. It reports whether any of it
// could be placed (false: too late, already written).
func (t *track) add(f media.TapFrame, info media.CodecInfo, pos time.Duration, cursor int64) bool {
	if t.dec == nil || t.codec != info {
		if t.flusher != nil {
			_ = t.flusher.Flush()
			t.emit(cursor)
		}
		t.setCodec(f.Codec, info)
	}
	p := int64(pos) * int64(t.rate) / int64(time.Second)
	if !t.synced || p > t.inPos+t.tolerance() || p < t.inPos-t.tolerance() {
		// A gap (lost packets, silence suppression, hold) or a new anchor:
		// what the resampler holds belongs before it.
		if t.flusher != nil && t.synced {
			_ = t.flusher.Flush()
			t.emit(cursor)
		}
		t.inPos, t.outPos, t.synced = p, p, true
	}
	t.decIn = 0
	_ = t.dec.WritePayload(f.Payload)
	t.inPos += int64(t.decIn) * int64(t.rate) / int64(info.SampleRate)
	return t.emit(cursor)
}

// emit moves what the decoder produced into the pending samples at outPos.
func (t *track) emit(cursor int64) bool {
	out := t.decOut
	t.decOut = t.decOut[:0]
	at := t.outPos
	t.outPos += int64(len(out))
	if at < cursor {
		skip := cursor - at
		if skip >= int64(len(out)) {
			return false
		}
		out, at = out[skip:], cursor
	}
	off := int(at - cursor)
	if need := off + len(out); need > len(t.pend) {
		if need > maxPending*t.rate {
			return false // nonsense position; the aligner never places audio ahead of its arrival
		}
		old := len(t.pend)
		t.pend = slices.Grow(t.pend, need-old)[:need]
		clear(t.pend[old:])
	}
	copy(t.pend[off:], out)
	return true
}

// maxPending bounds, in seconds, how far past the write cursor audio is held.
const maxPending = 10

// take removes the first n pending samples into dst (zeros where none).
func (t *track) take(dst media.PCM16) {
	n := copy(dst, t.pend)
	clear(dst[n:])
	rest := copy(t.pend, t.pend[n:])
	t.pend = t.pend[:rest]
}

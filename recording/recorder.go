package recording

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
)

const (
	// flushEvery is how often the recorder takes the tap's payloads and
	// writes what has settled.
	flushEvery = 400 * time.Millisecond
	// settle is how long audio stays pending before it is written: a
	// payload waits up to flushEvery in the tap's queue and may be placed
	// up to reanchorLag before its arrival; the rest is slack for a
	// recorder running late.
	settle = 900 * time.Millisecond
	// writeBuffer is the file's write buffer: about a second of 8 kHz stereo.
	writeBuffer = 32 << 10
)

// headerEvery is how many ticks (10 s) pass between header updates: a
// .part file is a playable WAV up to its last update, before Recover. A
// variable for the tests.
var headerEvery = 25

// Recorder records one call. Its goroutine owns the file and the tracks;
// Pause, Resume and Stop reach it through the mutex-guarded pauses and the
// stop channel.
type Recorder struct {
	m      *Manager
	sess   *media.RTPSession
	tap    *media.RTPTap
	callID string
	rel    string // the final file, relative to the directory
	abs    string // the .part being written is abs + ".part"
	rate   int
	start  time.Time

	mu     sync.Mutex // guards pauses and end
	pauses []record.Interval
	end    time.Time

	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
	result   record.Recording // set by the goroutine before done is closed
}

// Pause makes the recording silent on both channels from now until Resume
// (an agent taking card numbers). The audio is never written: it is still
// pending when the pause starts.
func (r *Recorder) Pause() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.end.IsZero() || r.pausedLocked() {
		return
	}
	r.pauses = append(r.pauses, record.Interval{Start: time.Now()})
}

// Resume ends a pause.
func (r *Recorder) Resume() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pausedLocked() {
		r.pauses[len(r.pauses)-1].End = time.Now()
	}
}

// Paused reports whether the recording is paused.
func (r *Recorder) Paused() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pausedLocked()
}

func (r *Recorder) pausedLocked() bool {
	return len(r.pauses) > 0 && r.pauses[len(r.pauses)-1].End.IsZero()
}

// Stop ends the recording now, finishes the file and returns what was
// recorded. It may be called more than once and from any goroutine; the
// recording also ends by itself when the session closes.
func (r *Recorder) Stop() record.Recording {
	r.stopOnce.Do(func() { close(r.stop) })
	<-r.done
	return r.result
}

// File is the recording's path relative to the manager's directory.
func (r *Recorder) File() string { return r.rel }

// writer is the recorder goroutine's state.
type writer struct {
	r       *Recorder
	f       *os.File
	bw      *bufio.Writer
	hdrLen  int64
	cursor  int64 // samples per channel written
	tracks  [2]track
	buf     []byte
	l, rgt  media.PCM16
	err     error // the first write error; the recording has stopped
	written int64 // data bytes written
}

func (r *Recorder) run(w *writer) {
	defer close(r.done)
	// The recorder wakes on its ticker only, and takes what the tap queued
	// meanwhile in one go: a wake-up per packet would cost more CPU than
	// decoding and writing the audio.
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	ticks := 0
	for {
		select {
		case now := <-tick.C:
			r.drain(w)
			w.flushTo(r.sampleAt(now.Add(-settle)))
			if ticks++; ticks%headerEvery == 0 {
				w.syncHeader()
			}
			if w.err != nil {
				r.sess.Untap(r.tap)
			}
		case <-r.stop:
			r.finish(w, time.Now())
			return
		case <-r.sess.Context().Done():
			r.finish(w, time.Now())
			return
		}
	}
}

// drain places the payloads tapped since the last drain.
func (r *Recorder) drain(w *writer) {
	for _, f := range r.tap.Take() {
		w.frame(f)
	}
}

// sampleAt is the timeline position of t, in samples.
func (r *Recorder) sampleAt(t time.Time) int64 {
	return int64(t.Sub(r.start)) * int64(r.rate) / int64(time.Second)
}

// frame places one tapped payload.
func (w *writer) frame(f media.TapFrame) {
	if w.err != nil {
		return
	}
	ch := 0
	if f.Dir == media.TapOut {
		ch = 1
	}
	t := &w.tracks[ch]
	info := f.Codec.Info()
	pos, ok := t.align.place(f.Timestamp, f.SSRC, info.ClockRate, f.At.Sub(w.r.start))
	if ok && t.add(f, info, pos, w.cursor) {
		w.r.m.stats.framesWritten.Add(1)
	} else {
		w.r.m.stats.framesDropped.Add(1)
	}
}

// flushTo writes both channels up to sample end, silencing paused spans.
func (w *writer) flushTo(end int64) {
	if w.err != nil || end <= w.cursor {
		return
	}
	n := int(end - w.cursor)
	if int64(n)*bytesPerFrame+w.written > maxDataLen {
		w.fail(fmt.Errorf("recording longer than a WAV file holds"))
		return
	}
	if cap(w.l) < n {
		w.l, w.rgt = make(media.PCM16, n), make(media.PCM16, n)
	}
	l, rt := w.l[:n], w.rgt[:n]
	w.tracks[0].take(l)
	w.tracks[1].take(rt)
	for _, p := range w.r.pausedSamples(w.cursor, end) {
		clear(l[p[0]:p[1]])
		clear(rt[p[0]:p[1]])
	}
	if cap(w.buf) < n*bytesPerFrame {
		w.buf = make([]byte, n*bytesPerFrame)
	}
	b := w.buf[:n*bytesPerFrame]
	for i := range n {
		binary.LittleEndian.PutUint16(b[4*i:], uint16(l[i]))
		binary.LittleEndian.PutUint16(b[4*i+2:], uint16(rt[i]))
	}
	if _, err := w.bw.Write(b); err != nil {
		w.fail(err)
		return
	}
	w.cursor = end
	w.written += int64(len(b))
	w.r.m.stats.bytesWritten.Add(uint64(len(b)))
}

// syncHeader writes out the buffer and sets the header's sizes to it.
func (w *writer) syncHeader() {
	if w.err != nil {
		return
	}
	if err := w.bw.Flush(); err != nil {
		w.fail(err)
		return
	}
	if err := fixSizes(w.f, w.hdrLen, w.written); err != nil {
		w.fail(err)
	}
}

// pausedSamples returns the paused spans within [from, to) as offsets from from.
func (r *Recorder) pausedSamples(from, to int64) [][2]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out [][2]int64
	for _, p := range r.pauses {
		a := r.sampleAt(p.Start)
		b := to
		if !p.End.IsZero() {
			b = r.sampleAt(p.End)
		}
		a, b = max(a, from), min(b, to)
		if a < b {
			out = append(out, [2]int64{a - from, b - from})
		}
	}
	return out
}

// fail stops the recording on a write error; the call goes on.
func (w *writer) fail(err error) {
	if w.err != nil {
		return
	}
	w.err = err
	w.r.m.stats.errors.Add(1)
	w.r.m.log.Error("recording stopped", "call", w.r.callID, "file", w.r.rel, "err", err)
}

// finish writes the last of the audio, fixes the header and renames the
// .part into place.
func (r *Recorder) finish(w *writer, end time.Time) {
	r.sess.Untap(r.tap)
	r.mu.Lock()
	r.end = end
	for i := range r.pauses {
		if r.pauses[i].End.IsZero() {
			r.pauses[i].End = end
		}
	}
	pauses := append([]record.Interval(nil), r.pauses...)
	r.mu.Unlock()
	r.drain(w)
	w.flushTo(r.sampleAt(end))
	if w.err == nil {
		if err := w.bw.Flush(); err != nil {
			w.fail(err)
		}
	}
	// After a write error what reached the disk is kept: the sizes follow
	// the file, and the recording is marked incomplete.
	part := r.abs + ".part"
	dataLen := w.written
	if w.err != nil {
		if st, err := w.f.Stat(); err == nil {
			dataLen = samplesIn(header{dataOffset: w.hdrLen, channels: 2}, st.Size())
		}
	}
	err := fixSizes(w.f, w.hdrLen, dataLen)
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(part, r.abs)
	}
	if err != nil {
		w.fail(fmt.Errorf("finishing %s: %w", part, err))
	}
	r.m.active.Add(-1)
	r.m.untrack(r)
	r.result = record.Recording{File: r.rel, Format: Format, Rate: r.rate, Channels: 2, Start: r.start,
		End:    r.start.Add(time.Duration(dataLen/bytesPerFrame) * time.Second / time.Duration(r.rate)),
		Paused: pauses, Incomplete: w.err != nil}
	if w.err == nil {
		r.result.End = end
	}
}

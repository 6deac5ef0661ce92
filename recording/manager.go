package recording

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// Format is record.Recording.Format of the files this package writes.
const Format = "wav/pcm16"

// Options configure a Manager.
type Options struct {
	Dir       string // where recordings live: Dir/YYYY/MM/DD/<call>.wav
	Retention Retention
	// QueueFrames is each call's tap queue, in payloads of either
	// direction (default 250: 2.5 s of both directions at 20 ms).
	QueueFrames int
}

// Retention says how long recordings are kept; zero values keep them.
type Retention struct {
	Days     int   // delete recordings older than this many days
	MaxBytes int64 // then delete the oldest while all together take more than this
}

// Stats count what the manager's recorders did since it was made.
type Stats struct {
	Active        int    // recordings in progress
	FramesWritten uint64 // payloads decoded into a file
	FramesDropped uint64 // payloads lost: the tap queue was full, or they came too late to place
	BytesWritten  uint64 // sample bytes written
	Errors        uint64 // recordings stopped by a write error
}

// Manager starts recordings under one directory and keeps it within its
// retention. It is safe for concurrent use.
type Manager struct {
	opts Options
	log  *slog.Logger
	now  func() time.Time // the retention sweep's clock
	// sink wraps each file's writes; tests make it fail (a full disk).
	sink  func(io.Writer) io.Writer
	stats struct {
		framesWritten, framesDropped, bytesWritten, errors atomic.Uint64
	}
	active atomic.Int64

	mu         sync.Mutex // guards live and tapDropped
	live       map[*Recorder]struct{}
	tapDropped uint64 // from finished recorders' taps
}

// NewManager makes a manager recording into opts.Dir, creating it.
func NewManager(opts Options, log *slog.Logger) (*Manager, error) {
	if opts.Dir == "" {
		return nil, ErrNoDir
	}
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	m := &Manager{opts: opts, log: log, now: time.Now, live: map[*Recorder]struct{}{}}
	return m, nil
}

// Dir is the directory recordings live in; record.Recording.File is relative to it.
func (m *Manager) Dir() string { return m.opts.Dir }

// Stats returns the counters so far.
func (m *Manager) Stats() Stats {
	return Stats{Active: int(m.active.Load()), FramesWritten: m.stats.framesWritten.Load(),
		FramesDropped: m.stats.framesDropped.Load() + m.dropped(),
		BytesWritten:  m.stats.bytesWritten.Load(), Errors: m.stats.errors.Load()}
}

// Record starts recording the call whose caller's media is s, from now
// until Stop or until s closes: what s receives is the left channel, what
// it sends the right. It fails with ErrTapped when s is being recorded.
func (m *Manager) Record(s *media.RTPSession, callID string) (*Recorder, error) {
	start := time.Now()
	rate := 8000
	if s.Codec().Info().SampleRate >= 16000 {
		rate = 16000
	}
	rel, f, err := m.create(start, callID)
	if err != nil {
		return nil, fmt.Errorf("recording call %s: %w", callID, err)
	}
	hdr := encodeHeader(rate, callID, start, 0)
	if _, err := f.Write(hdr); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("recording call %s: %w", callID, err)
	}
	r := &Recorder{m: m, sess: s, tap: media.NewRTPTap(m.opts.QueueFrames), callID: callID, rel: rel,
		abs: filepath.Join(m.opts.Dir, filepath.FromSlash(rel)), rate: rate, start: start,
		stop: make(chan struct{}), done: make(chan struct{})}
	if err := s.Tap(r.tap); err != nil {
		f.Close()
		os.Remove(f.Name())
		if errors.Is(err, media.ErrTapped) {
			err = ErrTapped
		}
		return nil, fmt.Errorf("recording call %s: %w", callID, err)
	}
	var dst io.Writer = f
	if m.sink != nil {
		dst = m.sink(f)
	}
	w := &writer{r: r, f: f, bw: bufio.NewWriterSize(dst, writeBuffer), hdrLen: int64(len(hdr))}
	w.tracks[0].rate, w.tracks[1].rate = rate, rate
	m.active.Add(1)
	m.track(r)
	go r.run(w)
	m.log.Debug("recording", "call", callID, "file", rel, "rate", rate)
	return r, nil
}

// create makes the .part file of a new recording, numbering it when the
// call was recorded before.
func (m *Manager) create(start time.Time, callID string) (string, *os.File, error) {
	for n, tries := 1, 0; n < 100; n++ {
		rel := relPath(start, callID, n)
		abs := filepath.Join(m.opts.Dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
			return "", nil, err
		}
		if _, err := os.Stat(abs); err == nil {
			continue
		}
		f, err := os.OpenFile(abs+".part", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
		switch {
		case errors.Is(err, fs.ErrExist):
			continue
		case errors.Is(err, fs.ErrNotExist) && tries < 3:
			// A retention sweep removed the day's directory, empty, just now.
			tries++
			n--
			continue
		}
		return rel, f, err
	}
	return "", nil, fmt.Errorf("too many recordings of one call")
}

// track follows a live recorder's tap for the drop count.
func (m *Manager) track(r *Recorder) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.live[r] = struct{}{}
}

// untrack moves a finished recorder's drops into the manager's count.
func (m *Manager) untrack(r *Recorder) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.live, r)
	m.tapDropped += r.tap.Dropped()
}

// dropped is the tap drops of all recordings so far.
func (m *Manager) dropped() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.tapDropped
	for r := range m.live {
		n += r.tap.Dropped()
	}
	return n
}

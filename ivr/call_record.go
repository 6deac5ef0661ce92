package ivr

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
)

// silenceLevel is the frame level (dBFS) under which the caller counts as silent for a recording's
// silence timeout: well above line noise, well below speech.
const silenceLevel = -45.0

// beepHz and beepLen make the tone that tells the caller to start speaking.
const (
	beepHz  = 1000
	beepLen = 300 * time.Millisecond
)

// Record records the caller's audio into a WAV file under req.Dir. It takes the leg's inbound audio
// for the duration (SwapAudioIn) and gives it back after, and ends on the finish key, on silence, at
// the maximum duration, or when the caller hangs up (the audio so far is kept: a voicemail left before
// hanging up is the common case). The path goes into the call record.
func (c *call) Record(ctx context.Context, req dialplan.RecordRequest) (dialplan.RecordResult, error) {
	if err := c.answer(); err != nil {
		return dialplan.RecordResult{}, err
	}
	if req.Beep {
		if err := media.Play(ctx, c.leg.AudioOut(), beep(c.leg.OutputRate())); err != nil && ctx.Err() == nil {
			return dialplan.RecordResult{}, fmt.Errorf("record: beep: %w", err)
		}
	}
	c.FlushDigits()
	rate := c.leg.OutputRate()
	rec := &recorder{rate: rate, max: int(req.MaxDuration.Seconds() * float64(rate)),
		silence: int(req.Silence.Seconds() * float64(rate)), done: make(chan string, 1)}
	prev := c.leg.SwapAudioIn(rec)
	defer c.leg.SwapAudioIn(prev)

	timer := time.NewTimer(req.MaxDuration + time.Second) // the sample count normally ends it first
	defer timer.Stop()
	endedBy := ""
	for endedBy == "" {
		select {
		case why := <-rec.done:
			endedBy = why
		case <-timer.C:
			endedBy = "max_duration"
		case d := <-c.digits:
			if req.FinishKey != "" && strings.ContainsRune(req.FinishKey, d) {
				endedBy = "key"
			}
		case <-ctx.Done():
			endedBy = "hangup"
		}
	}
	c.leg.SwapAudioIn(prev)
	samples := rec.take()
	res := dialplan.RecordResult{EndedBy: endedBy, Duration: time.Duration(len(samples)) * time.Second / time.Duration(rate)}
	path, err := c.saveRecording(req.Dir, samples, rate)
	if err != nil {
		return res, err
	}
	res.Path = path
	c.rec.Recording = path
	c.log.Info("recording saved", "path", path, "duration", res.Duration.Round(time.Millisecond).String(), "ended_by", endedBy)
	if endedBy == "hangup" {
		return res, dialplan.ErrHangup
	}
	return res, nil
}

// saveRecording writes samples to <dir>/<date>/<call id>-<time>.wav, creating directories.
func (c *call) saveRecording(dir string, samples media.PCM16, rate int) (string, error) {
	now := time.Now()
	day := filepath.Join(dir, now.Format(time.DateOnly))
	if err := os.MkdirAll(day, 0o755); err != nil {
		return "", fmt.Errorf("record: %w", err)
	}
	id := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, c.vars["call_id"])
	path := filepath.Join(day, fmt.Sprintf("%s-%s.wav", id, now.Format("150405.000")))
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("record: %w", err)
	}
	if err := media.WriteWAV(f, samples, rate); err != nil {
		f.Close()
		return "", fmt.Errorf("record %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("record %s: %w", path, err)
	}
	return path, nil
}

// recorder is the FrameWriter the caller's audio goes to while recording. It keeps the samples in
// memory (a recording is bounded by its max duration) and signals when it is full or silent long
// enough.
type recorder struct {
	rate    int
	max     int // samples
	silence int // samples of trailing silence that end the recording; 0 never
	done    chan string

	mu      sync.Mutex
	samples media.PCM16
	quiet   int // samples since the last loud frame
	ended   bool
}

func (r *recorder) WriteFrame(p media.PCM16) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return nil
	}
	room := r.max - len(r.samples)
	if len(p) > room {
		p = p[:room]
	}
	r.samples = append(r.samples, p...)
	if db, _ := media.FrameLevel(p); db < silenceLevel {
		r.quiet += len(p)
	} else {
		r.quiet = 0
	}
	switch {
	case len(r.samples) >= r.max:
		r.end("max_duration")
	case r.silence > 0 && r.quiet >= r.silence:
		r.end("silence")
	}
	return nil
}

func (r *recorder) end(why string) {
	r.ended = true
	r.done <- why
}

func (r *recorder) take() media.PCM16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ended = true
	return r.samples
}

func (r *recorder) SampleRate() int { return r.rate }
func (r *recorder) String() string  { return "record" }

// beep is a short sine tone at rate.
func beep(rate int) media.PCM16 {
	n := int(beepLen.Seconds() * float64(rate))
	out := make(media.PCM16, n)
	for i := range out {
		out[i] = int16(8000 * math.Sin(2*math.Pi*float64(i*beepHz)/float64(rate)))
	}
	return out
}

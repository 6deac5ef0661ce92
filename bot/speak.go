package bot

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
)

// reply is the outcome of one bot turn.
type reply struct {
	text        string // everything the bot meant to say
	heard       string // what was played before any interruption
	interrupted bool
	started     time.Time // first frame handed to the leg (zero if none)
	ended       time.Time
	tools       []*dialog.ToolCall
	err         error // the engine failed before any audio of this turn played
}

// sentenceAudio is one synthesized sentence, ready for the leg.
type sentenceAudio struct {
	text    string
	samples media.PCM16 // at the leg's rate
	err     error
}

// playback tracks what the caller has heard of the current turn, so an
// interruption can be cut exactly and the transcript can say what was heard.
type playback struct {
	mu          sync.Mutex
	heard       []string // sentences played in full
	cur         string   // sentence being played
	curTotal    int      // its samples
	curPlayed   int      // samples of it played so far
	interrupted bool
}

// interrupt marks the turn cut off by the caller (or a key, or the end of
// the call); called by currentTurn.stop.
func (p *playback) interrupt() {
	p.mu.Lock()
	p.interrupted = true
	p.mu.Unlock()
}

func (p *playback) wasInterrupted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.interrupted
}

func (p *playback) start(text string, total int) {
	p.mu.Lock()
	p.cur, p.curTotal, p.curPlayed = text, total, 0
	p.mu.Unlock()
}

func (p *playback) advance(n int) {
	p.mu.Lock()
	p.curPlayed += n
	p.mu.Unlock()
}

func (p *playback) finish() {
	p.mu.Lock()
	if p.cur != "" {
		p.heard = append(p.heard, p.cur)
	}
	p.cur, p.curTotal, p.curPlayed = "", 0, 0
	p.mu.Unlock()
}

// heardText estimates what the caller heard: whole sentences played, plus
// the share of the current sentence its played samples represent, cut at a
// word boundary.
func (p *playback) heardText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	parts := append([]string(nil), p.heard...)
	if p.cur != "" && p.curTotal > 0 && p.curPlayed > 0 {
		r := []rune(p.cur)
		n := len(r) * min(p.curPlayed, p.curTotal) / p.curTotal
		part := string(r[:n])
		if n < len(r) && !dialog.IsChinese(part) {
			if i := strings.LastIndexByte(part, ' '); i > 0 {
				part = part[:i]
			} else {
				part = ""
			}
		}
		if part = strings.TrimSpace(part); part != "" {
			parts = append(parts, part+"…")
		}
	}
	sep := " "
	if dialog.IsChinese(strings.Join(parts, "")) {
		sep = ""
	}
	return strings.Join(parts, sep)
}

// speakStream plays a dialog stream: sentences are synthesized as soon as
// they are complete and played while the engine keeps writing. Cancelling
// ctx stops everything within one frame. The first error before any audio
// played is returned in reply.err; later errors only shorten the reply.
func (s *session) speakStream(ctx context.Context, stream dialog.Stream, pb *playback, tm *record.TurnTiming) reply {
	defer stream.Close()
	sentences := make(chan string, 8)
	audio := make(chan sentenceAudio, 2)
	var (
		mu     sync.Mutex
		text   strings.Builder
		tools  []*dialog.ToolCall
		llmErr error
	)

	// Engine → sentences.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(sentences)
		var sp dialog.Splitter
		first := true
		for range maxStreamEvents {
			ev, err := stream.Recv()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					mu.Lock()
					llmErr = err
					mu.Unlock()
				}
				break
			}
			if first && (ev.Text != "" || ev.ToolCall != nil) {
				first = false
				tm.LLMFirstToken = s.now()
			}
			if ev.ToolCall != nil {
				mu.Lock()
				tools = append(tools, ev.ToolCall)
				mu.Unlock()
			}
			if ev.Text != "" {
				mu.Lock()
				text.WriteString(ev.Text)
				mu.Unlock()
				for _, sent := range sp.Push(ev.Text) {
					select {
					case sentences <- sent:
					case <-ctx.Done():
						return
					}
				}
			}
		}
		if rest := sp.Flush(); rest != "" {
			select {
			case sentences <- rest:
			case <-ctx.Done():
			}
		}
	}()

	// Sentences → audio, one synthesis ahead of playback.
	go func() {
		defer close(audio)
		first := true
		for sent := range sentences {
			samples, err := s.synth(ctx, sent)
			if first && err == nil {
				first = false
				tm.FirstTTSAudio = s.now()
			}
			select {
			case audio <- sentenceAudio{text: sent, samples: samples, err: err}:
			case <-ctx.Done():
				return
			}
		}
	}()

	r := reply{}
	var synthErr error
	for sa := range audio {
		if sa.err != nil {
			// Skip the sentence rather than stall the turn.
			s.log.Warn("bot sentence not synthesized", "err", sa.err, "sentence", sa.text)
			synthErr = sa.err
			continue
		}
		if !s.play(ctx, sa.text, sa.samples, pb, &r, tm) {
			break
		}
	}
	// Drain so the producers can exit; they also watch ctx.
	for range audio {
	}
	stream.Close()
	wg.Wait()
	mu.Lock()
	r.text, r.tools = text.String(), tools
	if r.started.IsZero() && ctx.Err() == nil {
		switch {
		case llmErr != nil:
			r.err = llmErr
		case synthErr != nil:
			r.err = synthErr
		}
	} else if llmErr != nil && ctx.Err() == nil {
		s.log.Warn("bot reply cut short by the dialog engine", "err", llmErr)
	}
	mu.Unlock()
	r.ended = s.now()
	r.heard = pb.heardText()
	r.interrupted = pb.wasInterrupted()
	return r
}

// maxStreamEvents bounds one reply (a runaway stream is cut).
const maxStreamEvents = 100000

// play writes one sentence to the leg frame by frame; false when ctx ended.
func (s *session) play(ctx context.Context, text string, samples media.PCM16, pb *playback, r *reply, tm *record.TurnTiming) bool {
	out := s.leg.AudioOut()
	n := media.SamplesPerFrame(out.SampleRate())
	frame := make(media.PCM16, n)
	pb.start(text, len(samples))
	for off := 0; off < len(samples); off += n {
		if ctx.Err() != nil {
			return false
		}
		end := min(off+n, len(samples))
		clear(frame)
		copy(frame, samples[off:end])
		if r.started.IsZero() {
			r.started = s.now()
			if tm != nil && tm.FirstRTPOut.IsZero() {
				tm.FirstRTPOut = r.started
			}
		}
		if err := out.WriteFrame(frame); err != nil {
			s.log.Warn("bot audio write failed", "err", err)
			return false
		}
		if ctx.Err() != nil {
			// Interrupted while this frame waited for room in the leg's
			// queue: drop it too, so nothing stale follows the barge-in.
			s.leg.FlushAudioOut()
			return false
		}
		pb.advance(end - off)
	}
	if ctx.Err() != nil {
		return false
	}
	pb.finish()
	return true
}

// synth speaks one sentence at the leg's rate, retrying once.
func (s *session) synth(ctx context.Context, text string) (media.PCM16, error) {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		tctx, cancel := context.WithTimeout(ctx, s.cfg.EngineTimeout)
		a, e := s.cfg.TTS.Synthesize(tctx, text, s.lang)
		cancel()
		if e == nil {
			return media.Resample(a.Samples, a.Rate, s.legRate), nil
		}
		err = e
		if ctx.Err() != nil {
			break
		}
	}
	return nil, err
}

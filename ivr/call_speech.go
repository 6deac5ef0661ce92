package ivr

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
)

// MenuSpeech lets menus with keywords hear callers; the server builds it from its speech recognizer
// (engines.asr).
type MenuSpeech interface {
	// ForMenu returns the recognizer for a caller expected to say one of phrases, in lang, on a leg
	// whose audio is at rate. An error says why a menu cannot listen there; it then answers keys only.
	ForMenu(phrases []string, lang string, rate int) (asr.Recognizer, error)
}

// errNoSpeech is why menus answer keys only on an engine without MenuSpeech.
var errNoSpeech = errors.New("no speech recognizer configured")

// Menu endpointing: an utterance ends after the VAD's default 500 ms of silence and is cut at
// maxMenuUtterance (a menu choice is a few words); a caller still speaking, or whose words are being
// recognised, when a menu's timeout passes is waited for up to maxSpeechWait more.
const (
	maxMenuUtterance = 10 * time.Second
	maxSpeechWait    = 30 * time.Second
	speechWaitPoll   = 100 * time.Millisecond
)

var _ dialplan.SpeechInput = (*call)(nil)

// Listen makes the call hear the caller until stop: the leg's audio goes to a listener, which cuts
// utterances and has them recognised with the menu's phrases as hints. It answers false, and the menu
// keys only, where no recognizer can hear this call (logged once per call and reason).
func (c *call) Listen(ctx context.Context, phrases []string) (stop func(), ok bool) {
	rate := c.leg.OutputRate()
	var rec asr.Recognizer
	err := errNoSpeech
	if c.engine.Speech != nil {
		rec, err = c.engine.Speech.ForMenu(phrases, c.lang, rate)
	}
	if err != nil {
		if why := err.Error(); why != c.keysOnlyWhy {
			c.keysOnlyWhy = why
			c.log.Debug("menu answers keys only", "reason", why, "rate", rate, "language", c.lang)
		}
		return func() {}, false
	}
	l := newListener(ctx, c.log, rec, rate, c.lang, phrases)
	c.ear = l
	prev := c.leg.SwapAudioIn(l)
	c.log.Debug("menu listening", "asr", rec.Name(), "rate", rate, "phrases", strings.Join(phrases, "|"))
	return func() {
		c.leg.SwapAudioIn(prev)
		c.ear = nil
		l.close()
	}, true
}

// ReadInput waits for a key or, while the call listens, recognised words. A key wins: one already
// pressed is returned before any words, and words that arrive together with a key are dropped.
func (c *call) ReadInput(ctx context.Context, timeout time.Duration) (dialplan.Input, error) {
	l := c.ear
	if l == nil {
		key, ok, err := c.ReadDigit(ctx, timeout)
		if !ok {
			key = 0
		}
		return dialplan.Input{Key: key}, err
	}
	select {
	case d := <-c.digits:
		return dialplan.Input{Key: d}, nil
	default:
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	giveUp := time.Now().Add(timeout + maxSpeechWait)
	for {
		select {
		case d := <-c.digits:
			return dialplan.Input{Key: d}, nil
		case u := <-l.heard:
			select {
			case d := <-c.digits:
				return dialplan.Input{Key: d}, nil
			default:
			}
			return dialplan.Input{Speech: u}, nil
		case <-t.C:
			if l.busy() && time.Now().Before(giveUp) {
				// The caller is still speaking, or their words are being recognised.
				t.Reset(speechWaitPoll)
				continue
			}
			select {
			case u := <-l.heard:
				return dialplan.Input{Speech: u}, nil
			default:
			}
			return dialplan.Input{}, nil
		case <-ctx.Done():
			return dialplan.Input{}, ctx.Err()
		}
	}
}

// heardUtterance is an utterance cut by the endpointer, tagged with the listening round it belongs to.
type heardUtterance struct {
	samples media.PCM16
	round   int64
	cut     time.Time
}

// listener hears the caller while a menu with keywords waits. It is the FrameWriter the leg's audio goes
// to: an Endpointer cuts utterances, a goroutine has them recognised one by one, and the words are
// queued for ReadInput. Speech long enough to barge in signals spoke, which stops an interruptible
// prompt.
type listener struct {
	log    *slog.Logger
	rec    asr.Recognizer
	rate   int
	lang   string
	hints  []string
	ctx    context.Context
	cancel context.CancelFunc

	mu sync.Mutex // the endpointer is fed by the leg's goroutine and read by the call's
	ep *media.Endpointer

	utterances chan heardUtterance // cut, waiting for recognition
	heard      chan string         // recognised words, waiting for ReadInput
	spoke      chan struct{}       // the caller spoke long enough to stop a prompt
	pending    atomic.Int32        // utterances cut and not yet recognised
	round      atomic.Int64        // bumped by flush: words from an earlier round are dropped
	done       chan struct{}
}

func newListener(ctx context.Context, log *slog.Logger, rec asr.Recognizer, rate int, lang string, hints []string) *listener {
	l := &listener{log: log, rec: rec, rate: rate, lang: lang, hints: hints,
		utterances: make(chan heardUtterance, 4), heard: make(chan string, 4), spoke: make(chan struct{}, 1),
		done: make(chan struct{})}
	l.ctx, l.cancel = context.WithCancel(ctx)
	l.ep = media.NewEndpointer(rate, media.VADConfig{MaxUtterance: maxMenuUtterance}, l.onEndpoint)
	go l.recognizeAll()
	return l
}

func (l *listener) WriteFrame(p media.PCM16) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ep.WriteFrame(p)
}

func (l *listener) SampleRate() int { return l.rate }
func (l *listener) String() string  { return "vad → asr(" + l.rec.Name() + ")" }

// onEndpoint runs on the leg's goroutine, inside WriteFrame: it only signals and hands off.
func (l *listener) onEndpoint(ev media.EndpointEvent) {
	switch ev.Kind {
	case media.BargeIn:
		select {
		case l.spoke <- struct{}{}:
		default:
		}
	case media.EndOfTurn:
		l.pending.Add(1)
		select {
		case l.utterances <- heardUtterance{samples: ev.Samples, round: l.round.Load(), cut: time.Now()}:
		default:
			l.pending.Add(-1)
			l.log.Warn("menu utterance dropped: recognition not keeping up")
		}
	}
}

// recognizeAll recognises utterances in the order they were cut until the listener closes.
func (l *listener) recognizeAll() {
	defer close(l.done)
	for {
		select {
		case <-l.ctx.Done():
			return
		case u := <-l.utterances:
			l.recognize(u)
			l.pending.Add(-1)
		}
	}
}

func (l *listener) recognize(u heardUtterance) {
	if u.round != l.round.Load() {
		return // said before the menu started over
	}
	res, err := l.rec.Recognize(l.ctx, asr.Utterance{Samples: u.samples, Rate: l.rate, Lang: l.lang, Hints: l.hints})
	took := time.Since(u.cut).Milliseconds()
	text := strings.TrimSpace(res.Text)
	switch {
	case l.ctx.Err() != nil:
		return
	case err != nil:
		l.log.Warn("menu speech recognition failed", "error", err, "asr_ms", took)
		return
	case text == "":
		l.log.Debug("menu heard no words", "asr_ms", took)
		return
	case u.round != l.round.Load():
		return
	}
	l.log.Info("menu heard", "text", text, "asr_ms", took)
	select {
	case l.heard <- text:
	default:
		l.log.Warn("menu words dropped: nobody is reading them", "text", text)
	}
}

// busy reports whether the caller is speaking or words are still being recognised.
func (l *listener) busy() bool {
	if l.pending.Load() > 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ep.Speaking()
}

// flush drops what the caller said so far: words queued or being recognised, and a pending barge-in.
func (l *listener) flush() {
	l.round.Add(1)
	for {
		select {
		case <-l.heard:
		case <-l.spoke:
		default:
			return
		}
	}
}

// close stops recognition and waits for it; the leg no longer writes to the listener.
func (l *listener) close() {
	l.cancel()
	<-l.done
}

package rtc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/pion/webrtc/v4"
)

// Leg is one browser's side of a call. It implements media.Leg and the IVR's
// agent leg (HungUpByUs, Close).
type Leg struct {
	id    string
	pc    *webrtc.PeerConnection
	track *webrtc.TrackLocalStaticSample
	log   *slog.Logger

	ctx       context.Context
	cancel    context.CancelFunc
	connected chan struct{}
	connOnce  sync.Once
	closeOnce sync.Once
	byUs      atomic.Bool
	cause     atomic.Pointer[string]
	onEnd     atomic.Pointer[func(cause string)]

	in   *media.SwitchWriter
	dtmf chan rune
	// outQ holds frames for the browser; the pacer drains one every 20 ms.
	outQ chan media.PCM16

	hold      atomic.Pointer[media.PCM16] // audio the caller hears instead of the agent, while held
	holdPos   int
	transfer  atomic.Pointer[[2]string] // queue, agent
	consults  chan string
	onConsult atomic.Pointer[func(state, colleague string)]
	pktsIn    atomic.Uint64
	pktsOut   atomic.Uint64
	codecName atomic.Pointer[string]

	// Touched only by the pacer.
	silence media.PCM16
	sendBuf []byte
}

var _ media.Leg = (*Leg)(nil)

const outDepth = 3 // 60 ms: enough to absorb scheduling jitter, short enough to stay live

func newLeg(id string, pc *webrtc.PeerConnection, log *slog.Logger) (*Leg, error) {
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, "audio", "hotline")
	if err != nil {
		return nil, fmt.Errorf("rtc: track: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &Leg{id: id, pc: pc, track: track, log: log, ctx: ctx, cancel: cancel, connected: make(chan struct{}),
		in: media.NewSwitchWriter(8000), dtmf: make(chan rune, 16), outQ: make(chan media.PCM16, outDepth),
		consults: make(chan string, 4), silence: make(media.PCM16, media.SamplesPerFrame(8000)), sendBuf: make([]byte, 0, 160)}
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { go l.readTrack(t) })
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			l.connOnce.Do(func() { close(l.connected) })
			l.log.Info("webrtc connected", "leg", id)
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			l.end("media_failed", false)
		}
	})
	return l, nil
}

// watchConnect ends the leg when it does not connect in time; once
// connected, the shared pacer sends its audio.
func (l *Leg) watchConnect(timeout time.Duration) {
	select {
	case <-l.connected:
	case <-l.ctx.Done():
		return
	case <-time.After(timeout):
		l.log.Warn("webrtc did not connect", "leg", l.id, "timeout", timeout.String())
		l.end("connect_timeout", true)
		return
	}
	legPacer.add(l)
}

// Connected is closed when ICE and DTLS are up.
func (l *Leg) Connected() <-chan struct{} { return l.connected }

// WaitConnected waits until the leg is connected, ended, or ctx is done.
func (l *Leg) WaitConnected(ctx context.Context) error {
	select {
	case <-l.connected:
		return nil
	case <-l.ctx.Done():
		return errors.New("rtc: leg ended before connecting")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readTrack decodes the browser's audio into the current consumer.
func (l *Leg) readTrack(t *webrtc.TrackRemote) {
	codec := t.Codec()
	name := codec.MimeType
	l.codecName.Store(&name)
	alaw := codec.MimeType == webrtc.MimeTypePCMA
	l.log.Info("webrtc track", "leg", l.id, "codec", codec.MimeType)
	var frame media.PCM16
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		l.pktsIn.Add(1)
		if h := l.hold.Load(); h != nil {
			l.in.WriteFrame(l.nextHold(*h, len(pkt.Payload)))
			continue
		}
		if alaw {
			frame = media.DecodeALaw(frame[:0], pkt.Payload)
		} else {
			frame = media.DecodeULaw(frame[:0], pkt.Payload)
		}
		_ = l.in.WriteFrame(frame)
	}
}

// nextHold returns the next n samples of hold audio, looping.
func (l *Leg) nextHold(h media.PCM16, n int) media.PCM16 {
	out := make(media.PCM16, n)
	for i := range out {
		out[i] = h[l.holdPos%len(h)]
		l.holdPos++
	}
	return out
}

// SetHold puts the caller on hold (audio: the hold music at 8 kHz) or takes
// them off it (nil): while held, the caller hears the music instead of the agent.
func (l *Leg) SetHold(audio media.PCM16) {
	if len(audio) == 0 {
		l.hold.Store(nil)
		return
	}
	l.hold.Store(&audio)
}

// Held reports whether the caller is on hold.
func (l *Leg) Held() bool { return l.hold.Load() != nil }

// InjectDTMF delivers a key the agent pressed on the desktop's pad.
func (l *Leg) InjectDTMF(d rune) {
	select {
	case l.dtmf <- d:
	default:
	}
}

// OnEnd registers f to run once when the leg ends, with the cause.
func (l *Leg) OnEnd(f func(cause string)) { l.onEnd.Store(&f) }

// Stats are packet counters, for tests and the supervisor.
func (l *Leg) Stats() (in, out uint64) { return l.pktsIn.Load(), l.pktsOut.Load() }

func (l *Leg) ID() string                                        { return l.id }
func (l *Leg) Context() context.Context                          { return l.ctx }
func (l *Leg) DTMF() <-chan rune                                 { return l.dtmf }
func (l *Leg) AudioOut() media.FrameWriter                       { return audioOut{l} }
func (l *Leg) HungUpByUs() bool                                  { return l.byUs.Load() }
func (l *Leg) Close()                                            { l.close(true) }
func (l *Leg) SwapAudioIn(w media.FrameWriter) media.FrameWriter { return l.in.Swap(w) }

// FlushAudioOut drops audio queued for the browser.
func (l *Leg) FlushAudioOut() {
	for {
		select {
		case <-l.outQ:
		default:
			return
		}
	}
}

// Hangup ends the leg from the server's side.
func (l *Leg) Hangup(_ context.Context, cause string) error {
	l.end(cause, true)
	return nil
}

// Transfer ends the agent's side of the call asking for the caller to be
// queued for queue, or for agent (a blind transfer).
func (l *Leg) Transfer(queue, agent string) {
	l.transfer.Store(&[2]string{queue, agent})
	l.end("transfer", false)
}

// TransferTarget implements the IVR's transfer request: the queue or agent
// the agent chose, both empty when the agent did not transfer.
func (l *Leg) TransferTarget() (queue, agent string) {
	if t := l.transfer.Load(); t != nil {
		return t[0], t[1]
	}
	return "", ""
}

// Consult asks for a warm-transfer step: "start:<agent id>", "complete" or
// "cancel". It returns false when a request is already pending.
func (l *Leg) Consult(req string) bool {
	select {
	case l.consults <- req:
		return true
	default:
		return false
	}
}

// Consults implements the IVR's consultation requests.
func (l *Leg) Consults() <-chan string { return l.consults }

// OnConsult registers f to hear how a consultation goes.
func (l *Leg) OnConsult(f func(state, colleague string)) { l.onConsult.Store(&f) }

// ConsultState implements the IVR's consultation progress report.
func (l *Leg) ConsultState(state, colleague string) {
	if f := l.onConsult.Load(); f != nil {
		(*f)(state, colleague)
	}
}

// AgentHangup ends the leg because the agent hung up on the desktop.
func (l *Leg) AgentHangup() { l.end("agent_bye", false) }

// Cause is why the leg ended ("" while it runs).
func (l *Leg) Cause() string {
	if c := l.cause.Load(); c != nil {
		return *c
	}
	return ""
}

func (l *Leg) end(cause string, byUs bool) {
	l.closeOnce.Do(func() {
		l.byUs.Store(byUs)
		l.cause.Store(&cause)
		l.cancel()
		go func() { _ = l.pc.Close() }()
		if f := l.onEnd.Load(); f != nil {
			(*f)(cause)
		}
		l.log.Info("webrtc leg ended", "leg", l.id, "cause", cause, "by_us", byUs)
	})
}

func (l *Leg) close(byUs bool) { l.end("closed", byUs) }

// audioOut queues frames for the browser. WriteFrame blocks while the queue
// is full, pacing a prompt at real time; TryWriteFrame never blocks and
// drops the oldest queued frame instead, so bridged audio stays live.
type audioOut struct{ l *Leg }

func (a audioOut) WriteFrame(p media.PCM16) error {
	f := append(media.PCM16(nil), p...)
	select {
	case a.l.outQ <- f:
		return nil
	case <-a.l.ctx.Done():
		return media.ErrClosed
	}
}

// TryWriteFrame implements the bridge's non-blocking write.
func (a audioOut) TryWriteFrame(p media.PCM16) error {
	if a.l.ctx.Err() != nil {
		return media.ErrClosed
	}
	f := append(media.PCM16(nil), p...)
	for range outDepth + 1 {
		select {
		case a.l.outQ <- f:
			return nil
		default:
		}
		select {
		case <-a.l.outQ: // stale: drop the oldest
		default:
		}
	}
	return nil
}

func (a audioOut) SampleRate() int { return 8000 }
func (a audioOut) String() string  { return "webrtc-out(PCMU)" }

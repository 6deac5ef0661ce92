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
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"
)

// Leg is one browser's side of a call: its media. It implements media.Leg and the IVR's agent leg
// (HungUpByUs, Close); what the agent does with the call (hold, transfer, consult) is the desk's.
//
// Its audio runs at the rate of the codec negotiated with the browser:
// 16 kHz with Opus, 8 kHz with G.711. The bridge resamples where the other
// leg differs.
type Leg struct {
	id    string
	pc    *webrtc.PeerConnection
	track *webrtc.TrackLocalStaticSample
	codec media.Codec // what the leg sends, and expects to receive
	rate  int         // PCM rate of the leg's audio, both ways
	log   *slog.Logger

	ctx       context.Context
	cancel    context.CancelFunc
	connected chan struct{}
	connOnce  sync.Once
	closeOnce sync.Once
	byUs      atomic.Bool
	cause     atomic.Pointer[string]

	in   *media.SwitchWriter
	dtmf chan rune
	// outQ holds frames for the browser; the pacer drains one every 20 ms.
	outQ chan media.PCM16

	pktsIn  atomic.Uint64
	pktsOut atomic.Uint64

	send legSender // the pacer's (send.go)
}

var _ media.Leg = (*Leg)(nil)

const outDepth = 3 // 60 ms: enough to absorb scheduling jitter, short enough to stay live

// newLeg makes the leg for a peer connection whose codec has been chosen:
// params as pion negotiated it, codec to decode and encode it.
func newLeg(id string, pc *webrtc.PeerConnection, params webrtc.RTPCodecParameters, codec media.Codec, log *slog.Logger) (*Leg, error) {
	track, err := webrtc.NewTrackLocalStaticSample(params.RTPCodecCapability, "audio", "hotline")
	if err != nil {
		return nil, fmt.Errorf("rtc: track: %w", err)
	}
	rate := codec.Info().SampleRate
	ctx, cancel := context.WithCancel(context.Background())
	l := &Leg{id: id, pc: pc, track: track, codec: codec, rate: rate, log: log, ctx: ctx, cancel: cancel,
		connected: make(chan struct{}), in: media.NewSwitchWriter(rate), dtmf: make(chan rune, 16),
		outQ: make(chan media.PCM16, outDepth),
		send: legSender{silence: make(media.PCM16, media.SamplesPerFrame(rate)), meter: media.NewSendMeter(media.PacingWebRTC)}}
	l.send.enc = codec.Encoder(trackWriter{l})
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
// connected, media's shared pacer sends its audio until the leg ends.
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
	l.startPacing()
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

// maxConceal is the longest gap, in packets, that a decoder with loss
// concealment fills in; a longer one is a pause, not loss.
const maxConceal = 5

// readTrack decodes the browser's audio into the current consumer, with
// whichever codec the browser sends (normally the leg's own); the decoder
// resamples to the leg's rate if it differs.
func (l *Leg) readTrack(t *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	var (
		pkt     rtp.Packet
		pt      webrtc.PayloadType
		dec     media.PayloadWriter
		conceal bool // the decoder fills lost packets in (Opus)
		lastSeq uint16
	)
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil {
			continue
		}
		if dec == nil || webrtc.PayloadType(pkt.PayloadType) != pt {
			params := t.Codec()
			c := mediaCodec(params)
			if c == nil {
				l.log.Warn("webrtc track: codec not supported", "leg", l.id, "codec", params.MimeType)
				return
			}
			pt = webrtc.PayloadType(pkt.PayloadType)
			dec = c.Decoder(l.in)
			conceal = c.Info().Name == "opus"
			l.log.Info("webrtc track", "leg", l.id, "codec", params.MimeType, "clock_rate", params.ClockRate,
				"rate", l.rate, "pipeline", dec.String())
		} else if gap := pkt.SequenceNumber - lastSeq; conceal && gap > 1 && gap <= maxConceal {
			for range gap - 1 {
				_ = dec.WritePayload(nil)
			}
		}
		lastSeq = pkt.SequenceNumber
		l.pktsIn.Add(1)
		_ = dec.WritePayload(pkt.Payload)
	}
}

// InjectDTMF delivers a key the agent pressed on the desktop's pad.
func (l *Leg) InjectDTMF(d rune) {
	select {
	case l.dtmf <- d:
	default:
	}
}

// Codec is the codec negotiated with the browser; its SampleRate is the
// rate of the leg's audio.
func (l *Leg) Codec() media.CodecInfo { return l.codec.Info() }

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
	l.send.meter.Flushed()
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
		l.stopPacing()
		go func() { _ = l.pc.Close() }()
		l.log.Info("webrtc leg ended", "leg", l.id, "cause", cause, "by_us", byUs)
	})
}

func (l *Leg) close(byUs bool) { l.end("closed", byUs) }

// audioOut queues frames for the browser. WriteFrame blocks while the queue
// is full, pacing a prompt at real time; TryWriteFrame never blocks and
// drops the oldest queued frame instead, so bridged audio stays live.
type audioOut struct{ l *Leg }

// frame copies p into a new 20 ms frame at the leg's rate, padded with
// silence or cut: encoders such as Opus take whole frames only.
func (a audioOut) frame(p media.PCM16) media.PCM16 {
	f := make(media.PCM16, len(a.l.send.silence))
	copy(f, p)
	return f
}

func (a audioOut) WriteFrame(p media.PCM16) error {
	f := a.frame(p)
	a.l.send.meter.Queued()
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
	f := a.frame(p)
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

func (a audioOut) SampleRate() int { return a.l.rate }
func (a audioOut) String() string  { return "webrtc-out → " + a.l.send.enc.String() }

// trackWriter sends each encoded frame to the browser as one RTP packet.
type trackWriter struct{ l *Leg }

func (w trackWriter) WritePayload(p []byte) error {
	if err := w.l.track.WriteSample(pmedia.Sample{Data: p, Duration: media.FrameDurationMs * time.Millisecond}); err != nil {
		return err
	}
	w.l.pktsOut.Add(1)
	return nil
}

func (w trackWriter) String() string { return "webrtc(" + w.l.codec.Info().Name + ")" }

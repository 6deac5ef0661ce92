// Package rtctest is a pion-based stand-in for a browser softphone: it
// offers audio, sends a tone or any frames, and records what it receives.
// Tests and the load benchmark use it in place of Chromium.
package rtctest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/opus"
	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"
)

// Client is one fake browser. Its audio runs at the rate of the codec the
// server's answer chose (Rate): 16 kHz with Opus, 8 kHz with G.711.
type Client struct {
	pc     *webrtc.PeerConnection
	sender *webrtc.RTPSender
	offers []webrtc.RTPCodecParameters
	keep   int // seconds of received audio kept at most
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	track    *webrtc.TrackLocalStaticSample
	codec    media.Codec // set by SetAnswer
	received media.PCM16

	sendMu sync.Mutex
	enc    media.FrameWriter
}

// Option changes what a client offers.
type Option func(*[]webrtc.RTPCodecParameters)

// Opus makes the client offer Opus before PCMU, as browsers do. A server
// built with libopus answers with Opus; the client can then only send and
// receive in a build with libopus too (opus.Available).
func Opus() Option {
	return func(cs *[]webrtc.RTPCodecParameters) {
		*cs = append([]webrtc.RTPCodecParameters{{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: opus.ClockRate, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1",
		}, PayloadType: opus.DefaultPayloadType}}, *cs...)
	}
}

// OpusOnly makes the client offer nothing but Opus, as no browser does: a
// server without libopus has no codec in common with it.
func OpusOnly() Option {
	return func(cs *[]webrtc.RTPCodecParameters) {
		*cs = nil
		Opus()(cs)
	}
}

var pcmu = webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, PayloadType: 0}

func newAPI(codecs []webrtc.RTPCodecParameters) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	for _, c := range codecs {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, err
		}
	}
	s := webrtc.SettingEngine{}
	s.SetIncludeLoopbackCandidate(true)
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(s),
		webrtc.WithInterceptorRegistry(&interceptor.Registry{})), nil
}

// New creates a client and its offer (complete with candidates): PCMU
// only, unless options add codecs. keepSeconds bounds the received audio
// it keeps for inspection.
func New(keepSeconds int, opts ...Option) (*Client, string, error) {
	offers := []webrtc.RTPCodecParameters{pcmu}
	for _, o := range opts {
		o(&offers)
	}
	api, err := newAPI(offers)
	if err != nil {
		return nil, "", err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, "", err
	}
	// A track in the favourite codec until the answer says which one it is.
	track, err := webrtc.NewTrackLocalStaticSample(offers[0].RTPCodecCapability, "audio", "client")
	if err != nil {
		return nil, "", err
	}
	sender, err := pc.AddTrack(track)
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{pc: pc, sender: sender, offers: offers, track: track, keep: keepSeconds, ctx: ctx, cancel: cancel}
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { go c.read(t) })
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return nil, "", err
	}
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return nil, "", err
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		return nil, "", fmt.Errorf("rtctest: gathering timed out")
	}
	return c, pc.LocalDescription().SDP, nil
}

// SetAnswer applies the server's answer. The client sends with the
// answer's first codec, as a browser does.
func (c *Client) SetAnswer(answer string) error {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(answer); err != nil {
		return fmt.Errorf("rtctest: answer: %w", err)
	}
	var chosen *webrtc.RTPCodecParameters // the client's own parameters, the answer's payload type
	for _, m := range sd.MediaDescriptions {
		if m.MediaName.Media != "audio" || len(m.MediaName.Formats) == 0 {
			continue
		}
		var pt uint8
		if _, err := fmt.Sscan(m.MediaName.Formats[0], &pt); err != nil {
			return fmt.Errorf("rtctest: answer format %q: %w", m.MediaName.Formats[0], err)
		}
		sc, err := sd.GetCodecForPayloadType(pt)
		if err != nil {
			return fmt.Errorf("rtctest: answer payload type %d: %w", pt, err)
		}
		for i := range c.offers {
			if strings.EqualFold(c.offers[i].MimeType, "audio/"+sc.Name) {
				p := c.offers[i]
				p.PayloadType = webrtc.PayloadType(pt)
				chosen = &p
			}
		}
		break
	}
	if chosen == nil {
		return errors.New("rtctest: the answer has no audio codec the client offered")
	}
	codec := mediaCodec(*chosen)
	if codec == nil {
		return fmt.Errorf("rtctest: the answer chose %s, which this build cannot code (go test -tags opus)", chosen.MimeType)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !strings.EqualFold(c.track.Codec().MimeType, chosen.MimeType) {
		// Before the answer is applied the sender has not started: the
		// new track simply takes the old one's place.
		track, err := webrtc.NewTrackLocalStaticSample(chosen.RTPCodecCapability, "audio", "client")
		if err != nil {
			return err
		}
		if err := c.sender.ReplaceTrack(track); err != nil {
			return err
		}
		c.track = track
	}
	c.codec = codec
	track := c.track
	c.enc = codec.Encoder(sampleWriter{track})
	return c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer})
}

// mediaCodec returns the codec for c, nil if this build has none.
func mediaCodec(c webrtc.RTPCodecParameters) media.Codec {
	switch {
	case strings.EqualFold(c.MimeType, webrtc.MimeTypeOpus) && opus.Available:
		return opus.New(uint8(c.PayloadType))
	case strings.EqualFold(c.MimeType, webrtc.MimeTypePCMU):
		return media.PCMU()
	}
	return nil
}

// sampleWriter sends each payload as a 20 ms sample.
type sampleWriter struct {
	t *webrtc.TrackLocalStaticSample
}

func (w sampleWriter) WritePayload(p []byte) error {
	return w.t.WriteSample(pmedia.Sample{Data: p, Duration: media.FrameDurationMs * time.Millisecond})
}
func (w sampleWriter) String() string { return "client-track" }

// Codec names the codec the answer chose ("opus", "PCMU"), "" before it.
func (c *Client) Codec() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.codec == nil {
		return ""
	}
	return c.codec.Info().Name
}

// Rate is the sample rate of the audio Send takes and Received returns
// (0 before SetAnswer).
func (c *Client) Rate() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.codec == nil {
		return 0
	}
	return c.codec.Info().SampleRate
}

// Send plays audio (at Rate) in 20 ms frames, paced, until it ends or ctx
// is done.
func (c *Client) Send(ctx context.Context, audio media.PCM16) {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	c.mu.Lock()
	enc := c.enc
	c.mu.Unlock()
	if enc == nil {
		return
	}
	n := media.SamplesPerFrame(enc.SampleRate())
	t := time.NewTicker(media.FrameDurationMs * time.Millisecond)
	defer t.Stop()
	for i := 0; i+n <= len(audio); i += n {
		select {
		case <-ctx.Done():
			return
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		_ = enc.WriteFrame(audio[i : i+n])
	}
}

// read decodes what the server sends, at the client's rate.
func (c *Client) read(t *webrtc.TrackRemote) {
	codec := mediaCodec(t.Codec())
	rate := c.Rate()
	if codec == nil || rate == 0 {
		return
	}
	dec := codec.Decoder(media.FrameWriterFunc{Rate: rate, Name: "client", Fn: func(frame media.PCM16) error {
		c.mu.Lock()
		if len(c.received)+len(frame) <= c.keep*rate {
			c.received = append(c.received, frame...)
		}
		c.mu.Unlock()
		return nil
	}})
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		_ = dec.WritePayload(pkt.Payload)
	}
}

// Received returns the audio received so far (at Rate).
func (c *Client) Received() media.PCM16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append(media.PCM16(nil), c.received...)
}

// Connected waits until the peer connection is up.
func (c *Client) Connected(ctx context.Context) error {
	for i := 0; i < 1000; i++ {
		if c.pc.ConnectionState() == webrtc.PeerConnectionStateConnected {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return fmt.Errorf("rtctest: not connected (%s)", c.pc.ConnectionState())
}

// Close hangs up.
func (c *Client) Close() {
	c.cancel()
	_ = c.pc.Close()
}

// Package rtctest is a pion-based stand-in for a browser softphone: it
// offers audio, sends a tone or any frames, and records what it receives.
// Tests and the load benchmark use it in place of Chromium.
package rtctest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"
)

// Client is one fake browser.
type Client struct {
	pc    *webrtc.PeerConnection
	track *webrtc.TrackLocalStaticSample

	mu       sync.Mutex
	received media.PCM16
	keep     int // samples kept at most
	ctx      context.Context
	cancel   context.CancelFunc
}

var api = func() *webrtc.API {
	m := &webrtc.MediaEngine{}
	_ = m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, PayloadType: 0}, webrtc.RTPCodecTypeAudio)
	s := webrtc.SettingEngine{}
	s.SetIncludeLoopbackCandidate(true)
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(s),
		webrtc.WithInterceptorRegistry(&interceptor.Registry{}))
}()

// New creates a client and its offer (complete with candidates). keepSeconds
// bounds the received audio it keeps for inspection.
func New(keepSeconds int) (*Client, string, error) {
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, "", err
	}
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, "audio", "client")
	if err != nil {
		return nil, "", err
	}
	if _, err := pc.AddTrack(track); err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{pc: pc, track: track, keep: keepSeconds * 8000, ctx: ctx, cancel: cancel}
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

// SetAnswer applies the server's answer.
func (c *Client) SetAnswer(sdp string) error {
	return c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp})
}

// Send plays audio (8 kHz) in 20 ms frames, paced, until it ends or ctx is done.
func (c *Client) Send(ctx context.Context, audio media.PCM16) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	buf := make([]byte, 0, 160)
	for i := 0; i+160 <= len(audio); i += 160 {
		select {
		case <-ctx.Done():
			return
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		buf = media.EncodeULaw(buf[:0], audio[i:i+160])
		_ = c.track.WriteSample(pmedia.Sample{Data: buf, Duration: 20 * time.Millisecond})
	}
}

func (c *Client) read(t *webrtc.TrackRemote) {
	var frame media.PCM16
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		frame = media.DecodeULaw(frame[:0], pkt.Payload)
		c.mu.Lock()
		if len(c.received)+len(frame) <= c.keep {
			c.received = append(c.received, frame...)
		}
		c.mu.Unlock()
	}
}

// Received returns the audio received so far.
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

package rtc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// ICEServer is a STUN or TURN server (as RTCIceServer in the browser).
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Config configures the WebRTC engine.
type Config struct {
	// PublicIP is advertised in host candidates instead of the local
	// addresses (a server behind 1:1 NAT). Empty: the local addresses.
	PublicIP string
	// ICEServers are STUN/TURN servers, for the server and for browsers.
	ICEServers []ICEServer
	// PortMin and PortMax bound the UDP ports ICE uses (0: any).
	PortMin, PortMax uint16
	// Loopback also offers 127.0.0.1 candidates (tests, a browser on the same host).
	Loopback bool
	// ConnectTimeout bounds ICE+DTLS after the answer (default 10 s).
	ConnectTimeout time.Duration
	Log            *slog.Logger
}

// Engine creates WebRTC legs.
type Engine struct {
	cfg Config
	api *webrtc.API
	ice []webrtc.ICEServer
}

// ErrConnectTimeout means ICE or DTLS did not complete in time.
var ErrConnectTimeout = errors.New("rtc: connection not established in time")

// NewEngine builds the pion API for voice: Opus where the build has libopus
// (go build -tags opus), then PCMU and PCMA.
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	m := &webrtc.MediaEngine{}
	for _, c := range engineCodecs() {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("rtc: codec %s: %w", c.MimeType, err)
		}
	}
	s := webrtc.SettingEngine{}
	if cfg.PublicIP != "" {
		s.SetNAT1To1IPs([]string{cfg.PublicIP}, webrtc.ICECandidateTypeHost)
	}
	if cfg.PortMin != 0 || cfg.PortMax != 0 {
		if err := s.SetEphemeralUDPPortRange(cfg.PortMin, cfg.PortMax); err != nil {
			return nil, fmt.Errorf("rtc: port range: %w", err)
		}
	}
	s.SetIncludeLoopbackCandidate(cfg.Loopback)
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	// A call whose media stops is noticed within seconds, like RTP timeouts on SIP legs.
	s.SetICETimeouts(5*time.Second, 10*time.Second, 2*time.Second)
	// No interceptors (NACK, TWCC, reports): a retransmitted voice packet
	// comes too late to be played, the server's encoders run at a fixed bitrate,
	// and each interceptor costs CPU per packet per call.
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(s),
		webrtc.WithInterceptorRegistry(&interceptor.Registry{}))
	e := &Engine{cfg: cfg, api: api}
	for _, is := range cfg.ICEServers {
		e.ice = append(e.ice, webrtc.ICEServer{URLs: is.URLs, Username: is.Username, Credential: is.Credential})
	}
	return e, nil
}

// ICEServers is what browsers should use in their RTCPeerConnection config.
func (e *Engine) ICEServers() []ICEServer { return e.cfg.ICEServers }

// Accept answers a browser's SDP offer: it returns the leg and the SDP
// answer with every local candidate in it. The leg's media flows once the
// browser applies the answer; Connected tells when.
func (e *Engine) Accept(ctx context.Context, id, offer string, log *slog.Logger) (*Leg, string, error) {
	if log == nil {
		log = e.cfg.Log
	}
	pc, err := e.api.NewPeerConnection(webrtc.Configuration{ICEServers: e.ice})
	if err != nil {
		return nil, "", fmt.Errorf("rtc: new peer connection: %w", err)
	}
	// The browser offers; the offer decides which codecs are common, and
	// the leg's codec and rate follow from that.
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		_ = pc.Close()
		return nil, "", fmt.Errorf("rtc: remote offer: %w", err)
	}
	params, codec, err := chooseCodec(pc)
	if err != nil {
		_ = pc.Close()
		return nil, "", err
	}
	l, err := newLeg(id, pc, params, codec, log)
	if err != nil {
		_ = pc.Close()
		return nil, "", err
	}
	log.Info("webrtc codec", "leg", id, "codec", codec.Info().Name, "payload_type", params.PayloadType, "rate", l.rate,
		"out", l.AudioOut().String())
	fail := func(step string, err error) (*Leg, string, error) {
		l.close(false)
		return nil, "", fmt.Errorf("rtc: %s: %w", step, err)
	}
	if _, err := pc.AddTrack(l.track); err != nil {
		return fail("add track", err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail("create answer", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return fail("local answer", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return fail("gathering candidates", ctx.Err())
	case <-time.After(5 * time.Second):
		return fail("gathering candidates", ErrConnectTimeout)
	}
	go l.watchConnect(e.cfg.ConnectTimeout)
	return l, pc.LocalDescription().SDP, nil
}

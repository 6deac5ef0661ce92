package rtctest

import (
	"context"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// AcceptFunc answers a browser offer with a server leg (rtc.Engine.Accept
// adapted), so this package does not import rtc.
type AcceptFunc func(ctx context.Context, id, offer string) (leg media.Leg, answer string, connected <-chan struct{}, err error)

// LoadResult is what a bridged-call load run measured.
type LoadResult struct {
	Calls    int
	Duration time.Duration
	// CPU is the process's user+system CPU over Duration. It includes the
	// stand-in peers (SIP caller RTP and the pion client), so the server's
	// own share is lower.
	CPU time.Duration
	// CorePerCall is CPU/Duration/Calls: the fraction of one core a call costs.
	CorePerCall float64
	// CallsPerCore is 1/CorePerCall.
	CallsPerCore float64
	// ClientHeardTone reports that the first client heard the SIP side's tone.
	ClientHeardTone bool
}

func (r LoadResult) String() string {
	return fmt.Sprintf("%d bridged SIP↔WebRTC calls for %s: CPU %s (%.2f%% of a core per call, %.0f calls per core, peers included); audio ok: %v",
		r.Calls, r.Duration, r.CPU.Round(time.Millisecond), r.CorePerCall*100, r.CallsPerCore, r.ClientHeardTone)
}

// The telephone-event payload type must be set: with 0 (none), the
// session would take PCMU (also 0) for DTMF and drop it.

// rtpLeg makes an RTP session a media.Leg for the bridge.
type rtpLeg struct{ *media.RTPSession }

func (l rtpLeg) ID() string { return "sip" }
func (l rtpLeg) Hangup(context.Context, string) error {
	l.Close()
	return nil
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Load bridges n calls, each a SIP caller's RTP stream (PCMU, a 440 Hz
// tone) through a server-side RTP session and media.Bridge into a WebRTC
// leg answered by accept, with a pion client playing a tone on the other
// end; it measures process CPU for d once every call is up. opts choose
// what the clients offer (Opus: the WebRTC legs transcode and resample).
func Load(ctx context.Context, n int, d time.Duration, accept AcceptFunc, opts ...Option) (LoadResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ports := &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 41000, Max: 49999}
	tone := audiotest.Tone(440, 8000, int(d.Milliseconds())+10_000, 0.3)
	toneAt := map[int]media.PCM16{} // the tone at each client's rate, shared by the calls
	var clients []*Client
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := range n {
		ar, ac, err := ports.ListenPair()
		if err != nil {
			return LoadResult{}, err
		}
		br, bc, err := ports.ListenPair()
		if err != nil {
			return LoadResult{}, err
		}
		caller := media.NewRTPSession(ar, ac, media.RTPConfig{Codec: media.PCMU(), DTMFPayload: 101, Remote: br.LocalAddr().(*net.UDPAddr)})
		server := media.NewRTPSession(br, bc, media.RTPConfig{Codec: media.PCMU(), DTMFPayload: 101, Remote: ar.LocalAddr().(*net.UDPAddr)})
		go func() { <-ctx.Done(); caller.Close(); server.Close() }()
		client, offer, err := New(3, opts...)
		if err != nil {
			return LoadResult{}, err
		}
		clients = append(clients, client)
		leg, answer, connected, err := accept(ctx, fmt.Sprintf("load-%d", i), offer)
		if err != nil {
			return LoadResult{}, fmt.Errorf("call %d: %w", i, err)
		}
		if err := client.SetAnswer(answer); err != nil {
			return LoadResult{}, fmt.Errorf("call %d: %w", i, err)
		}
		select {
		case <-connected:
		case <-time.After(10 * time.Second):
			return LoadResult{}, fmt.Errorf("call %d: webrtc did not connect", i)
		}
		go func() { _ = media.Bridge(ctx, rtpLeg{server}, leg) }()
		go func() { _ = media.Play(ctx, caller.AudioOut(), tone) }()
		rate := client.Rate()
		if toneAt[rate] == nil {
			toneAt[rate] = media.Resample(tone, 8000, rate)
		}
		go client.Send(ctx, toneAt[rate])
	}
	time.Sleep(time.Second) // settle
	c0, t0 := cpuNow(), time.Now()
	select {
	case <-time.After(d):
	case <-ctx.Done():
		return LoadResult{}, ctx.Err()
	}
	cpu, el := cpuNow()-c0, time.Since(t0)
	r := LoadResult{Calls: n, Duration: el, CPU: cpu}
	r.CorePerCall = cpu.Seconds() / el.Seconds() / float64(n)
	if r.CorePerCall > 0 {
		r.CallsPerCore = 1 / r.CorePerCall
	}
	if len(clients) > 0 {
		r.ClientHeardTone, _ = audiotest.DetectTone(clients[0].Received(), 440, clients[0].Rate())
	}
	return r, nil
}

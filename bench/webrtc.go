package main

import (
	"context"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/rtc"
	"github.com/hotline-cc/hotline/rtc/rtctest"
)

// webrtcLoad measures CPU per bridged SIP↔WebRTC call: calls SIP-side RTP
// streams bridged into WebRTC legs answered by pion clients standing in for
// browsers, all in this process, for d. The figure includes the stand-in
// peers, so the server's own cost per call is lower.
func webrtcLoad(calls int, d time.Duration) (rtctest.LoadResult, error) {
	e, err := rtc.NewEngine(rtc.Config{Loopback: true, PublicIP: "127.0.0.1"})
	if err != nil {
		return rtctest.LoadResult{}, err
	}
	accept := func(ctx context.Context, id, offer string) (media.Leg, string, <-chan struct{}, error) {
		l, ans, err := e.Accept(ctx, id, offer, nil)
		if err != nil {
			return nil, "", nil, err
		}
		return l, ans, l.Connected(), nil
	}
	return rtctest.Load(context.Background(), calls, d, accept)
}

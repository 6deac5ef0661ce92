package rtc_test

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/opus"
	"github.com/hotline-cc/hotline/rtc"
	"github.com/hotline-cc/hotline/rtc/rtctest"
)

// Accept adapts an engine for rtctest.Load.
func accept(e *rtc.Engine) rtctest.AcceptFunc {
	return func(ctx context.Context, id, offer string) (media.Leg, string, <-chan struct{}, error) {
		// Quiet: leg logs would interleave with the benchmark's result lines.
		l, ans, err := e.Accept(ctx, id, offer, slog.New(slog.DiscardHandler))
		if err != nil {
			return nil, "", nil, err
		}
		return l, ans, l.Connected(), nil
	}
}

// BenchmarkBridgedCalls measures the CPU of bridged SIP↔WebRTC calls (the
// stand-in peers included) and reports the fraction of a core per call.
// Run with -benchtime=1x; HOTLINE_BENCH_CALLS sets the number of calls.
func BenchmarkBridgedCalls(b *testing.B) { benchmarkBridgedCalls(b) }

// BenchmarkBridgedCallsOpus is BenchmarkBridgedCalls with browsers that
// offer Opus: each WebRTC leg encodes and decodes Opus and resamples
// between 16 kHz and the SIP side's 8 kHz.
func BenchmarkBridgedCallsOpus(b *testing.B) {
	if !opus.Available {
		b.Skip("opus: not in this build (go test -tags opus)")
	}
	benchmarkBridgedCalls(b, rtctest.Opus())
}

func benchmarkBridgedCalls(b *testing.B, opts ...rtctest.Option) {
	e, err := rtc.NewEngine(rtc.Config{Loopback: true, PublicIP: "127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	calls := 50
	if n, err := strconv.Atoi(os.Getenv("HOTLINE_BENCH_CALLS")); err == nil && n > 0 && n <= 1000 {
		calls = n
	}
	for range b.N {
		r, err := rtctest.Load(context.Background(), calls, 5*time.Second, accept(e), opts...)
		if err != nil {
			b.Fatal(err)
		}
		if !r.ClientHeardTone {
			b.Fatal("the WebRTC client did not hear the SIP caller")
		}
		b.Log(r)
		b.ReportMetric(r.CorePerCall*100, "%core/call")
		b.ReportMetric(r.CallsPerCore, "calls/core")
	}
}

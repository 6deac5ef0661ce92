package main

import (
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pion/rtp"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/recording"
)

// ---- whole-call recording overhead ----
//
// In process: recCalls RTP sessions on loopback, as the server holds its
// callers' legs (G.711 µ-law, decoding what arrives, sending paced audio
// back), fed by one phone socket that sends each call a looping tone at
// 50 packets/s. The process's CPU time is measured over recSeconds with no
// recording, then over recSeconds with every call recorded; the disk cost
// is the recordings' size per call-hour.

const (
	recCalls = 200
	// recExtraCPUTarget is the most the recordings may add to the CPU, in %.
	recExtraCPUTarget = 15.0
	// recMBPerHour is what an 8 kHz stereo PCM16 call-hour takes.
	recMBPerHour = 115.2
)

type recRun struct {
	calls            int
	seconds          float64 // each side
	baseCPU, recCPU  float64 // % of one core, whole process
	mbPerCallHour    float64
	written, dropped uint64
	errors           uint64
	failure          string
}

func (r recRun) extra() float64 { return (r.recCPU - r.baseCPU) / r.baseCPU * 100 }

// recordingBench runs the comparison three times (once with -quick): the machine is shared, so
// the verdict is on the median.
func (r *report) recordingBench() {
	n := 3
	if *quick {
		n = 1
	}
	for range n {
		r.rec = append(r.rec, oneRecordingRun())
	}
}

func recSeconds() time.Duration {
	if *quick {
		return 5 * time.Second
	}
	return 20 * time.Second
}

func oneRecordingRun() recRun {
	run := recRun{calls: recCalls, seconds: recSeconds().Seconds()}
	dir, err := os.MkdirTemp("", "hotline-bench-rec")
	must(err)
	defer os.RemoveAll(dir)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m, err := recording.NewManager(recording.Options{Dir: dir}, log)
	must(err)

	phone, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	must(err)
	defer phone.Close()
	ports := &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 56000, Max: 59999}
	sessions := make([]*media.RTPSession, 0, recCalls)
	defer func() {
		for _, s := range sessions {
			s.Close()
		}
	}()
	for range recCalls {
		rc, cc, err := ports.ListenPair()
		if err != nil {
			run.failure = err.Error()
			return run
		}
		sessions = append(sessions, media.NewRTPSession(rc, cc, media.RTPConfig{Codec: media.PCMU(),
			Remote: phone.LocalAddr().(*net.UDPAddr), Logger: log}))
	}
	stop := make(chan struct{})
	sent := make(chan struct{})
	go phoneLoop(phone, sessions, stop, sent)
	defer func() { close(stop); <-sent }()

	logf("recording: %d calls, warming up", recCalls)
	time.Sleep(2 * time.Second)
	measure := func() float64 {
		c0, t0 := cpuTicks(os.Getpid()), time.Now()
		time.Sleep(recSeconds())
		return (cpuTicks(os.Getpid()) - c0) / time.Since(t0).Seconds()
	}
	run.baseCPU = measure()
	logf("recording: unrecorded %.0f%% of one core; recording all calls", run.baseCPU)
	recs := make([]*recording.Recorder, 0, recCalls)
	for i, s := range sessions {
		rec, err := m.Record(s, fmt.Sprintf("bench-%d", i))
		if err != nil {
			run.failure = err.Error()
			return run
		}
		recs = append(recs, rec)
	}
	run.recCPU = measure()
	var recorded time.Duration
	for _, rec := range recs {
		r := rec.Stop()
		recorded += r.End.Sub(r.Start)
	}
	st := m.Stats()
	run.written, run.dropped, run.errors = st.FramesWritten, st.FramesDropped, st.Errors
	var bytes int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".wav") {
			if info, err := d.Info(); err == nil {
				bytes += info.Size()
			}
		}
		return nil
	})
	run.mbPerCallHour = float64(bytes) / 1e6 / recorded.Hours()
	logf("recording: recorded %.0f%% of one core (%+.1f%%), %.1f MB per call-hour, %d payloads written, %d dropped",
		run.recCPU, run.extra(), run.mbPerCallHour, run.written, run.dropped)
	return run
}

// phoneLoop sends every session a looping 440 Hz tone, one packet per call
// every 20 ms on a ticker grid, from one socket.
func phoneLoop(phone *net.UDPConn, sessions []*media.RTPSession, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	tone := audiotest.Tone(440, 8000, 1000, 0.3)
	frames := make([][]byte, len(tone)/160)
	for i := range frames {
		frames[i] = media.EncodeULaw(nil, tone[i*160:(i+1)*160])
	}
	addrs := make([]*net.UDPAddr, len(sessions))
	for i, s := range sessions {
		addrs[i] = s.LocalAddr()
	}
	buf := make([]byte, 0, 200)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for k := 0; ; k++ {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		for i, a := range addrs {
			h := rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(k), Timestamp: uint32(k * 160), SSRC: uint32(i + 1)}
			b, err := h.MarshalTo(buf[:cap(buf)])
			if err != nil {
				continue
			}
			pkt := append(buf[:b], frames[k%len(frames)]...)
			_, _ = phone.WriteToUDP(pkt, a)
		}
	}
}

func (r *report) recordingSection(p func(string, ...any)) {
	if len(r.rec) == 0 {
		return
	}
	p("## Whole-call recording overhead")
	p("")
	p("In process: %d RTP sessions on loopback holding callers' legs (G.711 µ-law: decoding what arrives, sending paced", r.rec[0].calls)
	p("audio back), fed a looping tone at 50 packets/s per call by one phone socket in the same process. CPU is the process's")
	p("user+system time over %.0f s without recording, then %.0f s with every call recorded (package recording: a tap on", r.rec[0].seconds, r.rec[0].seconds)
	p("each session, a goroutine per call decoding both directions into an 8 kHz stereo WAV). The load generator's CPU is in")
	p("both figures, so the extra share of the server alone is somewhat higher than shown. Disk is the files' size per")
	p("call-hour (expected %.1f MB for 8 kHz stereo PCM16). Target: extra CPU ≤ %.0f %%.", recMBPerHour, recExtraCPUTarget)
	p("")
	p("| run | calls | unrecorded CPU | recorded CPU | extra (target ≤ %.0f %%) | per call | MB per call-hour | payloads written | dropped | write errors |", recExtraCPUTarget)
	p("|---|---|---|---|---|---|---|---|---|---|")
	for i, x := range r.rec {
		if x.failure != "" {
			p("| %d | %d | not measured: %s | | | | | | | |", i+1, x.calls, x.failure)
			continue
		}
		perCall := (x.recCPU - x.baseCPU) / float64(x.calls) * 10 // % of a core → ms of CPU per second
		p("| %d | %d | %.0f %% | %.0f %% | %+.1f %%: %s | %.2f ms CPU/s | %.1f | %d | %d | %d |", i+1, x.calls, x.baseCPU, x.recCPU,
			x.extra(), verdict(x.extra() <= recExtraCPUTarget), perCall, x.mbPerCallHour, x.written, x.dropped, x.errors)
	}
	var extras []float64
	for _, x := range r.rec {
		if x.failure == "" {
			extras = append(extras, x.extra())
		}
	}
	if len(extras) > 0 {
		sort.Float64s(extras)
		med := extras[len(extras)/2]
		p("")
		p("Median extra CPU over %d runs: **%+.1f %%**, target ≤ %.0f %%: %s.", len(extras), med, recExtraCPUTarget, verdict(med <= recExtraCPUTarget))
	}
	p("")
	p("Command:")
	p("")
	p("    go run %s./bench -only recording", strings.Join(append(tagArgs(), ""), " "))
	p("")
}

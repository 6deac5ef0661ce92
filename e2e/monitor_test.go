package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// supervisorTone is what the supervisor's fake microphone plays.
const supervisorTone = 1700.0

// measureTonesJS installs measureTones(track, freqs) in a page: the levels (dB) of freqs in
// what the track carries, read by an analyser after 1.5 s, left in window.__tones.
const measureTonesJS = `window.measureTones = (track, freqs) => {
  window.__tones = null;
  const ctx = new AudioContext();
  const src = ctx.createMediaStreamSource(new MediaStream([track]));
  const an = ctx.createAnalyser(); an.fftSize = 8192; an.smoothingTimeConstant = 0.5;
  src.connect(an);
  setTimeout(() => {
    const d = new Float32Array(an.frequencyBinCount); an.getFloatFrequencyData(d);
    const bin = (f) => Math.round(f * an.fftSize / ctx.sampleRate);
    window.__tones = freqs.map((f) => Math.max(d[bin(f) - 1], d[bin(f)], d[bin(f) + 1]));
    ctx.close();
  }, 1500);
  return "ok";
}; "ok"`

// tonesHeard measures, in the page of ctx, which of the freqs the track (a JS expression)
// carries: a tone counts when it stands 20 dB above a frequency no one plays.
func tonesHeard(t *testing.T, ctx context.Context, who, track string, freqs ...float64) map[float64]bool {
	t.Helper()
	jsString(t, ctx, measureTonesJS)
	list := make([]string, 0, len(freqs)+1)
	for _, f := range freqs {
		list = append(list, strconv.FormatFloat(f, 'f', 0, 64))
	}
	list = append(list, "2900") // the floor: nobody plays it
	jsString(t, ctx, `window.measureTones(`+track+`, [`+strings.Join(list, ",")+`])`)
	jsWait(t, ctx, `window.__tones !== null`, 10*time.Second)
	raw := jsString(t, ctx, `window.__tones.map((x) => x.toFixed(1)).join(",")`)
	levels := strings.Split(raw, ",")
	floor, _ := strconv.ParseFloat(levels[len(levels)-1], 64)
	out := map[float64]bool{}
	for i, f := range freqs {
		l, _ := strconv.ParseFloat(levels[i], 64)
		out[f] = l > floor+20 && l > -80
	}
	t.Logf("%s hears (dB) %v → %v", who, raw, out)
	return out
}

// TestSupervisorListenWhisperBarge: a caller talks with an agent on the desktop; a supervisor
// on the supervisor page listens (hears both, heard by nobody), whispers (only the agent hears
// them), barges in (everyone hears everyone) and stops; tones show who hears whom, and the
// session is in the call record.
func TestSupervisorListenWhisperBarge(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: testDialplan, Extra: desktopConfig, Roles: map[string]string{"bob": "supervisor"}})
	actx, arun := browserAgent(t, srv, "alice", "alice-demo", agentTone)
	goAvailable(t, actx)
	caller := ringDesktop(t, srv, actx, arun, "13600000001")
	jsWait(t, actx, `window.hotline.inboundPackets > 50`, 10*time.Second)

	sctx, _ := browserAgent(t, srv, "bob", "bob-demo", supervisorTone)
	if err := chromedp.Do(sctx, chromedp.Navigate("http://"+srv.HTTPAddr+"/supervisor")); err != nil {
		t.Fatal(err)
	}
	jsWait(t, sctx, `!!document.querySelector("#calls button.monitor-listen")`, 15*time.Second)
	heardAt := func() int64 {
		recs := caller.Recordings()
		st, err := os.Stat(recs[len(recs)-1])
		if err != nil {
			t.Fatal(err)
		}
		return (st.Size() - 44) / 2 // samples at 8 kHz
	}
	jsString(t, sctx, `(() => { document.querySelector("#calls button.monitor-listen").click(); return "ok" })()`)
	jsWait(t, sctx, `!!window.hotlineMonitor.remote && window.hotlineMonitor.mode === "listen"`, 15*time.Second)
	time.Sleep(time.Second)
	screenshot(t, sctx, "supervisor-monitor.png")

	// Listen: the supervisor hears the caller and the agent; the caller does not hear them.
	listenFrom := heardAt()
	if h := tonesHeard(t, sctx, "supervisor (listen)", "window.hotlineMonitor.remote", callerTone, agentTone, supervisorTone); !h[callerTone] || !h[agentTone] || h[supervisorTone] {
		t.Fatalf("listening, the supervisor hears %v: want the caller and the agent, not themselves", h)
	}
	agentTrack := `app.pc.getReceivers()[0].track`
	if h := tonesHeard(t, actx, "agent (listen)", agentTrack, callerTone, supervisorTone); !h[callerTone] || h[supervisorTone] {
		t.Fatalf("while the supervisor listens, the agent hears %v: want the caller only", h)
	}
	listenTo := heardAt()

	// Whisper: the agent hears the supervisor, the caller does not.
	jsString(t, sctx, `(() => { document.querySelector("#monitor [data-mode=whisper]").click(); return "ok" })()`)
	jsWait(t, sctx, `window.hotlineMonitor.mode === "whisper"`, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	whisperFrom := heardAt()
	if h := tonesHeard(t, actx, "agent (whisper)", agentTrack, callerTone, supervisorTone); !h[callerTone] || !h[supervisorTone] {
		t.Fatalf("whispering, the agent hears %v: want the caller and the supervisor", h)
	}
	time.Sleep(time.Second)
	whisperTo := heardAt()

	// Barge: the caller hears the supervisor too.
	jsString(t, sctx, `(() => { document.querySelector("#monitor [data-mode=barge]").click(); return "ok" })()`)
	jsWait(t, sctx, `window.hotlineMonitor.mode === "barge"`, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	bargeFrom := heardAt()
	time.Sleep(3 * time.Second)
	bargeTo := heardAt()

	// Stop: the call is the caller and the agent again.
	jsString(t, sctx, `(() => { document.getElementById("monitor-stop").click(); return "ok" })()`)
	jsWait(t, sctx, `window.hotlineMonitor.call === null`, 10*time.Second)
	time.Sleep(time.Second)
	afterFrom := heardAt()
	time.Sleep(2 * time.Second)
	afterTo := heardAt()
	if err := caller.Hangup(); err != nil {
		t.Fatal(err)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatal(err)
	}

	heard, rate, err := audiotest.ReadWAVFile(caller.RecordedWAV())
	if err != nil || int64(len(heard)) < afterTo {
		t.Fatalf("caller's recording: %d samples, %v", len(heard), err)
	}
	for _, seg := range []struct {
		name     string
		from, to int64
		want     bool
	}{
		{"listen", listenFrom, listenTo, false}, {"whisper", whisperFrom, whisperTo, false},
		{"barge", bargeFrom, bargeTo, true}, {"after stop", afterFrom, afterTo, false},
	} {
		// Shares of the power: with two equal tones each holds about half.
		part := heard[seg.from:seg.to]
		sup, agent := audiotest.ToneRatio(part, supervisorTone, rate), audiotest.ToneRatio(part, agentTone, rate)
		t.Logf("caller during %s: supervisor tone %.2f, agent tone %.2f of the power", seg.name, sup, agent)
		if (seg.want && sup < 0.25) || (!seg.want && sup > 0.05) || agent < 0.25 {
			t.Errorf("caller during %s: supervisor tone %.2f (want heard: %v), agent tone %.2f (want heard)", seg.name, sup, seg.want, agent)
		}
	}

	// The record says who monitored, and how.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := srv.WaitCalls(t, 1, 10*time.Second)[0]
		if len(c.Monitoring) == 1 {
			m := c.Monitoring[0]
			modes := []string{}
			for _, s := range m.Modes {
				modes = append(modes, s.Mode)
			}
			if m.Supervisor != "bob" || fmt.Sprint(modes) != "[listen whisper barge]" || m.End.IsZero() {
				t.Fatalf("monitoring record %+v", m)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no monitoring in the call record: %+v", c.Monitoring)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

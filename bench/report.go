package main

import (
	"fmt"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"
)

type report struct {
	started   time.Time
	goCmd     string
	goResults []*goResult
	target    []rateRun
	knee      []rateRun
	conc      []concRun // concCalls held calls: CPU and memory
	pace      []concRun // pacingCalls held calls: the send interval
	wide      []concRun
	bot       []botRun
	barge     []bargeRun
	rec       []recRun
	search    *searchRun
	analysis  *analysisRun
	dialer    *dialerRun
	chat      *chatRun
	amd       *amdRun
}

func medianOf[T any](runs []T, f func(T) float64) float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	return median(v)
}

func cpuModel() string {
	out, err := exec.Command("sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# hotline benchmarks")
	p("")
	p("Written by `make bench` (`go run ./bench`) on %s. Machine: %d cores (%s), %s/%s, %s.",
		r.started.UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	p("sipp and the server share the same two cores, so every load figure includes sipp's own CPU use next to the server's;")
	p("the machine is shared and noisy, so runs are repeated and medians reported.")
	p("")

	if len(r.target) > 0 {
		p("## Call setup rate")
		p("")
		p("INVITE → 100 → 200 → ACK → 1 s of RTP both ways → BYE → 200, against the demo dialplan (`configs/dialplan.yaml`:")
		p("greeting TTS, then the menu; every call recorded and analysed, as shipped). The server plays the greeting, sipp")
		p("(`-rtp_echo`) sends every packet back. Target: ≥ %d calls/s for 60 s with no failed call. For scale: Asterisk 22 on", setupTarget)
		p("this kind of machine needed 1.3 ms of CPU per call in a light configuration, 7–12 ms in a heavier one.")
		p("")
		p("| run | rate (cps) | duration | calls | failed | achieved cps | server CPU (%% of one core) | server CPU per call | sipp CPU | target ≥ %d cps, 60 s, 0 failed |", setupTarget)
		p("|---|---|---|---|---|---|---|---|---|---|")
		setupMet := 0
		var finished []rateRun
		for i, t := range r.target {
			if !t.run.finished {
				if t.run.total > 0 {
					p("| %d | %d | %d s | %d so far | %d so far | — | %.0f %% | — | %.0f %% | **missed**: sipp was stopped after %s with calls still hanging |", i+1, t.rate, t.seconds,
						t.run.total, t.run.failed, t.serverCPU, t.run.sippCPU, t.run.wall.Round(time.Second))
					continue
				}
				p("| %d | %d | %d s | — | — | — | %.0f %% | — | %.0f %% | not measured: sipp did not finish (stopped after %s) |", i+1, t.rate, t.seconds,
					t.serverCPU, t.run.sippCPU, t.run.wall.Round(time.Second))
				continue
			}
			finished = append(finished, t)
			if t.met() {
				setupMet++
			}
			p("| %d | %d | %d s | %d | %d | %.0f | %.0f %% | %.2f ms | %.0f %% | %s |", i+1, t.rate, t.seconds, t.run.total, t.run.failed, t.achieved, t.serverCPU, t.cpuPerCall, t.run.sippCPU,
				verdict(t.met()))
		}
		p("")
		if len(finished) > 0 {
			p("Median of the %d runs sipp finished: %.0f failed calls, server CPU %.0f %% of one core at %d cps. Target met in %d of %d.",
				len(finished), medianOf(finished, func(t rateRun) float64 { return float64(t.run.failed) }),
				medianOf(finished, func(t rateRun) float64 { return t.serverCPU }), r.target[0].rate, setupMet, len(finished))
		} else {
			p("No run finished: not measured.")
		}
		p("")
		p("Knee search, run before the target runs (%d s per step, stops at the first step with failures; when it stops below", r.kneeSeconds())
		p("the target, one target run is made instead of three):")
		p("")
		p("| rate (cps) | calls | failed | achieved cps | server CPU | server CPU per call | sipp CPU |")
		p("|---|---|---|---|---|---|---|")
		for _, k := range r.knee {
			if !k.run.finished {
				p("| %d | %d so far | %d so far | — | %.0f %% | — | %.0f %% (sipp was stopped with calls hanging) |", k.rate, k.run.total, k.run.failed, k.serverCPU, k.run.sippCPU)
				continue
			}
			p("| %d | %d | %d | %.0f | %.0f %% | %.2f ms | %.0f %% |", k.rate, k.run.total, k.run.failed, k.achieved, k.serverCPU, k.cpuPerCall, k.run.sippCPU)
		}
		p("")
		if t := r.target[0]; len(t.profile) > 0 {
			p("Where the server's CPU went in the first target run (a CPU profile of its middle third, %s; shares of the", t.profTotal)
			p("sampled CPU, cumulative, so a row includes what it calls and rows overlap):")
			p("")
			p("| part | share |")
			p("|---|---|")
			for _, row := range t.profile {
				p("| %s | %.1f %% |", row.what, row.share)
			}
			p("")
		}
		p("Command (target run):")
		p("")
		p("    %s", r.target[0].run.cmdline())
		p("")
	}

	if len(r.conc) > 0 {
		c0 := r.conc[0]
		p("## Concurrent calls with RTP both ways")
		p("")
		p("%d calls set up at 100 calls/s and held %s each (dialplan `bench/hold.yaml`: a greeting, then a menu waiting for a key).", c0.calls, c0.hold)
		p("The server streams prompt audio and then silence at 50 packets/s per call; sipp `-rtp_echo` sends every packet back, so")
		p("each call also has 50 packets/s inbound. Targets: server CPU ≤ %.0f %% of one core (the machine has two), RSS growth ≤ %.0f KB per call,", concCPUTarget, concRSSTargetKB)
		p("no call dropped, RTP send interval p99 within 20 ms ± 1 ms. Asterisk needs %.2f %% of a core per call; the aim is ≥ 3× better (≤ %.3f %%).", asteriskPerCall, asteriskPerCall/3)
		p("")
		p(measuredWhile(c0.win))
		p("")
		p(pacingBuckets)
		p("")
		row := func(i int, c concRun, pacingTarget bool) {
			per := float64(c.rssPeak-c.rssIdle) / float64(c.calls)
			cpuV, rssV, paceV := windowVerdict(c, c.cpu <= concCPUTarget), verdict(per <= concRSSTargetKB), "no target here"
			if pacingTarget {
				cpuV, rssV, paceV = "no target here", "no target here", pacingVerdict(c)
			}
			p("| %d | %d | %d | %d: %s | %s | %.0f %%: %s | %.3f %% | %d MB | %d MB | %.0f KB: %s | %s | %s | %s | %s | %s | %d |", i+1, c.calls, c.run.ok, c.run.failed,
				verdict(c.run.finished && c.run.failed == 0 && c.run.ok == c.calls),
				windowCell(c.win), c.cpu, cpuV, c.cpu/float64(c.calls), c.rssIdle/1024, c.rssPeak/1024, per, rssV,
				c.p50, c.p99, paceV, c.p999, c.pmax, c.pacingCount)
		}
		header := func() {
			p("| run | calls | calls ok | failed (target 0) | window | server CPU (target ≤ %.0f %%) | per call | RSS idle | RSS with calls | per call (target ≤ %.0f KB) | send interval p50 | p99 | p99 target %s–%s ms | p99.9 | max | intervals measured |",
				concCPUTarget, concRSSTargetKB, fmtMs(pacingTargetLo), fmtMs(pacingTargetHi))
			p("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
		}
		header()
		for i, c := range r.conc {
			row(i, c, false)
		}
		p("")
		perCall := medianOf(r.conc, func(c concRun) float64 { return c.cpu / float64(c.calls) })
		p("Median at %d calls: server CPU %.0f %% (%.3f %% of a core per call: %.1f× better than Asterisk's %.2f %%), %.0f KB RSS per call.",
			c0.calls, medianOf(r.conc, func(c concRun) float64 { return c.cpu }), perCall, asteriskPerCall/perCall, asteriskPerCall,
			medianOf(r.conc, func(c concRun) float64 { return float64(c.rssPeak-c.rssIdle) / float64(c.calls) }))
		p("")
		if len(r.pace) > 0 {
			p("The send-interval target is set at %d calls: the same runs with that many calls.", r.pace[0].calls)
			p("")
			header()
			for i, c := range r.pace {
				row(i, c, true)
			}
			p("")
			mid := medianP99(r.pace)
			p("Median at %d calls: send interval p99 %s against a target of %s–%s ms: %s (%d of %d runs met it); server CPU %.0f %%.",
				r.pace[0].calls, mid.p99, fmtMs(pacingTargetLo), fmtMs(pacingTargetHi), pacingVerdict(mid), countMet(r.pace), len(r.pace),
				medianOf(r.pace, func(c concRun) float64 { return c.cpu }))
			p("")
		}
		p("Command:")
		p("")
		p("    %s", c0.run.cmdline())
		p("")
	}

	if len(r.wide) > 0 {
		p("## Concurrent wideband calls")
		p("")
		p("The same held calls with sipp offering only G.722 or only Opus: the server encodes every packet it sends and decodes")
		p("every echoed one (G.711 is a table lookup each way; G.722 is sub-band ADPCM; Opus runs libopus at complexity 5).")
		p("One run each; CPU and memory per call are the figures to compare with the G.711 table above (they have no target of")
		p("their own). The pacing target is the same: send interval p99 within 20 ms ± 1 ms, measured the same way, while all")
		p("calls are up.")
		p("")
		p("| codec | calls ok | failed | window | server CPU | CPU per call | RSS with calls | per call | send interval p50 | p99 | p99 target %s–%s ms |",
			fmtMs(pacingTargetLo), fmtMs(pacingTargetHi))
		p("|---|---|---|---|---|---|---|---|---|---|---|")
		for _, c := range r.wide {
			per := float64(c.rssPeak-c.rssIdle) / float64(c.calls)
			p("| %s | %d | %d | %s | %.0f %% | %.3f %% | %d MB | %.0f KB | %s | %s | %s |", c.codec, c.run.ok, c.run.failed, windowCell(c.win), c.cpu,
				c.cpu/float64(c.calls), c.rssPeak/1024, per, c.p50, c.p99, pacingVerdict(c))
		}
		if len(r.conc) > 0 {
			p("")
			p("For comparison, G.711 (PCMA) above: %.3f %% of a core per call.",
				medianOf(r.conc, func(c concRun) float64 { return c.cpu / float64(c.calls) }))
		}
		p("")
		p("Command (first run):")
		p("")
		p("    %s", r.wide[0].run.cmdline())
		p("")
	}

	if len(r.bot) > 0 {
		p("## Voice bot over SIP")
		p("")
		p("Concurrent sipp callers each talk to the voice bot for three turns: 0.8 s of voice from a replayed capture (A-law),")
		p("then silence; the bot ends the turn after 500 ms of silence and answers. The engines (ASR, LLM, TTS) are a local")
		p("OpenAI-compatible server in the bench process that answers at once, so what remains is the server's own share plus")
		p("loopback HTTP. Turn timings come from the stored transcripts (`GET /api/calls`); the pacer's share (first reply frame")
		p("queued → its RTP packet written) from `hotline_rtp_audio_start_delay_seconds{kind=\"sip\"}` over the whole run, as the")
		p("bucket holding each quantile (1 ms buckets up to 25 ms, then 25–30, 30–40, 40–60 ms and above). Target: end-of-turn")
		p("decision → first bot RTP packet, minus engine time, p95 ≤ %.0f ms with 100 concurrent bot calls. The two stages are", botTurnTargetMs)
		p("measured apart, so the result is an estimate: the first stage's p95 plus the upper bound of the pacer's p95 bucket.")
		p("")
		p("| calls | ok | failed | bot turns timed | end of turn → reply frame queued p50 / p95 | + queued → RTP written p50 / p95 | audio starts | p95 estimate against ≤ %.0f ms | server CPU |", botTurnTargetMs)
		p("|---|---|---|---|---|---|---|---|---|")
		for _, b := range r.bot {
			p("| %d | %d | %d | %d | %.1f / %.1f ms | %s / %s | %d | %s | %.0f %% |", b.calls, b.run.ok, b.run.failed, b.turns,
				b.total[0], b.total[1], b.start[0], b.start[1], b.starts, b.turnTarget(), b.cpu)
		}
		p("")
		p("Where the time goes (p95 of each stage, ms): ")
		p("")
		p("| ASR (HTTP + WAV) | LLM first token | first TTS audio | reply frame queued |")
		p("|---|---|---|---|")
		for _, b := range r.bot {
			p("| %.1f | %.1f | %.1f | %.2f |", b.asr[1], b.llm[1], b.tts[1], b.out[1])
		}
		p("")
		p("Command:")
		p("")
		p("    %s", r.bot[0].run.cmdline())
		p("")
	}

	if len(r.barge) > 0 {
		p("## Barge-in heard at the phone")
		p("")
		p("Go SIP callers (sipgo for the dialog, a UDP socket for G.711 A-law RTP; %d calls at once) ask the voice bot a question;", bargeCalls)
		p("each time the bot has been reading its long reply for %.0f ms, the caller talks over it for %.0f ms, %d times per call.", ms(bargeAfter), ms(bargeSpeech), bargesPerCall)
		p("The engines are the local OpenAI-compatible test server, as above. Each barge-in is timed at the caller, on one clock:")
		p("from the first RTP packet of the caller's speech sent to the last RTP packet carrying the bot's voice received (above")
		p("%.0f dBFS; once cut off the server sends silence). Arrivals are stamped by the kernel (SO_TIMESTAMPNS), and each", voicedDBFS)
		p("barge-in starts at a random offset from the server's 20 ms packet grid, as a phone's own clock would. The bot must not")
		p("stop before %.0f ms of speech (`min_barge_in`, the guard that keeps a cough from interrupting it); the caller's packet", ms(bargeGuard))
		p("that completes it is the %dth, sent %.0f ms after the first, and the second figure is timed from there. Target: the", int(bargeGuard/(framesMs*time.Millisecond)), ms(bargeGuard)-framesMs)
		p("guard plus %.0f ms (the packet already on its way and one 20 ms pacer slot).", ms(bargeSlack))
		p("")
		p("| figure | target | barge-ins | p50 | p95 | result |")
		p("|---|---|---|---|---|---|")
		for _, b := range r.barge {
			t1 := ms(bargeGuard + bargeSlack)
			t2 := ms(bargeSlack)
			p("| caller starts talking → last bot voice packet | p95 ≤ %.0f ms | %d | %.1f ms | %.1f ms | %s |", t1, b.samples,
				b.fromSpeech[0], b.fromSpeech[1], met(b.fromSpeech[1], t1, b.samples))
			p("| caller's %.0f ms of speech complete → last bot voice packet | p95 ≤ %.0f ms | %d | %.1f ms | %.1f ms | %s |", ms(bargeGuard), t2, b.samples,
				b.afterGuard[0], b.afterGuard[1], met(b.afterGuard[1], t2, b.samples))
			if len(b.failures) > 0 {
				p("")
				p("Not timed: %s.", strings.Join(b.failures, "; "))
			}
		}
		p("")
		p("A negative second figure means the bot's last voiced packet was already on its way when the caller's packet that")
		p("completes the guard left; the next one was silence. The caller hears that last packet's 20 ms of voice after it")
		p("arrives. Command (a Go caller, not sipp):")
		p("")
		p("    go run %s./bench -only bargein", strings.Join(append(tagArgs(), ""), " "))
		p("")
	}

	r.recordingSection(p)
	r.searchMarkdown(p)
	r.analysisMarkdown(p)
	r.dialerSection(p)
	r.chatSection(p)
	r.amdSection(p)

	if len(r.goResults) > 0 {
		p("## Go benchmarks")
		p("")
		p("In-process figures for comparison between versions; the targets are the end-to-end ones above. Median of the runs of:")
		p("")
		p("    %s", r.goCmd)
		p("")
		p("| package | benchmark | ns/op (median) | B/op | allocs/op | other metrics (median) |")
		p("|---|---|---|---|---|---|")
		for _, g := range r.goResults {
			var extra []string
			for _, unit := range sortedKeys(g.extra) {
				extra = append(extra, fmt.Sprintf("%.3g %s", median(g.extra[unit]), unit))
			}
			p("| %s | %s | %s | %s | %s | %s |", g.pkg, strings.TrimPrefix(g.name, "Benchmark"), fmtNs(median(g.nsOp)), g.bytesOp, g.allocs, strings.Join(extra, ", "))
		}
		p("")
	}
	return b.String()
}

func (r *report) kneeSeconds() int {
	if len(r.knee) == 0 {
		return 0
	}
	return r.knee[0].seconds
}

func fmtNs(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func sortedKeys(m map[string][]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pacingBuckets says what the send-interval quantiles are.
const pacingBuckets = "The send interval is measured inside the server for every paced RTP packet of a SIP leg, from one packet's\n" +
	"write to the next one's (histogram `hotline_rtp_send_interval_seconds{kind=\"sip\"}` on `/metrics`). A quantile is the\n" +
	"⌈q·n⌉-th smallest interval and is known only to its bucket, so it is given as the bucket's bounds: 0.25 ms wide between\n" +
	"15 and 25 ms, then 25–30, 30–40, 40–60 ms and above 60 ms (below 15 ms: 0–5, 5–10, 10–15). A p99 meets the target only\n" +
	"when its whole bucket lies within it."

// measuredWhile says when the figures were taken.
func measuredWhile(w callWindow) string {
	return fmt.Sprintf("CPU, RSS and send intervals are measured only while all calls are up: the bench snapshots `/metrics` %.0f s\n"+
		"after the server counts every call up (`hotline_active_calls`) and again %.0f s before the first call's hang-up is due,\n"+
		"reports the difference, and checks afterwards that every call was still up and none had ended; a run where that fails\n"+
		"says so instead of giving a verdict.", w.settle.Seconds(), w.pad.Seconds())
}

// Targets of the load runs.
const (
	setupTarget     = 1500  // calls per second, for 60 s, none failed
	concCalls       = 2000  // G.711 calls held at once
	pacingCalls     = 1000  // calls held while the send interval is judged
	concCPUTarget   = 150.0 // % of one core, concCalls held calls
	concRSSTargetKB = 100.0 // RSS growth per held call
	// Asterisk 22 on this kind of machine: 0.27 % of a core per held call;
	// the aim is at least three times better.
	asteriskPerCall = 0.27
)

func (t rateRun) met() bool {
	return t.run.finished && t.run.failed == 0 && t.seconds >= 60 && t.rate >= setupTarget && t.achieved >= 0.99*float64(setupTarget)
}

// windowVerdict is a verdict on a figure measured in the all-calls-up window.
func windowVerdict(c concRun, met bool) string {
	if !c.win.clean() {
		return "not measured"
	}
	return verdict(met)
}

func windowCell(w callWindow) string {
	if !w.clean() {
		return "no clean window"
	}
	return fmt.Sprintf("%.1f s", w.length.Seconds())
}

func pacingVerdict(c concRun) string {
	if !c.win.clean() {
		return "not measured"
	}
	return verdict(c.pacingMet())
}

func countMet(runs []concRun) int {
	n := 0
	for _, c := range runs {
		if c.pacingMet() {
			n++
		}
	}
	return n
}

// medianP99 is the run with the median p99 (by the bucket's upper bound),
// among the runs with a clean window; the first run when none has one.
func medianP99(runs []concRun) concRun {
	var ok []concRun
	for _, c := range runs {
		if c.win.clean() {
			ok = append(ok, c)
		}
	}
	if len(ok) == 0 {
		return runs[0]
	}
	sort.Slice(ok, func(i, j int) bool { return ok[i].p99.hi < ok[j].p99.hi })
	return ok[(len(ok)-1)/2]
}

package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// Soak targets.
const (
	soakFlatPct   = 10.0 // RSS, goroutines, open files within ±10 % after warm-up
	soakReturnPct = 20.0 // RSS within 20 % of before the load, once it stops
)

func mbOf(kb int) string       { return fmt.Sprintf("%.0f", float64(kb)/1024) }
func mbBytes(b float64) string { return fmt.Sprintf("%.0f", b/(1<<20)) }

func (sr *soakRun) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	host, _ := os.Hostname()
	p("# hotline soak")
	p("")
	p("Written by `make soak` (`go run ./bench -only soak`, bench/soak.go) on %s: %s, %d cores (shared), %s. "+
		"Everything runs over loopback against the real server binary.", time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		cpuModel(), runtime.NumCPU(), host)
	p("")
	p("**Target** (issue 11): %d concurrent calls of churn (set-up, prompt, DTMF, bridge to a scripted agent, hangup) held for %s: "+
		"RSS, goroutines and open files flat (within ±%.0f %% after warm-up), 0 failed calls; after the load stops, RSS back within %.0f %% "+
		"of its level before the load.", sr.calls, sr.hold, soakFlatPct, soakReturnPct)
	p("")
	last := soakSample{}
	if len(sr.after) > 0 {
		last = sr.after[len(sr.after)-1]
	}
	failed := sr.callerStats.failed + sr.unanswd + sr.agentErrors
	p("| Figure | Target | Result | |")
	p("|---|---|---|---|")
	p("| Failed calls | 0 | %d of %d (sipp: %d ok, %d failed; server: %d answered by an agent, %d not) | %s |", failed, sr.callerStats.ok+sr.callerStats.failed,
		sr.callerStats.ok, sr.callerStats.failed, sr.answered, sr.unanswd, verdict(len(sr.failures) == 0))
	p("| RSS after warm-up | ±%.0f %% | largest deviation %.1f %% | %s |", soakFlatPct, sr.flatRSS, verdict(sr.flatRSS <= soakFlatPct && sr.warmSamples() > 1))
	p("| Goroutines after warm-up | ±%.0f %% | largest deviation %.1f %% | %s |", soakFlatPct, sr.flatGo, verdict(sr.flatGo <= soakFlatPct && sr.warmSamples() > 1))
	p("| Open files after warm-up | ±%.0f %% | largest deviation %.1f %% | %s |", soakFlatPct, sr.flatFDs, verdict(sr.flatFDs <= soakFlatPct && sr.warmSamples() > 1))
	p("| RSS after the load vs before | ≤ +%.0f %% | %s MB → %s MB (%+.1f %%), %s after the last call | %s |", soakReturnPct,
		mbOf(sr.before.rssKB), mbOf(last.rssKB), sr.returnedPct, *soakSettle, verdict(sr.returnedPct <= soakReturnPct))
	p("")
	p("Deviations are from the first sample after the warm-up (%s of the %s); a verdict needs at least two samples after it.", sr.warmup, sr.hold)
	p("")
	if len(sr.failures) > 0 {
		p("**Failures and their causes:**")
		p("")
		for _, f := range sr.failures {
			p("- %s", f)
		}
		p("")
	}
	p("## How it runs")
	p("")
	p("- Server: the binary built from this tree, dialplan `bench/soak.yaml` (greeting, menu, \"1\" → queue `soak` with strategy "+
		"`skills`), %d agents agent001… in a generated hotline.yaml (digest `ha1`, `ring: sip`, skill `soak`), defaults otherwise "+
		"(memory returned after call peaks, post-call analysis on).", sr.agents)
	p("- Agents: one sipp registers every agent with digest from one socket (`bench/soak_agent.xml`, refreshing the binding) " +
		"and answers the calls the server offers on that socket (`-oocsf bench/soak_agent_answer.xml`), echoing their RTP (`-rtp_echo`).")
	p("- Callers: sipp `bench/soak_caller.xml`: INVITE (PCMA), %d ms of greeting and menu, \"1\" as RFC 4733, %d ms for the queue "+
		"to put the call through, %d ms of talk (g711a.pcap, echoed by the agent through the bridge), BYE. `-l %d` holds the calls up; "+
		"%d calls/s are offered so that the limit, not the rate, sets it. The server's `hotline_calls_total{disposition=\"answered\"}` "+
		"counts the calls an agent answered.", soakGreetMs, soakWaitMs, soakTalkMs, sr.calls, sr.rate)
	p("- Before the load: 50 warm-up calls, then 45 s idle; that idle level is \"before\". Just started with the agents registered: "+
		"RSS %s MB, live heap %s MB.", mbOf(sr.cold.rssKB), mbBytes(sr.cold.heapAlloc))
	p("")
	p("```")
	p("go run -tags opus ./bench -only soak -soak %s -soak-calls %d -soak-agents %d -soak-every %s -soak-settle %s -soak-burst %d -soak-out %s",
		sr.hold, sr.calls, sr.agents, *soakEvery, *soakSettle, *soakBurst, *soakOut)
	p("%s", sr.agentCmd)
	p("%s", sr.callerCmd)
	p("```")
	p("")
	p("## Time series")
	p("")
	p("Every %s during the load, every 10 s after it. Heap: Go heap in live objects and garbage not yet collected "+
		"(`go_memstats_heap_alloc_bytes`), in spans (`heap_inuse`), and returned to the system (`heap_released`). "+
		"Calls: ended at the server since the load started, answered by an agent / not; sipp: the callers' successful / failed calls.", *soakEvery)
	p("")
	p("| t | phase | calls up | RSS MB | anon / file MB | heap live MB | heap in use MB | heap released MB | goroutines | open fds | answered / not | sipp ok / failed | memory returns |")
	p("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	row := func(x soakSample) {
		ph := x.phase
		if ph == "load" && !x.warm {
			ph = "warm-up"
		}
		p("| %s | %s | %d | %s | %s / %s | %s | %s | %s | %d | %d | %d / %d | %d / %d | %d |", x.at, ph, x.active, mbOf(x.rssKB), mbOf(x.anonKB), mbOf(x.fileKB), mbBytes(x.heapAlloc),
			mbBytes(x.heapInuse), mbBytes(x.heapReleased), x.goroutines, x.fds, x.answered-sr.before.answered, x.notAnswered-sr.before.notAnswered,
			x.callerOK, x.callerFailed, x.trims)
	}
	before := sr.before
	before.at = 0
	row(before)
	for _, x := range sr.series {
		row(x)
	}
	for _, x := range sr.after {
		row(x)
	}
	p("")
	if sr.heapTop != "" {
		p("## What the heap holds after the load")
		p("")
		p("In-use heap by allocation site after a forced collection, %s after the last call (`/debug/pprof/heap?gc=1`, `go tool pprof -top`):", *soakSettle)
		p("")
		p("```")
		p("%s", strings.TrimSpace(sr.heapTop))
		p("```")
		p("")
	}
	if len(sr.burst) > 0 {
		sr.burstMarkdown(p)
	}
	return b.String()
}

func (sr *soakRun) warmSamples() int {
	n := 0
	for _, x := range sr.series {
		if x.warm {
			n++
		}
	}
	return n
}

func (sr *soakRun) burstMarkdown(p func(string, ...any)) {
	p("## Memory after a burst")
	p("")
	p("%d calls through the demo dialplan (`configs/dialplan.yaml`, greeting and menu, no agent) at 300 calls/s, 3 s each "+
		"(`e2e/peers/scenarios/uac_load.xml`), then nothing; once with `memory: {return_after_peak: false}` (the runtime's own "+
		"background scavenger only), once with the default, where the server returns freed memory to the system once calls have "+
		"stayed below half their peak for 30 s, and twice more a minute apart (memtrim). RSS from /proc, heap from /metrics.", sr.burst[0].calls)
	p("")
	p("| memory returned after peaks | sipp ok / failed | RSS before MB | RSS peak MB | RSS 30 s after MB | RSS 90 s after MB | live heap 90 s after MB | heap released 90 s after MB | after vs before |")
	p("|---|---|---|---|---|---|---|---|---|")
	for _, b := range sr.burst {
		on := "no (before)"
		if b.returnMemory {
			on = "yes (default)"
		}
		p("| %s | %d / %d | %s | %s | %s | %s | %s | %s | %+.0f %% |", on, b.run.ok, b.run.failed, mbOf(b.before.rssKB), mbOf(b.peak.rssKB),
			mbOf(b.after30.rssKB), mbOf(b.after.rssKB), mbBytes(b.after.heapAlloc), mbBytes(b.after.heapReleased),
			100*(float64(b.after.rssKB)-float64(b.before.rssKB))/float64(b.before.rssKB))
	}
	p("")
	p("```")
	p("%s", sr.burst[0].run.cmdline())
	p("```")
	p("")
}

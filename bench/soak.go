package main

// The soak (make soak): calls of churn held at a constant number for a
// bounded time against the real server, with scripted agents answering, and
// a time series of what the process holds. Targets (issue 11): RSS,
// goroutines and open files flat after warm-up (±10 %), no failed call, and
// RSS back within 20 % of its level before the load once the load stops.
//
// The callers are sipp (bench/soak_caller.xml): INVITE, the greeting and the
// menu, "1" in RFC 4733, the queue puts them through to an agent, a few
// seconds of talk, BYE. The agents are one more sipp (bench/soak_agent.xml)
// that registers agent001… with digest from one socket and, with
// -oocsf bench/soak_agent_answer.xml, answers on that socket the calls the
// server offers, echoing their RTP: caller and agent really are bridged.

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var (
	soakFor    = flag.Duration("soak", 15*time.Minute, "soak: how long the load is held")
	soakCalls  = flag.Int("soak-calls", 500, "soak: concurrent calls")
	soakAgents = flag.Int("soak-agents", 600, "soak: scripted agents registered")
	soakEvery  = flag.Duration("soak-every", 30*time.Second, "soak: sampling interval of the time series")
	soakSettle = flag.Duration("soak-settle", 3*time.Minute, "soak: how long to watch memory after the load stops")
	soakBurst  = flag.Int("soak-burst", 3000, "soak: calls of the memory burst run before the soak (0: none)")
	soakOut    = flag.String("soak-out", "SOAK.md", "soak: report file")
)

// The caller's timing (soak_caller.xml keys): greeting and menu, the wait
// for the agent after pressing 1, the talk. A call lasts about their sum.
const (
	soakGreetMs = 2500
	soakWaitMs  = 1500
	soakTalkMs  = 5000
	soakToken   = "soak-admin-token"
	soakRealm   = "hotline"
)

// Port plan: everything outside the server's RTP range (20000-39999).
const (
	soakCallerPort, soakCallerMedia = 45000, 46000
	soakAgentPort, soakAgentMedia   = 47000, 48000
)

// soakSample is one point of the time series.
type soakSample struct {
	at                     time.Duration // since the load started (negative: before it)
	phase                  string        // before, load, after
	active                 int           // calls in progress (server)
	rssKB, anonKB, fileKB  int           // resident: all, anonymous (heap, stacks, C), file-backed (binary, bbolt's mmap)
	heapAlloc, heapInuse   float64       // bytes
	heapReleased, heapSys  float64
	goroutines, fds        int
	answered, notAnswered  int  // calls ended at the server: bridged to an agent, or not
	callerOK, callerFailed int  // the caller sipp's counters
	trims                  int  // memory returns (hotline_memory_returns_total)
	warm                   bool // after the warm-up: judged for flatness
}

type soakRun struct {
	calls, agents     int
	hold              time.Duration
	rate              int
	cold              soakSample // just started, agents registered, no call yet
	before            soakSample // after the warm-up calls, idle
	series            []soakSample
	after             []soakSample
	callerCmd         string
	agentCmd          string
	caller            sippProc
	callerStats       sippCounts
	agentErrors       int
	failures          []string // causes, for the report
	warmup            time.Duration
	flatRSS, flatGo   float64 // largest deviation from the reference after warm-up, %
	flatFDs           float64
	returnedPct       float64 // after vs before, %
	answered, unanswd int
	burst             []burstRun
	heapTop           string // the largest in-use allocation sites after the load
}

func runSoak(bin string) {
	sr := &soakRun{calls: *soakCalls, agents: *soakAgents, hold: *soakFor}
	if *soakBurst > 0 {
		for _, ret := range []bool{false, true} {
			sr.burst = append(sr.burst, oneBurst(bin, *soakBurst, ret))
		}
	}
	sr.run(bin)
	if err := os.WriteFile(*soakOut, []byte(sr.markdown()), 0o644); err != nil {
		fatal(err)
	}
	fmt.Println("wrote", *soakOut)
	if len(sr.failures) > 0 {
		os.Exit(1)
	}
}

// soakServer starts the server with n agents agent001… (password pw-agentNNN,
// skill soak) and writes the sipp injection file with their credentials.
func soakServer(bin string, n int, dialplan string, returnMemory bool) (*server, string) {
	dir, err := os.MkdirTemp("", "hotline-soak")
	if err != nil {
		fatal(err)
	}
	abs, _ := filepath.Abs(dialplan)
	s := &server{dir: dir, sipPort: freePort(), httpAddr: fmt.Sprintf("127.0.0.1:%d", freePort())}
	var b strings.Builder
	fmt.Fprintf(&b, `sip:
  listen: 127.0.0.1:%d
  advertise_ip: 127.0.0.1
  rtp_ip: 127.0.0.1
  realm: %s
  rtp_ports: 20000-39999
  rtp_timeout: 60s
http:
  listen: %s
  admin_token: %s
store: data/hotline.db
dialplan: %s
drain_timeout: 5s
log_level: warn
tts:
  engine: espeak
  cache_dir: data/tts-cache
memory:
  return_after_peak: %v
agents:
`, s.sipPort, soakRealm, s.httpAddr, soakToken, abs, returnMemory)
	inf := "SEQUENTIAL\n"
	for i := 1; i <= n; i++ {
		id, pw := fmt.Sprintf("agent%03d", i), fmt.Sprintf("pw-agent%03d", i)
		// ha1, not password: no bcrypt hash of a desktop login per agent at start.
		h := md5.Sum([]byte(id + ":" + soakRealm + ":" + pw))
		fmt.Fprintf(&b, "  - id: %s\n    ha1: %s\n    ring: sip\n    skills: {soak: 1}\n", id, hex.EncodeToString(h[:]))
		inf += fmt.Sprintf("%s;[authentication username=%s password=%s]\n", id, id, pw)
	}
	if n == 0 { // the burst: the demo's agents
		b.WriteString("  - id: alice\n    password: alice-demo\n  - id: bob\n    password: bob-demo\n")
	}
	infFile := filepath.Join(dir, "agents.csv")
	if err := os.WriteFile(infFile, []byte(inf), 0o644); err != nil {
		fatal(err)
	}
	s.launch(bin, b.String())
	return s, infFile
}

// sippProc is a sipp running in the background, in dir (where it writes its
// error and statistics files).
type sippProc struct {
	cmd  *exec.Cmd
	out  *strings.Builder
	dir  string
	done chan struct{}
	line string
}

func startSipp(dir string, nice int, args ...string) *sippProc {
	full := append([]string{"-n", strconv.Itoa(nice), "sipp"}, args...)
	p := &sippProc{cmd: exec.Command("nice", full...), out: &strings.Builder{}, dir: dir, done: make(chan struct{}),
		line: "nice " + strings.Join(full, " ")}
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		fatal(fmt.Errorf("sipp: %w", err))
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	return p
}

// stopGracefully asks sipp to place no new calls and to end when the calls
// in progress have (SIGUSR1), killing it after bound.
func (p *sippProc) stopGracefully(bound time.Duration) bool {
	_ = p.cmd.Process.Signal(syscall.SIGUSR1)
	select {
	case <-p.done:
		return true
	case <-time.After(bound):
		_ = p.cmd.Process.Kill()
		<-p.done
		return false
	}
}

func (p *sippProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// errorLines counts the calls sipp aborted, from its *_errors.log files.
func (p *sippProc) errorLines() (n int, first string) {
	files, _ := filepath.Glob(filepath.Join(p.dir, "*_errors.log"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, l := range strings.Split(string(b), "\n") {
			if i := strings.Index(l, "Aborting call"); i >= 0 || strings.Contains(l, "Call failed") {
				n++
				if first == "" {
					first = strings.TrimSpace(l)
				}
			}
		}
	}
	return n, first
}

// sippCounts are the caller's cumulative counters from its -trace_stat file.
type sippCounts struct {
	ok, failed int
	byCause    map[string]int // Failed* columns that are not zero
}

func readSippStats(file string) sippCounts {
	c := sippCounts{byCause: map[string]int{}}
	b, err := os.ReadFile(file)
	if err != nil {
		return c
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 2 {
		return c
	}
	head, last := strings.Split(lines[0], ";"), strings.Split(lines[len(lines)-1], ";")
	for i, h := range head {
		if i >= len(last) || !strings.HasSuffix(h, "(C)") {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSpace(last[i]))
		if err != nil {
			continue
		}
		switch name := strings.TrimSuffix(h, "(C)"); {
		case name == "SuccessfulCall":
			c.ok = v
		case name == "FailedCall":
			c.failed = v
		case strings.HasPrefix(name, "Failed") && v > 0:
			c.byCause[name] = v
		}
	}
	return c
}

// sample reads the server's /metrics and /proc.
func sample(s *server, phase string, t0 time.Time, stats string) soakSample {
	m := scrape(s.httpAddr)
	pid := s.cmd.Process.Pid
	x := soakSample{at: time.Since(t0).Round(time.Second), phase: phase, rssKB: rssKB(pid), anonKB: statusKB(pid, "RssAnon:"), fileKB: statusKB(pid, "RssFile:"),
		active: int(m["hotline_active_calls"]), heapAlloc: m["go_memstats_heap_alloc_bytes"], heapInuse: m["go_memstats_heap_inuse_bytes"],
		heapReleased: m["go_memstats_heap_released_bytes"], heapSys: m["go_memstats_heap_sys_bytes"],
		goroutines: int(m["go_goroutines"]), fds: int(m["process_open_fds"]), trims: int(m["hotline_memory_returns_total"]),
		answered: int(m[`hotline_calls_total{disposition="answered"}`]), notAnswered: int(m["hotline_calls_total"] - m[`hotline_calls_total{disposition="answered"}`])}
	if stats != "" {
		c := readSippStats(stats)
		x.callerOK, x.callerFailed = c.ok, c.failed
	}
	return x
}

// scrape reads every sample of /metrics: by full series name, and summed by
// metric name, and for hotline_calls_total by disposition.
func scrape(addr string) map[string]float64 {
	m := map[string]float64{}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return m
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(l, ' ')
		if sp < 0 {
			continue
		}
		v, err := strconv.ParseFloat(l[sp+1:], 64)
		if err != nil {
			continue
		}
		series := l[:sp]
		name := series
		if i := strings.IndexByte(series, '{'); i >= 0 {
			name = series[:i]
			if name == "hotline_calls_total" {
				if j := strings.Index(series, `disposition="`); j >= 0 {
					d := series[j+len(`disposition="`):]
					d = d[:strings.IndexByte(d, '"')]
					m[`hotline_calls_total{disposition="`+d+`"}`] += v
				}
			}
		}
		m[name] += v
	}
	return m
}

// waitAgents waits until n agents have a SIP phone registered.
func waitAgents(s *server, n int, bound time.Duration) int {
	deadline := time.Now().Add(bound)
	online := 0
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", "http://"+s.httpAddr+"/api/agents", nil)
		req.Header.Set("Authorization", "Bearer "+soakToken)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			var list []struct {
				Devices []string `json:"devices"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&list)
			resp.Body.Close()
			online = 0
			for _, a := range list {
				for _, d := range a.Devices {
					if d == "sip" {
						online++
					}
				}
			}
			if online >= n {
				return online
			}
		}
		time.Sleep(time.Second)
	}
	return online
}

func waitIdle(s *server, bound time.Duration) {
	deadline := time.Now().Add(bound)
	for time.Now().Before(deadline) {
		if v, ok := metricValue(s.httpAddr, "hotline_active_calls"); ok && v == 0 {
			return
		}
		time.Sleep(time.Second)
	}
}

func (sr *soakRun) callerArgs(remote, stats string, calls, limit, rate int, timeout time.Duration) []string {
	return []string{remote, "-sf", abs("bench/soak_caller.xml"), "-s", "4008001234",
		"-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", strconv.Itoa(soakCallerPort), "-mp", strconv.Itoa(soakCallerMedia),
		"-r", strconv.Itoa(rate), "-l", strconv.Itoa(limit), "-m", strconv.Itoa(calls),
		"-key", "greet_ms", strconv.Itoa(soakGreetMs), "-key", "wait_ms", strconv.Itoa(soakWaitMs), "-key", "talk_ms", strconv.Itoa(soakTalkMs),
		"-timeout", strconv.Itoa(int(timeout.Seconds())) + "s", "-max_socket", "60000", "-nostdin", "-trace_err",
		"-trace_stat", "-stf", stats, "-fd", "5"}
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		fatal(err)
	}
	return a
}

func (sr *soakRun) run(bin string) {
	srv, inf := soakServer(bin, sr.agents, "bench/soak.yaml", true)
	defer srv.stop()
	remote := fmt.Sprintf("127.0.0.1:%d", srv.sipPort)
	t0 := time.Now()

	agentArgs := []string{remote, "-sf", abs("bench/soak_agent.xml"), "-oocsf", abs("bench/soak_agent_answer.xml"),
		"-inf", inf, "-m", strconv.Itoa(sr.agents), "-l", strconv.Itoa(sr.agents), "-r", "100",
		"-p", strconv.Itoa(soakAgentPort), "-mp", strconv.Itoa(soakAgentMedia), "-rtp_echo",
		"-i", "127.0.0.1", "-mi", "127.0.0.1", "-key", "expires", "3600", "-key", "refresh_ms", "1800000",
		"-max_socket", "60000", "-nostdin", "-nd", "-trace_err"}
	agentDir, _ := os.MkdirTemp(srv.dir, "agents")
	agents := startSipp(agentDir, 5, agentArgs...)
	defer agents.kill()
	sr.agentCmd = agents.line
	if n := waitAgents(srv, sr.agents, 60*time.Second); n < sr.agents {
		sr.failures = append(sr.failures, fmt.Sprintf("only %d of %d agents registered in 60 s; sipp said: %s", n, sr.agents, sippSaid(agents.out.String())))
		return
	}
	logf("soak: %d agents registered", sr.agents)
	sr.cold = sample(srv, "cold", t0, "")

	// Warm-up: a few calls down the whole path (prompts synthesised and
	// cached, code paths paged in), then idle until the memory trimmer has
	// had its chance: the level the load is compared to afterwards.
	warmDir, _ := os.MkdirTemp(srv.dir, "warm")
	warmStats := filepath.Join(warmDir, "stat.csv")
	warm := startSipp(warmDir, 0, sr.callerArgs(remote, warmStats, 50, 50, 25, 2*time.Minute)...)
	<-warm.done
	wc := readSippStats(warmStats)
	logf("soak: warm-up %d ok, %d failed", wc.ok, wc.failed)
	waitIdle(srv, 30*time.Second)
	time.Sleep(45 * time.Second)
	sr.before = sample(srv, "before", t0, "")

	// The load: sipp holds -l calls; the rate is a little above calls/duration
	// so that the limit, not the rate, sets the number of calls up.
	callSecs := float64(soakGreetMs+soakWaitMs+soakTalkMs)/1000 + 0.3
	sr.rate = int(float64(sr.calls)/callSecs*1.15) + 1
	maxCalls := int(float64(sr.rate)*sr.hold.Seconds()) + sr.calls
	loadDir, _ := os.MkdirTemp(srv.dir, "load")
	stats := filepath.Join(loadDir, "stat.csv")
	caller := startSipp(loadDir, 0, sr.callerArgs(remote, stats, maxCalls, sr.calls, sr.rate, sr.hold+2*time.Minute)...)
	sr.callerCmd = caller.line
	start := time.Now()
	sr.warmup = max(time.Minute, sr.hold/5)
	logf("soak: %d calls of churn for %s (%d calls/s offered, warm-up %s)", sr.calls, sr.hold, sr.rate, sr.warmup)
	tick := time.NewTicker(*soakEvery)
	ended := false
	for !ended {
		select {
		case <-caller.done:
			ended = true // before its time: counted as a failure below
		case <-tick.C:
			x := sample(srv, "load", start, stats)
			x.warm = x.at > sr.warmup
			sr.series = append(sr.series, x)
			logf("soak %s: %d calls up, RSS %d MB, heap %.0f MB, %d goroutines, %d fds, %d answered, %d other, sipp %d ok %d failed",
				x.at, x.active, x.rssKB>>10, x.heapAlloc/(1<<20), x.goroutines, x.fds, x.answered-sr.before.answered,
				x.notAnswered-sr.before.notAnswered, x.callerOK, x.callerFailed)
			if time.Since(start) >= sr.hold {
				ended = true
			}
		}
	}
	tick.Stop()
	if !caller.stopGracefully(time.Minute) {
		sr.failures = append(sr.failures, "the callers' sipp did not end within a minute of being asked to stop")
	}
	sr.caller = *caller
	sr.callerStats = readSippStats(stats)
	waitIdle(srv, time.Minute)

	// After the load: the agents stay registered, as before it.
	end := time.Now()
	for time.Since(end) < *soakSettle {
		time.Sleep(10 * time.Second)
		sr.after = append(sr.after, sample(srv, "after", start, stats))
	}
	sr.heapTop = heapTop(srv)
	sr.judge(srv, agents)
}

// judge turns the series into verdicts and the failures into causes.
func (sr *soakRun) judge(srv *server, agents *sippProc) {
	last := sr.after[len(sr.after)-1]
	sr.answered = last.answered - sr.before.answered
	sr.unanswd = last.notAnswered - sr.before.notAnswered
	c := sr.callerStats
	if c.failed > 0 {
		causes := []string{}
		for k, v := range c.byCause {
			causes = append(causes, fmt.Sprintf("%s %d", k, v))
		}
		sort.Strings(causes)
		n, first := sr.caller.errorLines()
		sr.failures = append(sr.failures, fmt.Sprintf("sipp (callers): %d failed calls (%s); %d aborted calls in its error log, the first: %s",
			c.failed, strings.Join(causes, ", "), n, first))
	}
	if sr.unanswd > 0 {
		m := scrape(srv.httpAddr)
		disp := map[string]int{}
		for k, v := range m {
			if d, ok := strings.CutPrefix(k, `hotline_calls_total{disposition="`); ok {
				disp[strings.TrimSuffix(d, `"}`)] = int(v)
			}
		}
		sr.failures = append(sr.failures, fmt.Sprintf("server: %d calls ended without reaching an agent (dispositions since the server started: %v); some of them: %s",
			sr.unanswd, disp, strings.Join(unansweredCalls(srv, disp), "; ")))
	}
	if len(sr.failures) > 0 { // keep the server's log for a look at the causes
		keep := filepath.Join(os.TempDir(), "hotline-soak-server.log")
		if b, err := os.ReadFile(srv.logFile); err == nil && os.WriteFile(keep, b, 0o644) == nil {
			sr.failures = append(sr.failures, "the server's log is kept in "+keep)
		}
	}
	if sr.answered != c.ok {
		sr.failures = append(sr.failures, fmt.Sprintf("server counted %d calls answered by an agent, sipp %d successful calls", sr.answered, c.ok))
	}
	if n, first := agents.errorLines(); n > 0 {
		sr.agentErrors = n
		sr.failures = append(sr.failures, fmt.Sprintf("sipp (agents): %d aborted calls, the first: %s", n, first))
	}
	if w := serverWarnings(srv.logFile); w != "" {
		sr.failures = append(sr.failures, "server log (warnings and errors, by message): "+w)
	}
	var ref *soakSample
	for i := range sr.series {
		x := &sr.series[i]
		if !x.warm {
			continue
		}
		if ref == nil {
			ref = x
		}
		sr.flatRSS = max(sr.flatRSS, dev(float64(x.rssKB), float64(ref.rssKB)))
		sr.flatGo = max(sr.flatGo, dev(float64(x.goroutines), float64(ref.goroutines)))
		sr.flatFDs = max(sr.flatFDs, dev(float64(x.fds), float64(ref.fds)))
	}
	sr.returnedPct = 100 * (float64(last.rssKB) - float64(sr.before.rssKB)) / float64(sr.before.rssKB)
}

func dev(v, ref float64) float64 {
	if ref == 0 {
		return 0
	}
	d := 100 * (v - ref) / ref
	if d < 0 {
		return -d
	}
	return d
}

// serverWarnings groups the server log's WARN and ERROR lines by message.
func serverWarnings(file string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	counts := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if !strings.Contains(l, "level=WARN") && !strings.Contains(l, "level=ERROR") {
			continue
		}
		msg := l
		if i := strings.Index(l, "msg="); i >= 0 {
			msg = l[i+4:]
			if strings.HasPrefix(msg, `"`) {
				if j := strings.Index(msg[1:], `"`); j >= 0 {
					msg = msg[1 : j+1]
				}
			} else if j := strings.IndexByte(msg, ' '); j >= 0 {
				msg = msg[:j]
			}
		}
		if strings.HasPrefix(msg, "admin API disabled") {
			continue
		}
		counts[msg]++
	}
	var out []string
	for m, n := range counts {
		out = append(out, fmt.Sprintf("%q × %d", m, n))
	}
	sort.Strings(out)
	if len(out) > 10 {
		out = append(out[:10], "…")
	}
	return strings.Join(out, "; ")
}

// ---- the memory burst: a peak of calls, then nothing ----

type burstRun struct {
	calls          int
	returnMemory   bool
	run            sippRun
	before, peak   soakSample
	after30, after soakSample // 30 s and 90 s after the last call ended
}

// oneBurst puts calls through the demo dialplan at 300 calls/s, 3 s each,
// and watches RSS before, at the peak and after.
func oneBurst(bin string, calls int, returnMemory bool) burstRun {
	srv, _ := soakServer(bin, 0, "configs/dialplan.yaml", returnMemory)
	defer srv.stop()
	b := burstRun{calls: calls, returnMemory: returnMemory}
	t0 := time.Now()
	b.before = sample(srv, "before", t0, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			if x := sample(srv, "peak", t0, ""); x.rssKB > b.peak.rssKB {
				b.peak = x
			}
			time.Sleep(time.Second)
		}
	}()
	b.run = runSippNice(5, fmt.Sprintf("127.0.0.1:%d", srv.sipPort), soakCallerPort, "e2e/peers/scenarios/uac_load.xml",
		"-s", "4008001234", "-r", "300", "-m", strconv.Itoa(calls), "-l", strconv.Itoa(calls), "-mp", strconv.Itoa(soakCallerMedia),
		"-key", "call_ms", "3000", "-timeout", "120s", "-max_socket", "60000")
	cancel()
	waitIdle(srv, time.Minute)
	time.Sleep(30 * time.Second)
	b.after30 = sample(srv, "after", t0, "")
	time.Sleep(60 * time.Second)
	b.after = sample(srv, "after", t0, "")
	logf("burst of %d calls (memory return %v): %d ok %d failed; RSS %d → peak %d → %d (30 s) → %d MB (90 s); live heap after %.0f MB",
		calls, returnMemory, b.run.ok, b.run.failed, b.before.rssKB>>10, b.peak.rssKB>>10, b.after30.rssKB>>10, b.after.rssKB>>10, b.after.heapAlloc/(1<<20))
	return b
}

// sippSaid picks sipp's own complaints out of its output (the lines before its screens).
func sippSaid(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "rror") || strings.Contains(l, "nable") || strings.Contains(l, "Abort") {
			keep = append(keep, strings.TrimSpace(l))
		}
		if len(keep) == 3 {
			break
		}
	}
	return strings.Join(keep, " / ")
}

// statusKB reads one kB field of /proc/pid/status.
func statusKB(pid int, field string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field) {
			n, _ := strconv.Atoi(strings.Fields(l)[1])
			return n
		}
	}
	return 0
}

// heapTop takes a heap profile after a collection and lists the largest
// in-use allocation sites (go tool pprof -top), to show what stays.
func heapTop(s *server) string {
	req, _ := http.NewRequest("GET", "http://"+s.httpAddr+"/debug/pprof/heap?gc=1", nil)
	req.Header.Set("Authorization", "Bearer "+soakToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	f := filepath.Join(s.dir, "heap.pb.gz")
	out, err := os.Create(f)
	if err != nil {
		return ""
	}
	_, _ = io.Copy(out, resp.Body)
	out.Close()
	b, err := exec.Command("go", "tool", "pprof", "-sample_index=inuse_space", "-top", "-nodecount=12", f).Output()
	if err != nil {
		return ""
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if strings.Contains(l, "flat%") && i > 0 {
			return strings.Join(lines[i-1:], "\n")
		}
	}
	return string(b)
}

// unansweredCalls describes a few of the calls that ended without an agent,
// from their records (/api/calls): how far each got and who hung up.
func unansweredCalls(s *server, dispositions map[string]int) []string {
	get := func(path string, v any) error {
		req, _ := http.NewRequest("GET", "http://"+s.httpAddr+path, nil)
		req.Header.Set("Authorization", "Bearer "+soakToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(v)
	}
	var out []string
	for d, n := range dispositions {
		if d == "answered" || n == 0 {
			continue
		}
		var page struct {
			Calls []struct {
				ID string `json:"id"`
			} `json:"calls"`
		}
		if err := get("/api/calls/search?limit=3&disposition="+d, &page); err != nil {
			out = append(out, fmt.Sprintf("%d calls %s (records: %v)", n, d, err))
			continue
		}
		for _, c := range page.Calls {
			var rec struct {
				Disposition string `json:"disposition"`
				HangupBy    string `json:"hangup_by"`
				Cause       string `json:"hangup_cause"`
				Queue       string `json:"queue"`
				Path        []struct {
					Node    string `json:"node"`
					Outcome string `json:"edge"`
				} `json:"path"`
			}
			if err := get("/api/calls/"+c.ID, &rec); err != nil {
				continue
			}
			var path []string
			for _, p := range rec.Path {
				path = append(path, strings.TrimSuffix(p.Node+":"+p.Outcome, ":"))
			}
			out = append(out, fmt.Sprintf("%s: %s (%d such), hangup by %q cause %q, queue %q, path %s", c.ID, rec.Disposition, n,
				rec.HangupBy, rec.Cause, rec.Queue, strings.Join(path, " → ")))
		}
	}
	sort.Strings(out)
	return out
}

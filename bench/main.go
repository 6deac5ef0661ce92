// Command bench measures hotline and writes BENCHMARKS.md: Go benchmarks
// of the hot paths, sipp load runs against the real server over loopback
// (call setup rate, concurrent calls with RTP both ways, RTP pacing, the
// voice bot), and Go SIP callers timing barge-in where a phone hears it.
//
//	go run ./bench -out BENCHMARKS.md          (what `make bench` runs)
//	go run ./bench -quick                      (shorter runs, for a smoke test)
//	go run ./bench -only bargein -out x.md     (one part only)
//	go run ./bench -only search -out x.md      (/calls search over 100,000 stored calls; no server)
//	go run ./bench -only analysis -out x.md    (post-call analysis of 3-minute calls, embedded analysers; no server)
//	go run ./bench -only amd -merge            (answering-machine detection on the labelled set; no server)
//	go run ./bench -only dialer -out x.md      (predictive dialer decisions per second and simulated abandon rates; no server)
//	go run ./bench -only soak -soak 15m        (make soak: 500 calls of churn held for 15 minutes; writes SOAK.md)
//
// Every load loop is bounded in calls and time and sends only to 127.0.0.1.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/media/opus"
)

var (
	out       = flag.String("out", "BENCHMARKS.md", "report file")
	quick     = flag.Bool("quick", false, "short runs (smoke test)")
	skipGo    = flag.Bool("skip-go", false, "skip the Go micro-benchmarks")
	callsFlag = flag.Int("calls", 0, "concurrent part: hold this many calls instead of the target's (with -quick: 200)")
	only      = flag.String("only", "", "run these parts only, comma-separated: go, rate, concurrent, wideband, bot, bargein, recording, search, analysis, amd, dialer, chat, soak (soak writes SOAK.md)")
	merge     = flag.Bool("merge", false, "with -only: replace those parts' sections in the existing -out file and keep the others")
	goFrom    = flag.String("go-from", "", "read Go benchmark output from this file instead of running it")
)

func main() {
	flag.Parse()
	if *only == "soak" { // its own report and target (make soak)
		runSoak(build())
		return
	}
	r := &report{started: time.Now()}
	parts := map[string]bool{}
	for _, p := range strings.Split(*only, ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts[p] = true
		}
	}
	part := func(name string) bool { return len(parts) == 0 || parts[name] }
	if !*skipGo && part("go") {
		r.goBench()
	}
	if part("search") {
		r.searchBench()
	}
	if part("analysis") {
		r.analysisBench()
	}
	if part("amd") {
		r.amdBench()
	}
	if part("dialer") {
		r.dialerBench()
	}
	var bin string
	if needsServer(parts) {
		bin = build()
	}
	if part("rate") {
		r.setupRate(bin)
	}
	if part("concurrent") {
		r.concurrent(bin)
	}
	if part("wideband") {
		r.wideband(bin)
	}
	if part("bot") {
		r.botCalls(bin)
	}
	if part("bargein") {
		r.bargeIn(bin)
	}
	if part("recording") {
		r.recordingBench()
	}
	if part("chat") {
		r.chatBench(bin)
	}
	md := r.markdown()
	if *merge && len(parts) > 0 {
		old, err := os.ReadFile(*out)
		if err != nil {
			fatal(fmt.Errorf("-merge: %w", err))
		}
		names := make([]string, 0, len(parts))
		for p := range parts {
			names = append(names, p)
		}
		sort.Strings(names)
		md = mergeReport(string(old), md, fmt.Sprintf("Rewritten in part on %s by `go run ./bench -only %s -merge` (these parts: %s); every other section is from the run named above.",
			r.started.UTC().Format("2006-01-02 15:04 UTC"), *only, strings.Join(names, ", ")))
	}
	if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
		fatal(err)
	}
	fmt.Println("wrote", *out)
}

// needsServer tells whether any chosen part runs the server (search,
// analysis, amd and dialer do not).
func needsServer(parts map[string]bool) bool {
	if len(parts) == 0 {
		return true
	}
	for p := range parts {
		if p != "search" && p != "analysis" && p != "amd" && p != "dialer" {
			return true
		}
	}
	return false
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

func build() string {
	dir, err := os.MkdirTemp("", "hotline-bench")
	if err != nil {
		fatal(err)
	}
	bin := filepath.Join(dir, "hotline")
	cmd := exec.Command("go", append(append([]string{"build"}, tagArgs()...), "-o", bin, "./cmd/hotline")...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fatal(err)
	}
	return bin
}

// tagArgs builds the server and benchmarks with Opus when this program was
// (make bench passes -tags opus where libopus is installed).
func tagArgs() []string {
	if opus.Available {
		return []string{"-tags", "opus"}
	}
	return nil
}

// ---- Go micro-benchmarks ----

type goResult struct {
	pkg, name       string
	nsOp            []float64
	bytesOp, allocs string
	extra           map[string][]float64 // custom metrics (p99-ns, p95-ms, …)
}

func (r *report) goBench() {
	count := "3"
	if *quick {
		count = "1"
	}
	args := append(append([]string{"test"}, tagArgs()...), "-run", "^$", "-bench", ".", "-benchmem", "-count", count,
		"./media/", "./media/opus/", "./acd/", "./store/", "./tts/", "./dialplan/", "./sip/", "./bot/", "./kb/", "./dialog/", "./rtc/", "./campaign/pacing/")
	r.goCmd = "go " + strings.Join(args, " ")
	var buf bytes.Buffer
	if *goFrom != "" {
		b, err := os.ReadFile(*goFrom)
		if err != nil {
			fatal(err)
		}
		buf.Write(b)
	} else {
		logf("running %s", r.goCmd)
		cmd := exec.Command("go", args...)
		cmd.Stdout = io.MultiWriter(&buf, os.Stderr)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			logf("go test -bench failed: %v", err)
		}
	}
	byName := map[string]*goResult{}
	pkg := ""
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "pkg: ") {
			pkg = strings.TrimPrefix(line, "pkg: github.com/hotline-cc/hotline/")
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || f[3] != "ns/op" {
			continue
		}
		ns, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			continue
		}
		name := strings.TrimSuffix(f[0], "-"+strconv.Itoa(runtime.GOMAXPROCS(0)))
		key := pkg + "." + name
		g := byName[key]
		if g == nil {
			g = &goResult{pkg: pkg, name: name}
			byName[key] = g
			r.goResults = append(r.goResults, g)
		}
		g.nsOp = append(g.nsOp, ns)
		for i := 4; i+1 < len(f); i += 2 {
			switch unit := f[i+1]; unit {
			case "B/op":
				g.bytesOp = f[i]
			case "allocs/op":
				g.allocs = f[i]
			case "MB/s":
			default:
				if v, err := strconv.ParseFloat(f[i], 64); err == nil {
					if g.extra == nil {
						g.extra = map[string][]float64{}
					}
					g.extra[unit] = append(g.extra[unit], v)
				}
			}
		}
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ---- the server under load ----

type server struct {
	cmd      *exec.Cmd
	dir      string
	sipPort  int
	httpAddr string
	logFile  string
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer starts the server on a dialplan. sections are more
// hotline.yaml sections (engines, admin_token, …); without a tts section the
// embedded espeak-ng speaks.
func startServer(bin, dialplan string, sections ...string) *server {
	dir, err := os.MkdirTemp("", "hotline-bench-srv")
	if err != nil {
		fatal(err)
	}
	abs, _ := filepath.Abs(dialplan)
	s := &server{dir: dir, sipPort: freePort(), httpAddr: fmt.Sprintf("127.0.0.1:%d", freePort())}
	cfg := fmt.Sprintf(`sip:
  listen: 127.0.0.1:%d
  advertise_ip: 127.0.0.1
  rtp_ip: 127.0.0.1
  rtp_ports: 20000-39999
  rtp_timeout: 60s
http:
  listen: %s
  admin_token: %s
store: data/hotline.db
dialplan: %s
drain_timeout: 5s
log_level: warn
agents:
  - id: alice
    password: alice-demo
  - id: bob
    password: bob-demo
`, s.sipPort, s.httpAddr, benchAdminToken, abs)
	extra := strings.Join(sections, "")
	if !strings.Contains(extra, "\ntts:") && !strings.HasPrefix(extra, "tts:") {
		extra += "tts:\n  engine: espeak\n  cache_dir: data/tts-cache\n"
	}
	cfg += extra
	s.launch(bin, cfg)
	return s
}

// launch writes cfg as the server's hotline.yaml in s.dir, starts the
// server and waits until it answers /healthz.
func (s *server) launch(bin, cfg string) {
	dir := s.dir
	if err := os.WriteFile(filepath.Join(dir, "hotline.yaml"), []byte(cfg), 0o644); err != nil {
		fatal(err)
	}
	s.logFile = filepath.Join(dir, "server.log")
	lf, err := os.Create(s.logFile)
	if err != nil {
		fatal(err)
	}
	s.cmd = exec.Command(bin, "serve", "-config", filepath.Join(dir, "hotline.yaml"))
	s.cmd.Stdout, s.cmd.Stderr = lf, lf
	if err := s.cmd.Start(); err != nil {
		fatal(err)
	}
	// Up to 30 s: seeding hundreds of agents' accounts takes a while.
	for i := 0; i < 600; i++ {
		if resp, err := http.Get("http://" + s.httpAddr + "/healthz"); err == nil {
			resp.Body.Close()
			// Let prompt synthesis for the first calls happen outside the measurement.
			time.Sleep(500 * time.Millisecond)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	fatal(fmt.Errorf("server did not start; see %s", s.logFile))
}

func (s *server) stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	os.RemoveAll(s.dir)
}

// cpuTicks returns the process's user+system CPU time in clock ticks (1/100 s).
func cpuTicks(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return u + k
}

func rssKB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			n, _ := strconv.Atoi(strings.Fields(l)[1])
			return n
		}
	}
	return 0
}

// sipp runs one sipp process to completion.
type sippRun struct {
	args              []string
	nice              int
	ok, failed, total int
	exit              int
	wall              time.Duration
	sippCPU           float64 // % of one core
	output            string
	// finished: sipp ended by itself and printed its final counts. A run it did not finish (it hung
	// and was killed) measured nothing.
	finished bool
}

func runSipp(remote string, port int, scenario string, extra ...string) sippRun {
	return runSippNice(0, remote, port, scenario, extra...)
}

// runSippNice runs sipp at a lower CPU priority (nice > 0): for the
// long-held calls, where the load generator echoing 50,000 packets/s must
// not starve the server whose pacing is measured. For the setup-rate runs
// sipp keeps normal priority: starved of CPU it answers late and the
// failures would be its own.
func runSippNice(nice int, remote string, port int, scenario string, extra ...string) sippRun {
	args := []string{remote, "-sf", scenario, "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", strconv.Itoa(port),
		"-nostdin", "-trace_stat", "-stf", os.DevNull}
	args = append(args, extra...)
	// sipp's own -timeout does not always stop it once calls hang: a hard
	// bound, its -timeout and a margin (5 minutes without one).
	bound := 5 * time.Minute
	for i, a := range extra {
		if a == "-timeout" && i+1 < len(extra) {
			if d, err := time.ParseDuration(extra[i+1]); err == nil {
				bound = d + 30*time.Second
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sipp", args...)
	if nice > 0 {
		cmd = exec.CommandContext(ctx, "nice", append([]string{"-n", strconv.Itoa(nice), "sipp"}, args...)...)
	}
	// At the bound sipp is asked to quit (SIGINT, as its q key), which
	// makes it print its counters; killed only if it does not go.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	t0 := time.Now()
	err := cmd.Run()
	r := sippRun{args: args, nice: nice, wall: time.Since(t0), output: buf.String()}
	if cmd.ProcessState != nil {
		r.exit = cmd.ProcessState.ExitCode()
		r.sippCPU = 100 * (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds() / r.wall.Seconds()
	} else if err != nil {
		r.exit = -1
	}
	r.ok = statValue(r.output, "Successful call")
	r.failed = statValue(r.output, "Failed call")
	r.total = r.ok + r.failed
	r.finished = strings.Contains(r.output, "Successful call") && ctx.Err() == nil
	return r
}

// statValue reads the cumulative column of sipp's final screen.
func statValue(out, name string) int {
	v := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, name) {
			f := strings.Split(l, "|")
			if len(f) >= 3 {
				n, err := strconv.Atoi(strings.TrimSpace(f[2]))
				if err == nil {
					v = n
				}
			}
		}
	}
	return v
}

func (r sippRun) cmdline() string {
	if r.nice > 0 {
		return fmt.Sprintf("nice -n %d sipp %s", r.nice, strings.Join(r.args, " "))
	}
	return "sipp " + strings.Join(r.args, " ")
}

// ---- call setup rate ----

type rateRun struct {
	rate       int
	seconds    int
	run        sippRun
	serverCPU  float64 // % of one core
	cpuPerCall float64 // server CPU time per call, ms
	achieved   float64
	profile    []cpuShare // where the server's CPU went (the first target run)
	profTotal  string
}

func (r *report) setupRate(bin string) {
	srv := startServer(bin, "configs/dialplan.yaml")
	defer srv.stop()
	pid := srv.cmd.Process.Pid
	remote := fmt.Sprintf("127.0.0.1:%d", srv.sipPort)
	// The server plays the greeting and sipp echoes every RTP packet back
	// (-rtp_echo on one media port): RTP both ways for the second of each
	// call. sipp's own audio playback (play_pcap_audio) starts a thread per
	// call and, at these rates, took more CPU than the server.
	scenario := "bench/uac_hold.xml"
	one := func(rate, seconds int, profile bool) rateRun {
		calls := rate * seconds
		profc := make(chan string, 1)
		if profile {
			// A CPU profile of the middle of the run.
			go func() {
				d := time.Duration(seconds/3) * time.Second
				time.Sleep(d)
				profc <- cpuProfile(srv.httpAddr, d)
			}()
		} else {
			profc <- ""
		}
		c0, t0 := cpuTicks(pid), time.Now()
		run := runSipp(remote, freePort(), scenario, "-s", "4008001234", "-r", strconv.Itoa(rate), "-m", strconv.Itoa(calls),
			"-l", strconv.Itoa(rate*5), "-mp", strconv.Itoa(40000+2*(rate%1000)), "-rtp_echo", "-key", "call_ms", "1000",
			"-key", "pt", "8", "-key", "rtpmap", "PCMA/8000",
			"-timeout", strconv.Itoa(seconds+60)+"s", "-max_socket", "60000", "-buff_size", "4194304")
		wall := time.Since(t0)
		rr := rateRun{rate: rate, seconds: seconds, run: run,
			serverCPU: (cpuTicks(pid) - c0) / wall.Seconds(),
			achieved:  float64(run.total) / (wall.Seconds() - 1)}
		if run.total > 0 {
			rr.cpuPerCall = (cpuTicks(pid) - c0) * 10 / float64(run.total) // ticks are 10 ms
		}
		rr.profile, rr.profTotal = profileShares(bin, <-profc)
		logf("setup rate %d cps × %d s: %d ok, %d failed, server CPU %.0f%% (%.2f ms per call), sipp CPU %.0f%%", rate, seconds, run.ok, run.failed,
			rr.serverCPU, rr.cpuPerCall, run.sippCPU)
		time.Sleep(3 * time.Second) // let the last calls' records and timers settle
		return rr
	}
	// The knee first: steps of kneeSecs up to the target rate, stopping at
	// the first with a failed call. The target runs follow; when the knee
	// already failed below the target, one target run shows how, not three.
	kneeSecs := 20
	if *quick {
		kneeSecs = 5
	}
	kneeOK := true
	for _, rate := range []int{400, 600, 800, 1000, 1200, setupTarget} {
		rr := one(rate, kneeSecs, false)
		r.knee = append(r.knee, rr)
		if rr.run.failed > 0 || rr.run.exit != 0 || !rr.run.finished {
			kneeOK = false
			break
		}
	}
	secs, reps := 60, 3
	if !kneeOK {
		reps = 1
	}
	if *quick {
		secs, reps = 10, 1
	}
	// A run sipp did not finish is kept in the report, as such, and another is made: at most two more.
	for done, tries := 0, 0; done < reps && tries < reps+2; tries++ {
		rr := one(setupTarget, secs, len(r.target) == 0)
		r.target = append(r.target, rr)
		if rr.run.finished {
			done++
		}
	}
}

// ---- concurrent calls ----

type concRun struct {
	codec            string // as SDP names it: "PCMA/8000"
	calls            int
	hold             time.Duration
	run              sippRun
	rssIdle, rssPeak int
	cpu              float64
	win              callWindow
	// The SIP send intervals counted in the window.
	p50, p99, p999, pmax bucket
	pacingCount          uint64
}

// The pacing target: the send interval's p99 within 20 ms ± 1 ms.
const pacingTargetLo, pacingTargetHi = 19.0, 21.0

func (c concRun) pacingMet() bool {
	return c.win.clean() && c.p99.within(pacingTargetLo, pacingTargetHi)
}

func (r *report) concurrent(bin string) {
	calls, hold := concCalls, 40*time.Second
	if *quick {
		calls, hold = 200, 10*time.Second
	}
	if *callsFlag > 0 {
		calls = *callsFlag
		hold = time.Duration(calls/100)*time.Second + 20*time.Second
	}
	reps := 3
	if *quick {
		reps = 1
	}
	for i := 0; i < reps; i++ {
		r.conc = append(r.conc, oneConcurrent(bin, calls, hold, 8, "PCMA/8000"))
	}
	if !*quick {
		for i := 0; i < reps; i++ {
			r.pace = append(r.pace, oneConcurrent(bin, pacingCalls, 30*time.Second, 8, "PCMA/8000"))
		}
	}
}

// wideband holds calls on G.722 and Opus, whose packets the server encodes
// and (echoed back) decodes, where G.711 is table lookups: fewer calls, one
// run each, to show the cost per call.
func (r *report) wideband(bin string) {
	calls, hold := 500, 30*time.Second
	if *quick {
		calls, hold = 100, 10*time.Second
	}
	r.wide = append(r.wide, oneConcurrent(bin, calls, hold, 9, "G722/8000"))
	if opus.Available {
		r.wide = append(r.wide, oneConcurrent(bin, calls/2, hold, 111, "opus/48000/2"))
	}
}

func oneConcurrent(bin string, calls int, hold time.Duration, pt int, rtpmap string) concRun {
	srv := startServer(bin, "bench/hold.yaml")
	defer srv.stop()
	pid := srv.cmd.Process.Pid
	remote := fmt.Sprintf("127.0.0.1:%d", srv.sipPort)
	cr := concRun{codec: rtpmap, calls: calls, hold: hold, rssIdle: rssKB(pid)}
	rate := 100
	ramp := time.Duration(calls/rate) * time.Second
	done := make(chan sippRun)
	go func() {
		done <- runSippNice(10, remote, freePort(), "bench/uac_hold.xml", "-s", "4008001234", "-r", strconv.Itoa(rate),
			"-m", strconv.Itoa(calls), "-l", strconv.Itoa(calls), "-mp", "41000", "-rtp_echo",
			"-key", "call_ms", strconv.Itoa(int(hold/time.Millisecond)), "-timeout", strconv.Itoa(int((ramp+hold).Seconds())+60)+"s",
			"-max_socket", "60000", "-buff_size", "4194304", "-key", "pt", strconv.Itoa(pt), "-key", "rtpmap", rtpmap)
	}()
	// Measure while every call is up: from when the last one is
	// established to before the first one hangs up.
	var h0, h1 promHist
	var c0 float64
	var t0 time.Time
	cr.win = watchCalls(srv.httpAddr, calls, hold,
		func() {
			h0, c0, t0 = pacingHistogram(srv.httpAddr), cpuTicks(pid), time.Now()
		},
		func() {
			if rss := rssKB(pid); rss > cr.rssPeak {
				cr.rssPeak = rss
			}
		},
		func() {
			cr.cpu = (cpuTicks(pid) - c0) / time.Since(t0).Seconds()
			h1 = pacingHistogram(srv.httpAddr)
		})
	cr.p50, cr.p99, cr.p999 = histQuantile(h0, h1, 0.5), histQuantile(h0, h1, 0.99), histQuantile(h0, h1, 0.999)
	cr.pmax, cr.pacingCount = histMax(h0, h1), histCount(h0, h1)
	cr.run = <-done
	logf("concurrent %d %s calls: %d ok, %d failed, CPU %.0f%%, RSS %d → %d kB; %s; send interval p50 %s p99 %s (target %s–%s ms: %s) p99.9 %s max %s over %d intervals",
		calls, rtpmap, cr.run.ok, cr.run.failed, cr.cpu, cr.rssIdle, cr.rssPeak, cr.win, cr.p50, cr.p99,
		fmtMs(pacingTargetLo), fmtMs(pacingTargetHi), verdict(cr.pacingMet()), cr.p999, cr.pmax, cr.pacingCount)
	return cr
}

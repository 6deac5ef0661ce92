package peers

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

//go:embed scenarios/*.xml
var scenarioFS embed.FS

// Scenario names shipped in scenarios/.
const (
	ScenarioMenuDTMF        = "uac_menu_dtmf.xml"
	ScenarioMenuDTMFWaitBye = "uac_menu_dtmf_wait_bye.xml"
	ScenarioInfoDTMF        = "uac_info_dtmf.xml"
	ScenarioCancel          = "uac_cancel.xml"
	Scenario488             = "uac_488.xml"
	ScenarioExpect4xx       = "uac_expect_4xx.xml"
	ScenarioLoad            = "uac_load.xml"
)

// scenarioKeyDefaults are the -key values a scenario needs; SippArgs.Keys
// override them.
var scenarioKeyDefaults = map[string]map[string]string{
	ScenarioMenuDTMF:        {"greeting_ms": "3000", "after_ms": "2000"},
	ScenarioMenuDTMFWaitBye: {"greeting_ms": "3000"},
	ScenarioInfoDTMF:        {"greeting_ms": "3000", "after_ms": "2000", "digit": "0"},
	ScenarioCancel:          {"ring_ms": "500"},
	Scenario488:             {},
	ScenarioExpect4xx:       {"expected": "404"},
	ScenarioLoad:            {"call_ms": "1000"},
}

// Scenarios lists the embedded scenario file names.
func Scenarios() []string {
	ents, _ := scenarioFS.ReadDir("scenarios")
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// ScenarioXML returns the text of an embedded scenario.
func ScenarioXML(name string) (string, error) {
	b, err := scenarioFS.ReadFile("scenarios/" + name)
	return string(b), err
}

// SippArgs configures one sipp run (UAC side; sipp always binds to 127.0.0.1).
type SippArgs struct {
	// Scenario is an embedded scenario name (e.g. ScenarioMenuDTMF) or a
	// path to an XML file. Exactly one of Scenario and Builtin is needed.
	Scenario string
	// Builtin runs an embedded sipp scenario (-sn), e.g. "uac" or "uas".
	Builtin string
	// Replace does plain-text substitutions on the scenario XML before the
	// run, e.g. {"dtmf_2833_0.pcap": "dtmf_2833_5.pcap"}.
	Replace map[string]string
	// Remote is "host:port" of the server; empty for UAS mode.
	Remote string
	// Service is the request-URI user (-s), e.g. "4008001234".
	Service string
	// Calls (-m) defaults to 1. Rate (-r, calls per RatePeriod, default 1 s)
	// defaults to 10. Limit (-l) is the max concurrent calls (0 = sipp default).
	Calls      int
	Rate       float64
	RatePeriod time.Duration
	Limit      int
	// LocalPort (-p) and MediaPort (-mp); 0 picks free ones.
	LocalPort int
	MediaPort int
	// Transport: "u1" (UDP, default), "un", "t1" (TCP), "tn".
	Transport string
	// Keys are -key values ([name] in the scenario), merged over the
	// scenario's defaults. Vars are -set values (global variables).
	Keys map[string]string
	Vars map[string]string
	// Timeout bounds the whole run (sipp -timeout, plus a kill 5 s later).
	// Default 30 s.
	Timeout time.Duration
	// TraceMsg writes all SIP messages to SippResult.MessageLog.
	TraceMsg bool
	// Extra arguments appended verbatim.
	Extra []string
	// Binary defaults to "sipp".
	Binary string
}

// SippResult is the outcome of a sipp run.
type SippResult struct {
	ExitCode   int // 0 all calls OK, 1 some failed, 97 internal exit, 99 no calls, 255/254 fatal
	Created    int // OutgoingCall(C)+IncomingCall(C) from the statistics
	Successful int // SuccessfulCall(C)
	Failed     int // FailedCall(C)
	Stats      map[string]string
	Duration   time.Duration
	Args       []string
	Dir        string // working directory with all traces
	Output     string // stdout+stderr (screens)
	ErrorLog   string // -trace_err content (unexpected messages)
	MessageLog string // -trace_msg content, if TraceMsg
	Logs       string // <log> action output (-trace_logs)
	Screen     string // final statistics screen (-trace_screen)
}

// RunSipp runs sipp synchronously with a bounded timeout and parses its
// final statistics. The error is nil only if sipp exited 0 (all calls
// successful); the result is filled in either way. Skips the test if sipp
// is not installed.
func RunSipp(tb testing.TB, args SippArgs) (SippResult, error) {
	tb.Helper()
	for attempt := 1; ; attempt++ {
		s, err := StartSipp(tb, args)
		if err != nil {
			return SippResult{}, err
		}
		res, err := s.Wait()
		// Free ports are picked before sipp binds them, so another process
		// can take one in between; sipp then stops before its first call.
		// Ports the caller chose are not retried.
		lost := res.ExitCode == 254 && res.Created == 0 && strings.Contains(res.ErrorLog, "Unable to bind")
		if !lost || attempt == 3 || args.LocalPort != 0 || args.MediaPort != 0 {
			return res, err
		}
		tb.Logf("sipp could not bind a port it was given, retrying with new ports: %s", tail(strings.TrimSpace(res.ErrorLog), 1))
	}
}

// SippRun is a sipp process started by StartSipp.
type SippRun struct {
	tb      testing.TB
	args    SippArgs
	cmd     *exec.Cmd
	out     *bytes.Buffer
	dir     string
	stf     string
	start   time.Time
	done    chan struct{}
	waitErr error
	cancel  context.CancelFunc
	// LocalPort and MediaPort actually used.
	LocalPort, MediaPort int
}

// StartSipp starts sipp in the background (e.g. a UAS that must be up
// before the UAC); Wait collects the result. The process is killed at
// test cleanup if still running.
func StartSipp(tb testing.TB, a SippArgs) (*SippRun, error) {
	tb.Helper()
	bin := a.Binary
	if bin == "" {
		bin = "sipp"
	}
	if _, err := exec.LookPath(bin); err != nil {
		tb.Skipf("sipp not found (%v): install the Debian package 'sip-tester' (apt-get install sip-tester)", err)
	}
	dir, err := os.MkdirTemp("", "peers-sipp-")
	if err != nil {
		return nil, err
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if a.Timeout <= 0 {
		a.Timeout = 30 * time.Second
	}
	if a.Calls <= 0 {
		a.Calls = 1
	}
	if a.LocalPort == 0 {
		if a.LocalPort, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if a.MediaPort == 0 {
		if a.MediaPort, err = FreeUDPPorts(4); err != nil {
			return nil, err
		}
	}

	var argv []string
	if a.Remote != "" {
		argv = append(argv, a.Remote)
	}
	keys := map[string]string{}
	switch {
	case a.Builtin != "":
		argv = append(argv, "-sn", a.Builtin)
	case a.Scenario != "":
		text, err := ScenarioXML(a.Scenario)
		base := a.Scenario
		if err != nil {
			b, ferr := os.ReadFile(a.Scenario)
			if ferr != nil {
				return nil, fmt.Errorf("scenario %q is neither embedded nor a readable file: %v", a.Scenario, ferr)
			}
			text, base = string(b), filepath.Base(a.Scenario)
		}
		for k, v := range scenarioKeyDefaults[base] {
			keys[k] = v
		}
		for from, to := range a.Replace {
			text = strings.ReplaceAll(text, from, to)
		}
		path := filepath.Join(dir, base)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return nil, err
		}
		argv = append(argv, "-sf", path)
	default:
		return nil, errors.New("peers.SippArgs: Scenario or Builtin required")
	}
	for k, v := range a.Keys {
		keys[k] = v
	}
	if a.Service != "" {
		argv = append(argv, "-s", a.Service)
	}
	rate := a.Rate
	if rate <= 0 {
		rate = 10
	}
	argv = append(argv,
		"-m", strconv.Itoa(a.Calls),
		"-r", strconv.FormatFloat(rate, 'f', -1, 64),
		"-i", "127.0.0.1", "-mi", "127.0.0.1", "-bind_local",
		"-p", strconv.Itoa(a.LocalPort), "-mp", strconv.Itoa(a.MediaPort),
		"-nostdin",
		"-timeout", fmt.Sprintf("%ds", int(a.Timeout.Seconds()+0.999)), "-timeout_error",
		"-trace_stat", "-stf", filepath.Join(dir, "stat.csv"), "-fd", "1",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
		"-trace_screen", "-screen_file", filepath.Join(dir, "screen.log"),
		"-trace_logs", "-log_file", filepath.Join(dir, "logs.log"),
	)
	if a.RatePeriod > 0 {
		argv = append(argv, "-rp", fmt.Sprintf("%dms", a.RatePeriod.Milliseconds()))
	}
	if a.Limit > 0 {
		argv = append(argv, "-l", strconv.Itoa(a.Limit))
	}
	if a.Transport != "" {
		argv = append(argv, "-t", a.Transport)
	}
	if a.TraceMsg {
		argv = append(argv, "-trace_msg", "-message_file", filepath.Join(dir, "messages.log"))
	}
	kn := make([]string, 0, len(keys))
	for k := range keys {
		kn = append(kn, k)
	}
	sort.Strings(kn)
	for _, k := range kn {
		argv = append(argv, "-key", k, keys[k])
	}
	vn := make([]string, 0, len(a.Vars))
	for k := range a.Vars {
		vn = append(vn, k)
	}
	sort.Strings(vn)
	for _, k := range vn {
		argv = append(argv, "-set", k, a.Vars[k])
	}
	argv = append(argv, a.Extra...)

	ctx, cancel := context.WithTimeout(context.Background(), a.Timeout+5*time.Second)
	cmd := exec.CommandContext(ctx, bin, argv...)
	cmd.Dir = dir
	out := &bytes.Buffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.WaitDelay = 2 * time.Second
	r := &SippRun{tb: tb, args: a, cmd: cmd, out: out, dir: dir, stf: filepath.Join(dir, "stat.csv"),
		done: make(chan struct{}), cancel: cancel, LocalPort: a.LocalPort, MediaPort: a.MediaPort}
	r.start = time.Now()
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	go func() {
		r.waitErr = cmd.Wait()
		cancel()
		close(r.done)
	}()
	tb.Cleanup(func() {
		select {
		case <-r.done:
		default:
			cmd.Process.Kill()
			<-r.done
		}
	})
	return r, nil
}

// Args returns the full sipp command line (for logs).
func (r *SippRun) Args() []string { return r.cmd.Args }

// Wait waits for sipp to exit (bounded by SippArgs.Timeout + 5 s) and
// returns the parsed result; error is nil only when sipp exited 0.
func (r *SippRun) Wait() (SippResult, error) {
	<-r.done
	res := SippResult{
		Duration: time.Since(r.start),
		Args:     r.cmd.Args,
		Dir:      r.dir,
		Output:   r.out.String(),
		ExitCode: -1,
	}
	if r.cmd.ProcessState != nil {
		res.ExitCode = r.cmd.ProcessState.ExitCode()
	}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(r.dir, name))
		return string(b)
	}
	res.ErrorLog = read("errors.log")
	res.MessageLog = read("messages.log")
	res.Logs = read("logs.log")
	res.Screen = read("screen.log")
	res.Stats = parseSippStats(read("stat.csv"))
	atoi := func(k string) int { n, _ := strconv.Atoi(res.Stats[k]); return n }
	res.Successful = atoi("SuccessfulCall(C)")
	res.Failed = atoi("FailedCall(C)")
	res.Created = atoi("OutgoingCall(C)") + atoi("IncomingCall(C)")
	if res.ExitCode == 0 {
		return res, nil
	}
	why := ""
	switch res.ExitCode {
	case 1:
		why = "at least one call failed"
	case 97:
		why = "exit on internal command"
	case 99:
		why = "no calls processed"
	case -1:
		why = fmt.Sprintf("killed (%v) after %v", r.waitErr, res.Duration.Round(time.Millisecond))
	default:
		why = "fatal error"
	}
	return res, fmt.Errorf("sipp exit %d (%s): successful=%d failed=%d\n%s", res.ExitCode, why, res.Successful, res.Failed, res.Summary())
}

// Summary returns a compact diagnostic text (errors, logs, output tail).
func (res SippResult) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cmd: %s\n", strings.Join(res.Args, " "))
	if s := strings.TrimSpace(res.ErrorLog); s != "" {
		b.WriteString("--- sipp errors:\n" + tail(s, 40) + "\n")
	}
	if s := strings.TrimSpace(res.Logs); s != "" {
		b.WriteString("--- sipp <log> output:\n" + tail(s, 20) + "\n")
	}
	if s := strings.TrimSpace(res.Output); s != "" {
		b.WriteString("--- sipp output (tail):\n" + tail(s, 15) + "\n")
	}
	return b.String()
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// parseSippStats maps the header of sipp's -trace_stat CSV to the values
// of its last line (the final dump).
func parseSippStats(csv string) map[string]string {
	out := map[string]string{}
	var lines []string
	for _, l := range strings.Split(csv, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) < 2 {
		return out
	}
	head := strings.Split(lines[0], ";")
	last := strings.Split(lines[len(lines)-1], ";")
	for i, h := range head {
		if i < len(last) && h != "" {
			out[h] = last[i]
		}
	}
	return out
}

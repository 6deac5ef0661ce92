// Package e2e starts the real hotline binary and talks to it over loopback
// with real SIP clients (sipp, baresip).
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media/opus"
	"github.com/hotline-cc/hotline/record"
)

var hotlineBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hotline-e2e-bin")
	if err != nil {
		panic(err)
	}
	hotlineBin = filepath.Join(dir, "hotline")
	args := []string{"build", "-o", hotlineBin}
	if opus.Available { // this test binary was built with -tags opus: so is the server
		args = append(args, "-tags", "opus")
	}
	build := exec.Command("go", append(args, "../cmd/hotline")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building hotline:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const adminToken = "e2e-admin-token"

// Server is a running hotline process.
type Server struct {
	t        testing.TB
	Dir      string // config and data directory
	Config   string
	SIPPort  int
	HTTPAddr string
	cmd      *exec.Cmd
	logMu    sync.Mutex
	log      bytes.Buffer
	exited   chan struct{}
	exitErr  error
}

// ServerOptions tweak the generated configuration.
type ServerOptions struct {
	Dialplan   string // dialplan YAML; default: the demo dialplan with a direct-to-queue route
	RTPTimeout string
	Drain      string
	Extra      string // appended to hotline.yaml
	SIP        string // appended under sip: (keys indented by two spaces), e.g. "  tls:\n    listen: …"
	TTSSpeed   int    // espeak-ng words per minute (0: its default)
	// Ring sets agents' device preference (alice, bob: browser, sip or both).
	Ring map[string]string
	// Roles sets agents' roles (alice, bob: agent, supervisor or admin).
	Roles map[string]string
	// SRTP sets agents' SRTP policy (alice, bob: off, optional or required).
	SRTP map[string]string
}

var rtpBase struct {
	sync.Mutex
	next int
}

// rtpRange hands each server its own RTP range so parallel servers never collide.
func rtpRange() (int, int) {
	rtpBase.Lock()
	defer rtpBase.Unlock()
	if rtpBase.next == 0 {
		rtpBase.next = 30000 + (os.Getpid()%50)*400
	}
	lo := rtpBase.next
	rtpBase.next += 400
	if rtpBase.next > 60000 {
		rtpBase.next = 30000
	}
	return lo, lo + 399
}

// StartServer writes a config into a temp dir and starts hotline on it.
func StartServer(t testing.TB, opt ServerOptions) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: end-to-end tests start the server")
	}
	dir := t.TempDir()
	s := &Server{t: t, Dir: dir}
	lo, hi := rtpRange()
	if opt.RTPTimeout == "" {
		opt.RTPTimeout = "30s"
	}
	if opt.Drain == "" {
		opt.Drain = "5s"
	}
	dp := opt.Dialplan
	if dp == "" {
		dp = demoDialplan(t)
	}
	if err := os.WriteFile(filepath.Join(dir, "dialplan.yaml"), []byte(dp), 0o644); err != nil {
		t.Fatal(err)
	}
	ring := func(agent string) string {
		var s string
		if r := opt.Ring[agent]; r != "" {
			s += "\n    ring: " + r
		}
		if r := opt.Roles[agent]; r != "" {
			s += "\n    role: " + r
		}
		if r := opt.SRTP[agent]; r != "" {
			s += "\n    srtp: " + r
		}
		return s
	}
	// The server listens on ports the system picks; Start reads them from its log.
	cfg := fmt.Sprintf(`sip:
  listen: 127.0.0.1:0
  advertise_ip: 127.0.0.1
  realm: hotline
  rtp_ip: 127.0.0.1
  rtp_ports: %d-%d
  rtp_timeout: %s
%shttp:
  listen: 127.0.0.1:0
  admin_token: %s
store: data/hotline.db
dialplan: dialplan.yaml
tts:
  engine: espeak
  cache_dir: data/tts-cache
  speed: %d
drain_timeout: %s
log_level: debug
agents:
  - id: alice
    name: Alice
    password: alice-demo%s
  - id: bob
    name: Bob
    password: bob-demo%s
%s`, lo, hi, opt.RTPTimeout, sipExtra(opt.SIP), adminToken, opt.TTSSpeed, opt.Drain, ring("alice"), ring("bob"), opt.Extra)
	s.Config = filepath.Join(dir, "hotline.yaml")
	if err := os.WriteFile(s.Config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() {
		s.Kill()
		if t.Failed() {
			t.Logf("server log:\n%s", s.Log())
		}
	})
	return s
}

// sipExtra is opt.SIP ending in a newline.
func sipExtra(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

// demoDialplan is configs/dialplan.yaml plus a route straight to the queue
// (the caller hears ringback while agents ring, so CANCEL can be tested).
func demoDialplan(t testing.TB) string {
	b, err := os.ReadFile("../configs/dialplan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The plan is copied into a temporary directory: point its knowledge base back at configs/kb.
	kb, err := filepath.Abs("../configs/kb")
	if err != nil {
		t.Fatal(err)
	}
	dp := strings.Replace(string(b), "knowledge_base: kb", "knowledge_base: "+kb, 1)
	// The demo records every call after an announcement; the tests written against its timing
	// (keys pressed so long after the answer) run it unrecorded. recording_test.go records.
	return strings.Replace(dp, "\n  record: always", "\n  record: never", 1)
}

// Start (re)starts the server process and waits until it listens.
func (s *Server) Start() {
	t := s.t
	t.Helper()
	s.cmd = exec.Command(hotlineBin, "serve", "-config", s.Config)
	s.cmd.Dir = s.Dir
	pr, pw := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.exited = make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			s.logMu.Lock()
			s.log.WriteString(sc.Text() + "\n")
			s.logMu.Unlock()
		}
	}()
	go func() {
		s.exitErr = s.cmd.Wait()
		pw.Close()
		close(s.exited)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if sip, web := s.listening(); sip != 0 && web != "" {
			if resp, err := http.Get("http://" + web + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					s.SIPPort, s.HTTPAddr = sip, web
					s.keepPorts()
					return
				}
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("hotline exited at start: %v\n%s", s.exitErr, s.Log())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("hotline did not start listening:\n%s", s.Log())
}

var (
	sipListeningRE  = regexp.MustCompile(`msg="sip listening" transport=udp addr=127\.0\.0\.1:(\d+)`)
	httpListeningRE = regexp.MustCompile(`msg="http listening" addr=(127\.0\.0\.1:\d+)`)
)

// listening reads the ports the server process that runs now says it listens on.
func (s *Server) listening() (sipPort int, httpAddr string) {
	log := s.Log()
	if i := strings.LastIndex(log, `msg="hotline starting"`); i >= 0 {
		log = log[i:]
	}
	if m := sipListeningRE.FindAllStringSubmatch(log, -1); len(m) > 0 {
		sipPort, _ = strconv.Atoi(m[len(m)-1][1])
	}
	if m := httpListeningRE.FindAllStringSubmatch(log, -1); len(m) > 0 {
		httpAddr = m[len(m)-1][1]
	}
	return sipPort, httpAddr
}

// keepPorts writes the ports the server got into its configuration, so a restart (of a test that
// stops and starts it) listens where the test's phones and clients already point.
func (s *Server) keepPorts() {
	b, err := os.ReadFile(s.Config)
	if err != nil {
		s.t.Fatal(err)
	}
	cfg := strings.Replace(string(b), "sip:\n  listen: 127.0.0.1:0", fmt.Sprintf("sip:\n  listen: 127.0.0.1:%d", s.SIPPort), 1)
	cfg = strings.Replace(cfg, "http:\n  listen: 127.0.0.1:0", "http:\n  listen: "+s.HTTPAddr, 1)
	if err := os.WriteFile(s.Config, []byte(cfg), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// Log returns everything the server printed.
func (s *Server) Log() string {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return s.log.String()
}

// WaitLog waits until the server log contains substr.
func (s *Server) WaitLog(substr string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(s.Log(), substr) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// Stop sends SIGTERM and waits for a clean exit.
func (s *Server) Stop() {
	s.t.Helper()
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		s.t.Errorf("hotline did not exit after SIGTERM")
		s.Kill()
	}
}

// Kill sends SIGKILL (a crash) and waits.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// SIPAddr is host:port of the SIP listener.
func (s *Server) SIPAddr() string { return fmt.Sprintf("127.0.0.1:%d", s.SIPPort) }

// Calls fetches call records through the admin API.
func (s *Server) Calls(t testing.TB) []record.Call {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), "GET", "http://"+s.HTTPAddr+"/api/calls?order=asc", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /api/calls: %d %s", resp.StatusCode, b)
	}
	var out []record.Call
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// WaitCalls waits until at least n calls have ended (their records are no longer in progress)
// and returns the records of the ended calls.
func (s *Server) WaitCalls(t testing.TB, n int, timeout time.Duration) []record.Call {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var calls []record.Call
	for time.Now().Before(deadline) {
		calls = slices.DeleteFunc(s.Calls(t), func(c record.Call) bool { return c.Disposition == record.DispositionInProgress })
		if len(calls) >= n {
			return calls
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("want %d call records, have %d: %+v", n, len(calls), calls)
	return nil
}

// AssertMetric checks that /metrics has the line want (a series and its value).
func (s *Server) AssertMetric(t testing.TB, want string) {
	t.Helper()
	res, err := http.Get("http://" + s.HTTPAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if line == want {
			return
		}
	}
	t.Errorf("/metrics lacks %s", want)
}

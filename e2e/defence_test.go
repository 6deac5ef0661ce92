package e2e

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
)

// metricValue reads one series of /metrics (name with its labels, as printed), or -1 if absent.
func metricValue(t *testing.T, s *Server, series string) float64 {
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
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return -1
}

// TestDefenceScannerDropped: an INVITE from sipp with the User-Agent of SIPVicious gets no response
// at all (sipp retransmits and times out), it is counted, and the same source with a phone's
// User-Agent is answered.
func TestDefenceScannerDropped(t *testing.T) {
	srv := StartServer(t, ServerOptions{})
	res, err := peers.RunSipp(t, peers.SippArgs{Scenario: "uac_expect_4xx.xml", Remote: srv.SIPAddr(), Service: "900",
		Keys: map[string]string{"expected": "403"}, Replace: map[string]string{"User-Agent: sipp hotline-e2e": "User-Agent: friendly-scanner"},
		Timeout: 4 * time.Second, TraceMsg: true})
	if err == nil || res.Successful != 0 {
		t.Fatalf("the scanner's INVITE was answered: %v %s", err, res.Summary())
	}
	if strings.Contains(res.MessageLog, "message received") {
		t.Fatalf("sipp received a response to the scanner's INVITE:\n%s", lastLines(res.MessageLog, 30))
	}
	if n := metricValue(t, srv, `hotline_sip_refused_total{reason="scanner"}`); n < 1 {
		t.Errorf("scanner refusals counted %v, want at least 1 (INVITE and retransmissions)", n)
	}
	if strings.Contains(srv.Log(), "call started") {
		t.Error("the scanner's INVITE started a call")
	}
	if !srv.WaitLog("sip requests refused", 2*time.Second) {
		t.Error("the refusal was not logged")
	}
	if _, err := peers.RunSipp(t, peers.SippArgs{Scenario: "uac_expect_4xx.xml", Remote: srv.SIPAddr(), Service: "900",
		Keys: map[string]string{"expected": "403"}}); err != nil {
		t.Fatalf("the same source as a phone was not answered: %v", err)
	}
	// Over TCP the stack parses the request first; the screen drops it all the same.
	before := metricValue(t, srv, `hotline_sip_refused_total{reason="scanner"}`)
	res, err = peers.RunSipp(t, peers.SippArgs{Scenario: "uac_expect_4xx.xml", Remote: srv.SIPAddr(), Service: "900", Transport: "t1",
		Keys: map[string]string{"expected": "403"}, Replace: map[string]string{"User-Agent: sipp hotline-e2e": "User-Agent: friendly-scanner"},
		Timeout: 3 * time.Second, TraceMsg: true})
	if err == nil || res.Successful != 0 || strings.Contains(res.MessageLog, "message received") {
		t.Fatalf("the scanner's INVITE over TCP was answered: %v %s\n%s", err, res.Summary(), lastLines(res.MessageLog, 20))
	}
	if n := metricValue(t, srv, `hotline_sip_refused_total{reason="scanner"}`); n != before+1 {
		t.Errorf("scanner refusals %v after one over TCP, want %v", n, before+1)
	}
}

// TestDefenceInviteFlood: 20 INVITEs from one address at 50 a second, against a bucket of one
// every 5 s with a burst of 5 (slow, so a loaded machine's slower flood changes nothing): the burst reaches the dialplan (403 for an unrouted number), the rest
// get 503 with Retry-After from the screen; a caller at another address is served meanwhile.
func TestDefenceInviteFlood(t *testing.T) {
	srv := StartServer(t, ServerOptions{Extra: "defence:\n  exempt: []\n  invite: {per_second: 0.2, burst: 5}\n"})
	flood, err := peers.StartSipp(t, peers.SippArgs{Scenario: "uac_expect_4xx.xml", Remote: srv.SIPAddr(), Service: "900",
		Calls: 20, Rate: 50, Keys: map[string]string{"expected": "503"}, TraceMsg: true, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	other, err := peers.RunSipp(t, peers.SippArgs{Scenario: "uac_expect_4xx.xml", Remote: srv.SIPAddr(), Service: "900",
		Keys: map[string]string{"expected": "403"}, Extra: []string{"-i", "127.0.0.2", "-mi", "127.0.0.2"}})
	if err != nil {
		t.Errorf("a caller at 127.0.0.2 during the flood was not served: %v\n%s\n%s", err, other.Summary(), other.ErrorLog)
	}
	res, _ := flood.Wait()
	// Calls that got 403 (the burst, and a token or two refilled) fail the scenario, which expects 503.
	if res.Successful+res.Failed != 20 || res.Successful < 12 || res.Failed < 5 {
		t.Fatalf("flood: %d refused with 503, %d served, want at least 12 and 5 (the burst) of 20\n%s", res.Successful, res.Failed, res.Summary())
	}
	if !strings.Contains(res.MessageLog, "SIP/2.0 503 Service Unavailable") || !regexp.MustCompile(`Retry-After: [1-5]\r?\n`).MatchString(res.MessageLog) {
		t.Errorf("the 503s lack Retry-After:\n%s", lastLines(res.MessageLog, 40))
	}
	if n := metricValue(t, srv, `hotline_sip_refused_total{reason="invite_rate"}`); n != float64(res.Successful) {
		t.Errorf("invite_rate refusals counted %v, want %d", n, res.Successful)
	}
}

// TestDefenceRegisterBruteForce: while alice's password is guessed from 127.0.0.1, bob registers
// from the same address with baresip; alice is blocked there, the address is not. Guessing across
// many users then blocks the address.
func TestDefenceRegisterBruteForce(t *testing.T) {
	srv := StartServer(t, ServerOptions{})
	res, err := peers.RunSipp(t, peers.SippArgs{Scenario: "testdata/register_wrong_password.xml", Remote: srv.SIPAddr(),
		Calls: 8, Rate: 20, Keys: map[string]string{"user": "alice"}, Extra: []string{"-au", "alice", "-ap", "wrong"}})
	if err != nil {
		t.Fatalf("wrong-password REGISTERs were not all refused: %v\n%s", err, res.ErrorLog)
	}
	if !srv.WaitLog("user blocked on this address", 5*time.Second) {
		t.Fatal("the guessed user was not blocked")
	}
	startAgent(t, srv, "bob", "bob-demo", false) // fails the test if bob cannot register
	if n := metricValue(t, srv, `hotline_register_blocks_total{scope="user"}`); n != 1 {
		t.Errorf("user blocks %v, want 1", n)
	}
	if n := metricValue(t, srv, `hotline_register_blocked{scope="address"}`); n != 0 {
		t.Errorf("addresses blocked %v, want 0", n)
	}
	// Spraying: one wrong password for each of 6 users.
	res, err = peers.RunSipp(t, peers.SippArgs{Scenario: "testdata/register_wrong_password.xml", Remote: srv.SIPAddr(),
		Calls: 6, Rate: 20, Replace: map[string]string{"[user]": "spray[call_number]"}, Extra: []string{"-au", "x", "-ap", "wrong"}})
	if err != nil {
		t.Fatalf("sprayed REGISTERs were not all refused: %v\n%s", err, res.ErrorLog)
	}
	if !srv.WaitLog("address blocked: failed attempts for many users", 5*time.Second) {
		t.Fatal("spraying did not block the address")
	}
	if n := metricValue(t, srv, `hotline_register_blocked{scope="address"}`); n != 1 {
		t.Errorf("addresses blocked %v, want 1", n)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

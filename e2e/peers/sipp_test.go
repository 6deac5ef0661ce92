package peers

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

func sippOK(t *testing.T, a SippArgs) SippResult {
	t.Helper()
	res, err := RunSipp(t, a)
	if err != nil {
		t.Fatal(err)
	}
	if res.Successful != a.Calls && !(a.Calls == 0 && res.Successful == 1) {
		t.Fatalf("successful=%d failed=%d, want %d successful\n%s", res.Successful, res.Failed, a.Calls, res.Summary())
	}
	t.Logf("sipp %s: exit %d, %d/%d successful in %v", a.Scenario, res.ExitCode, res.Successful, res.Created, res.Duration.Round(time.Millisecond))
	return res
}

func TestScenariosEmbedded(t *testing.T) {
	names := Scenarios()
	for n := range scenarioKeyDefaults {
		found := false
		for _, m := range names {
			found = found || m == n
		}
		if !found {
			t.Errorf("scenario %s has key defaults but no file", n)
		}
	}
	if len(names) != len(scenarioKeyDefaults) {
		t.Errorf("scenarios %v vs defaults for %d", names, len(scenarioKeyDefaults))
	}
}

// TestSippLoadAgainstSippUAS checks uac_load.xml against sipp's built-in UAS.
func TestSippLoadAgainstSippUAS(t *testing.T) {
	skipShort(t)
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	// The built-in UAS keeps each call 4 s in timewait after BYE, so it is
	// not waited for; it is killed at cleanup.
	if _, err := StartSipp(t, SippArgs{Builtin: "uas", LocalPort: port, Calls: 3, Timeout: 15 * time.Second}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // sipp has no readiness signal; UDP retransmits cover a late start
	sippOK(t, SippArgs{Scenario: ScenarioLoad, Remote: "127.0.0.1:" + itoa(port), Service: "4008001234",
		Calls: 3, Rate: 10, Limit: 3, Keys: map[string]string{"call_ms": "300"}, Timeout: 10 * time.Second})
}

func TestSippScenariosAgainstFakeUAS(t *testing.T) {
	skipShort(t)
	f := startFakeSIP(t)
	f.route("4008001234", fakeRoute{answerAfter: 100 * time.Millisecond})
	f.route("ringonly", fakeRoute{ringOnly: true})
	f.route("byebye", fakeRoute{byeAfter: 1500 * time.Millisecond})
	f.route("0044201234567", fakeRoute{reject: 403})
	f.route("nosuch", fakeRoute{reject: 404})

	t.Run("menu_dtmf", func(t *testing.T) {
		sippOK(t, SippArgs{Scenario: ScenarioMenuDTMF, Remote: f.addr, Service: "4008001234",
			Keys: map[string]string{"greeting_ms": "300", "after_ms": "700"}, Timeout: 10 * time.Second})
		c := f.lastCall()
		pts, digits, _ := c.sink.snapshot()
		t.Logf("offer %v (media port %d), RTP PTs %v from %v, digits %v", c.offer.pts, c.offer.port, pts, c.sink.sourceAddrs(), digits)
		if src := c.sink.sourceAddrs(); src[fmt.Sprintf("127.0.0.1:%d", c.offer.port)] == 0 {
			t.Errorf("RTP not sent from the SDP port %d (symmetric RTP): %v", c.offer.port, src)
		}
		if len(digits) != 1 || digits[0] != "0" || pts[101] == 0 {
			t.Errorf("server did not receive RFC 4733 digit 0: pts=%v digits=%v", pts, digits)
		}
	})
	t.Run("menu_dtmf_digit5", func(t *testing.T) {
		sippOK(t, SippArgs{Scenario: ScenarioMenuDTMF, Remote: f.addr, Service: "4008001234",
			Replace: map[string]string{"dtmf_2833_0.pcap": "dtmf_2833_5.pcap"},
			Keys:    map[string]string{"greeting_ms": "100", "after_ms": "500"}, Timeout: 10 * time.Second})
		_, digits, _ := f.lastCall().sink.snapshot()
		if len(digits) != 1 || digits[0] != "5" {
			t.Errorf("digits=%v, want [5]", digits)
		}
	})
	t.Run("menu_dtmf_wait_bye", func(t *testing.T) {
		sippOK(t, SippArgs{Scenario: ScenarioMenuDTMFWaitBye, Remote: f.addr, Service: "byebye",
			Keys: map[string]string{"greeting_ms": "300"}, Timeout: 10 * time.Second})
		f.waitFor(t, 3*time.Second, "server BYE answered", func() bool { return f.calls[len(f.calls)-1].byeSent })
	})
	t.Run("info_dtmf", func(t *testing.T) {
		sippOK(t, SippArgs{Scenario: ScenarioInfoDTMF, Remote: f.addr, Service: "4008001234",
			Keys: map[string]string{"greeting_ms": "200", "after_ms": "200", "digit": "0"}, Timeout: 10 * time.Second})
		f.mu.Lock()
		infos := append([]string(nil), f.infos...)
		f.mu.Unlock()
		if len(infos) == 0 {
			t.Fatal("no INFO received")
		}
		last := infos[len(infos)-1]
		t.Logf("INFO: %q", last)
		if !strings.HasPrefix(last, "application/dtmf-relay|Signal=0\r\nDuration=160") {
			t.Errorf("INFO = %q", last)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		sippOK(t, SippArgs{Scenario: ScenarioCancel, Remote: f.addr, Service: "ringonly",
			Keys: map[string]string{"ring_ms": "200"}, Timeout: 10 * time.Second})
		f.waitFor(t, 3*time.Second, "INVITE cancelled", func() bool { return f.calls[len(f.calls)-1].cancelled })
	})
	t.Run("cancel_fails_if_answered", func(t *testing.T) {
		res, err := RunSipp(t, SippArgs{Scenario: ScenarioCancel, Remote: f.addr, Service: "4008001234",
			Keys: map[string]string{"ring_ms": "500"}, Timeout: 10 * time.Second})
		if err == nil || res.ExitCode != 1 || res.Failed != 1 {
			t.Fatalf("want failed call (exit 1), got exit %d failed=%d err=%v", res.ExitCode, res.Failed, err)
		}
	})
	t.Run("488", func(t *testing.T) {
		sippOK(t, SippArgs{Scenario: Scenario488, Remote: f.addr, Service: "4008001234", Timeout: 10 * time.Second})
		if c := f.lastCall(); len(c.offer.pts) != 1 || c.offer.pts[0] != 18 {
			t.Errorf("offer pts %v, want [18]", c.offer.pts)
		}
	})
	t.Run("expect_403", func(t *testing.T) {
		res := sippOK(t, SippArgs{Scenario: ScenarioExpect4xx, Remote: f.addr, Service: "0044201234567",
			Keys: map[string]string{"expected": "403"}, Timeout: 10 * time.Second})
		t.Logf("logs: %s", strings.TrimSpace(res.Logs))
	})
	t.Run("expect_404", func(t *testing.T) {
		sippOK(t, SippArgs{Scenario: ScenarioExpect4xx, Remote: f.addr, Service: "nosuch",
			Keys: map[string]string{"expected": "404"}, Timeout: 10 * time.Second})
	})
	t.Run("expect_404_gets_403_fails", func(t *testing.T) {
		res, err := RunSipp(t, SippArgs{Scenario: ScenarioExpect4xx, Remote: f.addr, Service: "0044201234567",
			Keys: map[string]string{"expected": "404"}, Timeout: 10 * time.Second})
		if err == nil || res.ExitCode != 1 || res.Failed != 1 {
			t.Fatalf("want failed call (exit 1), got exit %d failed=%d err=%v", res.ExitCode, res.Failed, err)
		}
		t.Logf("as expected: %v", strings.SplitN(err.Error(), "\n", 2)[0])
	})
	t.Run("expect_4xx_gets_200_fails", func(t *testing.T) {
		res, err := RunSipp(t, SippArgs{Scenario: ScenarioExpect4xx, Remote: f.addr, Service: "4008001234",
			Keys: map[string]string{"expected": "404"}, Timeout: 10 * time.Second})
		if err == nil || res.ExitCode != 1 {
			t.Fatalf("want failed call (exit 1), got exit %d err=%v", res.ExitCode, err)
		}
	})
	t.Run("load", func(t *testing.T) {
		n := f.callCount()
		sippOK(t, SippArgs{Scenario: ScenarioLoad, Remote: f.addr, Service: "4008001234",
			Calls: 5, Rate: 10, Limit: 5, Keys: map[string]string{"call_ms": "500"}, Timeout: 10 * time.Second})
		calls := f.callsSince(n)
		if len(calls) != 5 {
			t.Fatalf("server saw %d calls", len(calls))
		}
		for _, c := range calls {
			pts, _, audio := c.sink.snapshot()
			if pts[8] < 10 {
				t.Errorf("call got only %d PCMA packets: %v", pts[8], pts)
			}
			_ = audio
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

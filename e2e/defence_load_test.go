package e2e

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
)

// TestDefenceOverloadGuard shows the overload guard at work under real load: sipp ramps calls
// with RTP both ways (sipp echoes the server's packets) past what the box can pace; the guard,
// set to 2 ms, starts answering new calls 503, and the calls it let in keep their send-interval
// p99 near the threshold while they are all up, instead of degrading with every call added.
//
// It loads both cores for about a minute, so it runs only with HOTLINE_E2E_LOAD=1
// (HOTLINE_E2E_LOAD_CALLS sets how many calls sipp attempts, default 1500).
func TestDefenceOverloadGuard(t *testing.T) {
	if os.Getenv("HOTLINE_E2E_LOAD") == "" {
		t.Skip("load test: set HOTLINE_E2E_LOAD=1 (it loads both cores for about a minute)")
	}
	calls := 1500
	if n, err := strconv.Atoi(os.Getenv("HOTLINE_E2E_LOAD_CALLS")); err == nil && n > 0 {
		calls = n
	}
	const threshold = 2 * time.Millisecond
	const rate, hold = 100, 40 * time.Second
	dp, err := os.ReadFile("../bench/hold.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv := StartServer(t, ServerOptions{Dialplan: string(dp), RTPTimeout: "60s", Extra: fmt.Sprintf(
		"defence:\n  max_calls: 0\n  overload: {max_send_jitter: %s, min_calls: 50, window: 1s, hold: 3s}\n", threshold)})
	start := time.Now()
	run, err := peers.StartSipp(t, peers.SippArgs{Scenario: "../bench/uac_hold.xml", Remote: srv.SIPAddr(), Service: "4008001234",
		Calls: calls, Rate: rate, Limit: calls, Keys: map[string]string{"call_ms": strconv.Itoa(int(hold / time.Millisecond)), "pt": "8",
			"rtpmap": "PCMA/8000"}, Extra: []string{"-rtp_echo", "-max_socket", "60000"}, Timeout: hold + 60*time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// Wait for the guard to trip, or for sipp to have tried every call.
	ramp := time.Duration(calls/rate)*time.Second + 5*time.Second
	for time.Since(start) < ramp && metricValue(t, srv, "hotline_overload_trips_total") < 1 {
		time.Sleep(500 * time.Millisecond)
	}
	tripped := metricValue(t, srv, "hotline_overload_trips_total") >= 1
	// The ramp ends (every INVITE sent); measure from then until the first calls' hang-up is due.
	if wait := time.Duration(calls/rate)*time.Second + 2*time.Second - time.Since(start); wait > 0 {
		time.Sleep(wait)
	}
	before := sendIntervals(t, srv)
	up := metricValue(t, srv, "hotline_active_calls")
	if end := start.Add(hold - 2*time.Second); time.Until(end) > 3*time.Second {
		time.Sleep(time.Until(end))
	}
	after := sendIntervals(t, srv)
	res, _ := run.Wait()
	refused := metricValue(t, srv, `hotline_sip_refused_total{reason="overload"}`)
	dev, n := jitterFromBuckets(before, after, 0.99)
	dev90, _ := jitterFromBuckets(before, after, 0.90)
	dev50, _ := jitterFromBuckets(before, after, 0.50)
	t.Logf("%d calls attempted at %d/s: %.0f up while measured, %.0f refused by the guard (sipp: %d ok, %d failed); "+
		"established calls' send-interval deviation p50 %v, p90 %v, p99 %v over %d intervals (guard threshold %v)",
		calls, rate, up, refused, res.Successful, res.Failed, dev50, dev90, dev, n, threshold)
	if !tripped || refused < 1 {
		t.Skipf("the guard never tripped: %d calls did not overload this machine (raise HOTLINE_E2E_LOAD_CALLS)", calls)
	}
	if float64(res.Failed) < refused {
		t.Errorf("sipp saw %d failed calls, fewer than the %v the guard refused", res.Failed, refused)
	}
	// The guard acts on whole windows, so the calls let in before it tripped push the p99 past its
	// threshold; they must not push it far past.
	if dev > 2*threshold {
		t.Errorf("established calls' p99 deviation %v with the guard at %v", dev, threshold)
	}
}

// sendIntervals reads the cumulative buckets of hotline_rtp_send_interval_seconds{kind="sip"} (upper bound in seconds → count).
func sendIntervals(t *testing.T, s *Server) map[float64]float64 {
	t.Helper()
	res, err := http.Get("http://" + s.HTTPAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	out := map[float64]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		rest, ok := strings.CutPrefix(line, `hotline_rtp_send_interval_seconds_bucket{kind="sip",le="`)
		if !ok {
			continue
		}
		le, val, _ := strings.Cut(rest, `"} `)
		b, err1 := strconv.ParseFloat(le, 64)
		v, err2 := strconv.ParseFloat(val, 64)
		if err1 == nil && err2 == nil {
			out[b] = v
		}
	}
	return out
}

// jitterFromBuckets is the q quantile of |interval − 20 ms| between two snapshots, at bucket
// bounds: for q = 0.99, the larger of (the p99.5 bucket's upper bound − 20 ms) and (20 ms − the
// p0.5 bucket's lower bound).
func jitterFromBuckets(before, after map[float64]float64, q float64) (time.Duration, uint64) {
	tailShare := (1 - q) / 2
	var bounds []float64
	for b := range after {
		bounds = append(bounds, b)
	}
	sort.Float64s(bounds)
	cum := func(i int) float64 { return after[bounds[i]] - before[bounds[i]] }
	if len(bounds) == 0 {
		return 0, 0
	}
	total := cum(len(bounds) - 1)
	if total <= 0 {
		return 0, 0
	}
	lo, hi := 0.0, math.Inf(1)
	for i := range bounds {
		if cum(i) <= tailShare*total {
			lo = bounds[i]
		}
		if cum(i) >= (1-tailShare)*total && math.IsInf(hi, 1) {
			hi = bounds[i]
		}
	}
	dev := math.Max(hi-0.020, 0.020-lo)
	if math.IsInf(dev, 1) || dev > 3600 {
		return time.Duration(math.MaxInt64), uint64(total) // beyond the last finite bucket (60 ms)
	}
	return time.Duration(dev * float64(time.Second)), uint64(total)
}

package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// benchAdminToken opens the server's /debug/pprof to the bench.
const benchAdminToken = "bench-profile-token"

// cpuProfile takes a CPU profile of the running server for d and returns
// the file it wrote, or "" when the server would not give one.
func cpuProfile(httpAddr string, d time.Duration) string {
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", httpAddr, int(d.Seconds())), nil)
	req.Header.Set("Authorization", "Bearer "+benchAdminToken)
	c := &http.Client{Timeout: d + 30*time.Second}
	resp, err := c.Do(req)
	if err != nil {
		logf("cpu profile: %v", err)
		return ""
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		logf("cpu profile: %s", resp.Status)
		return ""
	}
	f, err := os.CreateTemp("", "hotline-bench-*.pprof")
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		return ""
	}
	return f.Name()
}

// cpuShare is one line of "where the server's CPU went": the share of the
// profile's samples under the functions matching fn (cumulative).
type cpuShare struct {
	what  string
	fn    *regexp.Regexp
	share float64 // % of the sampled CPU
}

// profileShares reads a profile with `go tool pprof -top -cum` and returns
// the shares of the parts a call's cost is made of. The parts overlap
// where one calls another (the pacer makes the sendto calls); each row says
// what it includes.
func profileShares(bin, prof string) (rows []cpuShare, total string) {
	if prof == "" {
		return nil, ""
	}
	out, err := exec.Command("go", "tool", "pprof", "-top", "-cum", "-nodecount=2000", bin, prof).Output()
	if err != nil {
		logf("pprof: %v", err)
		return nil, ""
	}
	rows = []cpuShare{
		{what: "sendto: RTP out (and, on loopback, the kernel's delivery to sipp)", fn: regexp.MustCompile(`^syscall\.sendto$`)},
		{what: "recvfrom: RTP in and SIP in", fn: regexp.MustCompile(`^syscall\.recvfrom$`)},
		{what: "RTP pacer (the sender's work, including its sendto)", fn: regexp.MustCompile(`media\.\(\*pacerShard\)\.run$`)},
		{what: "RTP receive loops (including their recvfrom)", fn: regexp.MustCompile(`media\.\(\*rtpReceiver\)\.readLoop$`)},
		{what: "SIP transactions (sipgo) and our handlers", fn: regexp.MustCompile(`sip\.\(\*TransactionLayer\)\.handleRequest$`)},
		{what: "the call's flow (ivr: dialplan, prompts, recording)", fn: regexp.MustCompile(`ivr\.\(\*Engine\)\.Run$`)},
		{what: "store commits (bbolt)", fn: regexp.MustCompile(`bbolt\.\(\*DB\)\.Update$`)},
		{what: "Go scheduler looking for work (findRunnable, netpoll)", fn: regexp.MustCompile(`^runtime\.findRunnable$`)},
		{what: "garbage collector (background marking)", fn: regexp.MustCompile(`^runtime\.gcBgMarkWorker$`)},
		{what: "memory allocation (mallocgc)", fn: regexp.MustCompile(`^runtime\.mallocgc$`)},
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "Total samples") {
			total = strings.TrimSpace(line)
		}
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		name := strings.Join(f[5:], " ")
		cum, err := strconv.ParseFloat(strings.TrimSuffix(f[4], "%"), 64)
		if err != nil {
			continue
		}
		for i := range rows {
			if rows[i].fn.MatchString(name) && cum > rows[i].share {
				rows[i].share = cum
			}
		}
	}
	os.Remove(prof)
	return rows, total
}

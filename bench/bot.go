package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/bot/openaitest"
	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/record"
)

// ---- voice bot over SIP ----

// botRun is one run of concurrent SIP callers talking to the voice bot,
// whose engines are a local OpenAI-compatible server that answers at once.
type botRun struct {
	calls, turnsPerCall int
	run                 sippRun
	turns               int // bot turns with timings
	// Per bot turn, in ms (p50 and p95 of each): end of the caller's turn →
	// first reply frame handed to the call's RTP session, and its stages.
	total, asr, llm, tts, out [2]float64
	// The pacer's share: first queued reply frame → its RTP packet written
	// (all outbound audio starts of the run), the buckets of p50 and p95.
	start  [2]bucket
	starts uint64
	cpu    float64
}

const botTurnMs = 4000

// botTurnTargetMs is the target for end-of-turn decision → first bot RTP
// packet, minus engine time, at p95.
const botTurnTargetMs = 40.0

// turnEstimate adds the p95 of end of turn → reply frame queued and the
// upper bound of the bucket of the pacer's p95. The two stages are measured
// apart (per turn, and per audio start in a histogram), so this is an
// estimate of the p95 of their sum, not a measurement of it.
func (b botRun) turnEstimate() float64 { return b.total[1] + b.start[1].hi }

func (b botRun) turnTarget() string {
	if b.turns == 0 || !b.start[1].ok {
		return "not measured"
	}
	return fmt.Sprintf("%.1f ms against ≤ %.0f ms: %s", b.turnEstimate(), botTurnTargetMs, verdict(b.turnEstimate() <= botTurnTargetMs))
}

func (r *report) botCalls(bin string) {
	calls := 100
	if *quick {
		calls = 30
	}
	r.bot = append(r.bot, oneBotRun(bin, calls))
}

func oneBotRun(bin string, calls int) botRun {
	fake := openaitest.New()
	defer fake.Close()
	fake.SpeechMsPerChar = 20
	fake.Transcripts(openaitest.Transcript{Text: "what are your opening hours"})
	fake.Script(openaitest.Reply{Deltas: []string{"We are open ", "from 8 am to 8 pm."}})

	dir, err := os.MkdirTemp("", "hotline-bench-bot")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)
	dialplan := filepath.Join(dir, "dialplan.yaml")
	must(os.WriteFile(dialplan, []byte(botBenchDialplan), 0o644))
	// One caller turn: 0.3 s of silence, 0.8 s of voice, 1 s of silence.
	var payloads [][]byte
	add := func(p media.PCM16) {
		for i := 0; i+160 <= len(p); i += 160 {
			payloads = append(payloads, media.EncodeALaw(nil, p[i:i+160]))
		}
	}
	add(make(media.PCM16, 2400))
	add(audiotest.Tone(220, 8000, 800, 0.3))
	add(make(media.PCM16, 8000))
	pcap := filepath.Join(dir, "turn.pcap")
	must(peers.WriteRTPPCAP(pcap, 8, 0x5eed1400, 160, payloads))
	scenario, err := os.ReadFile("bench/uac_bot.xml")
	must(err)
	scen := filepath.Join(dir, "uac_bot.xml")
	must(os.WriteFile(scen, []byte(strings.ReplaceAll(string(scenario), "TURN_PCAP", pcap)), 0o644))

	token := "bench-admin-token"
	os.Setenv("HOTLINE_ADMIN_TOKEN", token)
	defer os.Unsetenv("HOTLINE_ADMIN_TOKEN")
	srv := startServer(bin, dialplan, `engines:
  asr:
    backend: openai
    base_url: `+fake.BaseURL()+`
  llm:
    backend: openai
    base_url: `+fake.BaseURL()+`
    model: bench-model
tts:
  engine: openai
  openai:
    base_url: `+fake.BaseURL()+`
`)
	defer srv.stop()
	pid := srv.cmd.Process.Pid
	remote := fmt.Sprintf("127.0.0.1:%d", srv.sipPort)
	br := botRun{calls: calls, turnsPerCall: 3}
	h0 := metricHistogram(srv.httpAddr, "hotline_rtp_audio_start_delay_seconds", "sip")
	c0, t0 := cpuTicks(pid), time.Now()
	rate := 20
	callMs := 300 + 3*botTurnMs
	br.run = runSipp(remote, freePort(), scen, "-s", "5000", "-r", strconv.Itoa(rate),
		"-m", strconv.Itoa(calls), "-l", strconv.Itoa(calls), "-mp", "41000",
		"-key", "turn_ms", strconv.Itoa(botTurnMs),
		"-timeout", strconv.Itoa(calls/rate+callMs/1000+60)+"s", "-max_socket", "60000")
	br.cpu = (cpuTicks(pid) - c0) / time.Since(t0).Seconds()
	if br.run.ok == 0 {
		logf("sipp exit %d:\n%s\nserver log: %s", br.run.exit, tailLines(br.run.output, 20), srv.logFile)
	}
	time.Sleep(time.Second) // the last records are written as the calls end
	h1 := metricHistogram(srv.httpAddr, "hotline_rtp_audio_start_delay_seconds", "sip")
	br.start = [2]bucket{histQuantile(h0, h1, 0.5), histQuantile(h0, h1, 0.95)}
	br.starts = histCount(h0, h1)

	recs := botRecords(srv.httpAddr, token, calls)
	var total, asr, llm, tts, out []float64
	ms := func(a, b time.Time) float64 { return float64(b.Sub(a)) / 1e6 }
	for _, c := range recs {
		for _, t := range c.Transcript {
			tm := t.Timing
			if t.Speaker != "bot" || tm == nil || tm.EndOfSpeech.IsZero() || tm.FirstRTPOut.IsZero() {
				continue
			}
			total = append(total, ms(tm.EndOfSpeech, tm.FirstRTPOut))
			asr = append(asr, ms(tm.EndOfSpeech, tm.ASRFinal))
			llm = append(llm, ms(tm.ASRFinal, tm.LLMFirstToken))
			tts = append(tts, ms(tm.LLMFirstToken, tm.FirstTTSAudio))
			out = append(out, ms(tm.FirstTTSAudio, tm.FirstRTPOut))
		}
	}
	br.turns = len(total)
	q := func(v []float64) [2]float64 { return [2]float64{quantile(v, 0.5), quantile(v, 0.95)} }
	br.total, br.asr, br.llm, br.tts, br.out = q(total), q(asr), q(llm), q(tts), q(out)
	logf("bot over SIP: %d calls (%d ok, %d failed), %d timed bot turns; end of turn → reply queued p50 %.1f p95 %.1f ms (asr %.1f, llm %.1f, tts %.1f, out %.1f p95); queued → on the wire p50 %s p95 %s over %d starts; turn target %s; server CPU %.0f%%",
		calls, br.run.ok, br.run.failed, br.turns, br.total[0], br.total[1], br.asr[1], br.llm[1], br.tts[1], br.out[1], br.start[0], br.start[1], br.starts, br.turnTarget(), br.cpu)
	return br
}

// botRecords fetches the records of the run's calls through the admin API.
func botRecords(addr, token string, calls int) []*record.Call {
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/api/calls?limit=%d", addr, calls+10), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fatal(fmt.Errorf("GET /api/calls: %s", resp.Status))
	}
	var recs []*record.Call
	if err := json.NewDecoder(resp.Body).Decode(&recs); err != nil {
		fatal(err)
	}
	return recs
}

func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func tailLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}

func must(err error) {
	if err != nil {
		fatal(err)
	}
}

// botBenchDialplan sends every call on 5000 to a voice bot that listens at
// once (no greeting), may be interrupted after the default 300 ms of speech
// (min_barge_in) and ends a turn after 500 ms of silence.
const botBenchDialplan = `version: 1
bots:
  assistant:
    barge_in: true
    end_of_turn_silence: 500ms
routes:
  - name: bot
    to: "5000"
    flow: bot
flows:
  bot:
    start: assistant
    nodes:
      - id: assistant
        type: bot
        profile: assistant
        done: bye
        error: bye
      - id: bye
        type: hangup
`

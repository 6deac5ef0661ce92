package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// The chat load: chatSessions visitors open a chat each (over the first 5 s), then each sends
// a question every 5 s for 60 s through the text API; the embedded engines answer from the
// demo knowledge base. Target: no error, bot reply p95 ≤ 50 ms, ≤ 50 KB of server memory per
// session. The latency is the POST's, as the client on the same machine sees it: the bot's
// reply plus loopback HTTP, so an upper bound of the server-side figure.
const (
	chatSessions   = 1000
	chatEvery      = 5 * time.Second
	chatFor        = 60 * time.Second
	chatP95Target  = 50 * time.Millisecond
	chatMemTarget  = 50 // KB per session
	chatBenchLimit = 3 * time.Minute
)

type chatRun struct {
	sessions, messages, errors int
	p50, p95, p99              time.Duration
	rssBefore, rssAfter        int     // KB
	heapBefore, heapAfter      float64 // bytes in use on the Go heap
	firstErr                   string
}

func (c *chatRun) perSessionKB() float64 {
	return float64(c.rssAfter-c.rssBefore) / float64(max(c.sessions, 1))
}

func (c *chatRun) met() bool {
	return c.errors == 0 && c.p95 <= chatP95Target && c.perSessionKB() <= chatMemTarget
}

func (r *report) chatBench(bin string) {
	logf("chat: %d sessions, a message every %v for %v", chatSessions, chatEvery, chatFor)
	srv := startServer(bin, "configs/dialplan.yaml", fmt.Sprintf(`chat:
  bot: assistant
  queue: support
  rate_per_minute: 60
  address_per_minute: %d
`, chatSessions*60))
	defer srv.stop()
	base := "http://" + srv.httpAddr
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: chatSessions + 10}}
	run := &chatRun{rssBefore: rssKB(srv.cmd.Process.Pid), heapBefore: heapInUse(srv.httpAddr)}
	questions := []string{"What are your opening hours?", "How long does shipping take?", "How do I return an item?",
		"What is the warranty?", "Where is my order?", "Can I pay by invoice?"}
	var (
		mu       sync.Mutex
		lat      []time.Duration
		errs     atomic.Int64
		sessions atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
		stopAt   = time.Now().Add(chatBenchLimit)
	)
	fail := func(err error) {
		errs.Add(1)
		firstErr.CompareAndSwap(nil, err.Error())
	}
	post := func(url, token string, body any) (*http.Response, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return client.Do(req)
	}
	for i := range chatSessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * chatEvery / chatSessions) // spread the starts
			resp, err := post(base+"/chat/api/sessions", "", map[string]string{"name": fmt.Sprintf("visitor %d", i)})
			if err != nil {
				fail(err)
				return
			}
			var op struct{ ID, Token string }
			_ = json.NewDecoder(resp.Body).Decode(&op)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				fail(fmt.Errorf("create: %s", resp.Status))
				return
			}
			sessions.Add(1)
			tick := time.NewTicker(chatEvery)
			defer tick.Stop()
			for n := 0; n < int(chatFor/chatEvery) && time.Now().Before(stopAt); n++ {
				t0 := time.Now()
				resp, err := post(base+"/chat/api/sessions/"+op.ID+"/messages", op.Token, map[string]string{"text": questions[(i+n)%len(questions)]})
				d := time.Since(t0)
				if err != nil {
					fail(err)
				} else {
					var out struct{ Messages []json.RawMessage }
					_ = json.NewDecoder(resp.Body).Decode(&out)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK || len(out.Messages) == 0 {
						fail(fmt.Errorf("message: %s, %d replies", resp.Status, len(out.Messages)))
					} else {
						mu.Lock()
						lat = append(lat, d)
						mu.Unlock()
					}
				}
				<-tick.C
			}
		}()
	}
	wg.Wait()
	// The sessions stay open (chats end after 30 min idle): what the server holds for them now.
	run.rssAfter = rssKB(srv.cmd.Process.Pid)
	run.heapAfter = heapInUse(srv.httpAddr)
	logf("TEMPHEAP\n%s", heapTop(srv))
	run.sessions, run.errors, run.messages = int(sessions.Load()), int(errs.Load()), len(lat)
	if v, ok := firstErr.Load().(string); ok {
		run.firstErr = v
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(q*float64(len(lat))))]
	}
	run.p50, run.p95, run.p99 = pct(0.5), pct(0.95), pct(0.99)
	logf("chat: %d sessions, %d replies, %d errors, p95 %v, %.1f KB/session", run.sessions, run.messages, run.errors, run.p95, run.perSessionKB())
	r.chat = run
}

func (r *report) chatSection(p func(string, ...any)) {
	c := r.chat
	if c == nil {
		return
	}
	p("## Web chat")
	p("")
	p("%d chat sessions through the text API (`POST /chat/api/sessions`, then `POST …/messages` every %v for %v each),", chatSessions, chatEvery, chatFor)
	p("answered by the demo bot with the embedded engines (knowledge-base retrieval over `configs/kb`); the starts are spread")
	p("over the first 5 s. Latency is each POST as the client on the same machine sees it (the bot's whole reply plus loopback")
	p("HTTP): an upper bound of the server-side figure. Memory is the server's RSS after the run minus before, per session,")
	p("with the sessions still open; the Go heap in use at that moment (`go_memstats_heap_inuse_bytes`) is given beside it: RSS also holds the")
	p("garbage collector's headroom (GOGC 100) and the 1,000 keep-alive HTTP connections' buffers.")
	p("Command: `go run -tags opus ./bench -only chat -merge`.")
	p("")
	p("| sessions | replies | errors | p50 | p95 | p99 | RSS per session | Go heap per session | target: 0 errors, p95 ≤ %v, ≤ %d KB/session (RSS) |", chatP95Target, chatMemTarget)
	p("|---|---|---|---|---|---|---|---|---|")
	p("| %d | %d | %d | %.1f ms | %.1f ms | %.1f ms | %.1f KB | %.1f KB | %s |", c.sessions, c.messages, c.errors, ms(c.p50), ms(c.p95), ms(c.p99), c.perSessionKB(),
		(c.heapAfter-c.heapBefore)/1024/float64(max(c.sessions, 1)), verdict(c.met()))
	if c.firstErr != "" {
		p("")
		p("First error: %s", c.firstErr)
	}
	p("")
}

func heapInUse(addr string) float64 {
	v, _ := metricValue(addr, "go_memstats_heap_inuse_bytes")
	return v
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"

	"github.com/hotline-cc/hotline/bot/openaitest"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// ---- barge-in heard at the phone ----
//
// Go SIP callers (sipgo for the dialog, one UDP socket for G.711 A-law RTP)
// call the voice bot and talk over its reply again and again. Each
// barge-in is timed at the caller: from the first RTP packet of its speech
// sent to the last RTP packet carrying the bot's voice received. The bot's
// voice is the test server's 440 Hz "speech", far above -40 dBFS; once the
// bot is cut off the server sends silence, far below it.

const (
	bargeCalls    = 4
	bargesPerCall = 6 // 24 barge-ins in all
	// bargeGuard is the bot's min_barge_in (the default): speech shorter
	// than this is a cough, not an interruption.
	bargeGuard = 300 * time.Millisecond
	// bargeSlack is what the target allows after the guard: the frame
	// already on its way and one 20 ms pacer slot.
	bargeSlack = 40 * time.Millisecond
	// The caller talks over the bot once it has heard bargeAfter of its
	// voice, for bargeSpeech: well past the guard.
	bargeAfter  = 400 * time.Millisecond
	bargeSpeech = 600 * time.Millisecond
	// bargeQuiet is the silence after which the bot counts as stopped.
	bargeQuiet = 200 * time.Millisecond
	voicedDBFS = -40.0
	framesMs   = 20
)

// bargeRun is the result: per figure p50 and p95 in ms.
type bargeRun struct {
	calls, samples int
	fromSpeech     [2]float64 // caller's first speech packet sent → last bot voice packet received
	afterGuard     [2]float64 // the caller's packet completing the guard sent → the same
	failures       []string   // calls or barge-ins that could not be timed
}

func (r *report) bargeIn(bin string) {
	r.barge = append(r.barge, oneBargeRun(bin))
}

func oneBargeRun(bin string) bargeRun {
	fake := openaitest.New()
	defer fake.Close()
	fake.SpeechMsPerChar = 20
	fake.Transcripts(openaitest.Transcript{Text: "tell me about delivery"})
	// One long sentence (one synthesis, about 5 s of voice): the only way
	// the bot's voice stops early is the barge-in.
	fake.Script(openaitest.Reply{Deltas: []string{"Standard delivery takes three to five working days within the Netherlands, ",
		"Belgium and Germany, five to eight working days to the rest of the European Union, ",
		"and express delivery arrives the next working day when you order before two in the afternoon."}})

	dir, err := os.MkdirTemp("", "hotline-bench-barge")
	must(err)
	defer os.RemoveAll(dir)
	dialplan := filepath.Join(dir, "dialplan.yaml")
	must(os.WriteFile(dialplan, []byte(botBenchDialplan), 0o644))
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

	dcc, closeUA, err := benchUA()
	must(err)
	defer closeUA()

	// Everything is bounded: each call gives up after a minute.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	type callResult struct {
		samples []bargeSample
		err     error
	}
	results := make(chan callResult, bargeCalls)
	for i := range bargeCalls {
		go func() {
			s, err := bargeCall(ctx, dcc, srv.sipPort, i)
			results <- callResult{s, err}
		}()
		time.Sleep(150 * time.Millisecond) // stagger the calls a little
	}
	br := bargeRun{calls: bargeCalls}
	var from, guard []float64
	for range bargeCalls {
		res := <-results
		if res.err != nil {
			br.failures = append(br.failures, res.err.Error())
		}
		for _, s := range res.samples {
			if s.err != "" {
				br.failures = append(br.failures, s.err)
				continue
			}
			from = append(from, ms(s.fromSpeech))
			guard = append(guard, ms(s.afterGuard))
		}
	}
	br.samples = len(from)
	br.fromSpeech = [2]float64{quantile(from, 0.5), quantile(from, 0.95)}
	br.afterGuard = [2]float64{quantile(guard, 0.5), quantile(guard, 0.95)}
	logf("barge-in at the phone: %d calls, %d barge-ins timed; caller starts talking → last bot voice packet p50 %.1f p95 %.1f ms; after the %v guard p50 %.1f p95 %.1f ms",
		br.calls, br.samples, br.fromSpeech[0], br.fromSpeech[1], bargeGuard, br.afterGuard[0], br.afterGuard[1])
	for _, f := range br.failures {
		logf("barge-in at the phone: %s (server log: %s)", f, srv.logFile)
	}
	return br
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// met reports whether a p95 met its target, as the report says it.
func met(p95, target float64, samples int) string {
	switch {
	case samples < 20:
		return "not measured (fewer than 20 barge-ins)"
	}
	return verdict(p95 <= target)
}

// benchUA is one SIP user agent for every bench caller: a UDP listener on
// loopback (for the server's in-dialog requests) and a dialog cache.
func benchUA() (*sipgo.DialogClientCache, func(), error) {
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	sip.SetDefaultLogger(quiet)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("hotline-bench"), sipgo.WithUserAgentHostname("127.0.0.1"))
	if err != nil {
		return nil, nil, err
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		ua.Close()
		return nil, nil, err
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		ua.Close()
		return nil, nil, err
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientAddr(conn.LocalAddr().String()), sipgo.WithClientLogger(quiet))
	if err != nil {
		ua.Close()
		return nil, nil, err
	}
	dcc := sipgo.NewDialogClientCache(cli, sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "bench", Host: "127.0.0.1", Port: port}})
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) { _ = dcc.ReadBye(req, tx) })
	go srv.ServeUDP(conn)
	return dcc, func() { srv.Close(); ua.Close(); conn.Close() }, nil
}

// bargeSample is one barge-in timed at the caller, or why it could not be.
type bargeSample struct {
	fromSpeech, afterGuard time.Duration
	err                    string
}

// heardPacket is one RTP packet from the server: when it arrived and
// whether it carried the bot's voice.
type heardPacket struct {
	at     time.Time
	voiced bool
}

// ear keeps what the caller hears.
type ear struct {
	mu   sync.Mutex
	pkts []heardPacket
}

func (e *ear) listen(conn *net.UDPConn) {
	stamped := kernelStamps(conn)
	buf, oob := make([]byte, 1500), make([]byte, 128)
	var pcm media.PCM16
	for {
		n, oobn, _, _, err := conn.ReadMsgUDP(buf, oob)
		if err != nil {
			return
		}
		at := time.Now()
		if stamped {
			if t, ok := kernelStamp(oob[:oobn]); ok {
				at = t
			}
		}
		var pkt rtp.Packet
		if pkt.Unmarshal(buf[:n]) != nil || pkt.PayloadType != 8 {
			continue // not audio (telephone-event)
		}
		pcm = media.DecodeALaw(pcm[:0], pkt.Payload)
		db, _ := media.FrameLevel(pcm)
		e.mu.Lock()
		e.pkts = append(e.pkts, heardPacket{at, db > voicedDBFS})
		e.mu.Unlock()
	}
}

// voicedFor reports whether the last d of packets all carried voice, the
// newest within two frames of now.
func (e *ear) voicedFor(d time.Duration, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := int(d / (framesMs * time.Millisecond))
	if len(e.pkts) < n || now.Sub(e.pkts[len(e.pkts)-1].at) > 2*framesMs*time.Millisecond {
		return false
	}
	for _, p := range e.pkts[len(e.pkts)-n:] {
		if !p.voiced {
			return false
		}
	}
	return true
}

// stopAfter finds where the bot's voice stopped after t: the last voiced
// packet before the first bargeQuiet of silence that begins after t. ok is
// false until that silence has been heard.
func (e *ear) stopAfter(t time.Time) (last time.Time, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	quiet := 0
	need := int(bargeQuiet / (framesMs * time.Millisecond))
	for _, p := range e.pkts {
		if p.voiced {
			last, quiet = p.at, 0
			continue
		}
		if p.at.After(t) {
			if quiet++; quiet >= need {
				return last, true
			}
		}
	}
	return last, false
}

// bargeCall is one caller: it asks a question, then each time the bot has
// talked for bargeAfter it talks over it for bargeSpeech, bargesPerCall
// times, and hangs up.
func bargeCall(ctx context.Context, dcc *sipgo.DialogClientCache, sipPort, n int) ([]bargeSample, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	port := conn.LocalAddr().(*net.UDPAddr).Port
	offer := fmt.Sprintf("v=0\r\no=bench %d 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n", port, port)
	dlg, err := dcc.Invite(ctx, sip.Uri{Scheme: "sip", User: "5000", Host: "127.0.0.1", Port: sipPort}, []byte(offer),
		sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		return nil, fmt.Errorf("call %d: INVITE: %w", n, err)
	}
	defer dlg.Close()
	if err := dlg.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		return nil, fmt.Errorf("call %d: not answered: %w", n, err)
	}
	remote, err := sdpAudio(string(dlg.InviteResponse.Body()))
	if err != nil {
		return nil, fmt.Errorf("call %d: answer: %w", n, err)
	}
	if err := dlg.Ack(ctx); err != nil {
		return nil, fmt.Errorf("call %d: ACK: %w", n, err)
	}
	defer func() {
		bctx, bcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer bcancel()
		_ = dlg.Bye(bctx)
	}()

	e := &ear{}
	go e.listen(conn)
	m := newMouth(conn, remote)
	starts, guards, err := m.converse(ctx, e)
	time.Sleep(100 * time.Millisecond) // the last packets in flight
	var out []bargeSample
	for i, t0 := range starts {
		last, ok := e.stopAfter(t0)
		switch {
		case !ok:
			out = append(out, bargeSample{err: fmt.Sprintf("call %d barge-in %d: the bot's voice did not stop", n, i+1)})
		case last.Before(t0):
			out = append(out, bargeSample{err: fmt.Sprintf("call %d barge-in %d: the bot was quiet before the caller spoke", n, i+1)})
		default:
			out = append(out, bargeSample{fromSpeech: last.Sub(t0), afterGuard: last.Sub(guards[i])})
		}
	}
	if err != nil {
		err = fmt.Errorf("call %d: %w", n, err)
	}
	return out, err
}

// sdpAudio reads the audio address from an SDP answer.
func sdpAudio(sdp string) (*net.UDPAddr, error) {
	var ip net.IP
	port := 0
	for _, l := range strings.Split(sdp, "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "c=IN IP4 "); ok {
			ip = net.ParseIP(strings.TrimSpace(rest))
		}
		if rest, ok := strings.CutPrefix(l, "m=audio "); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				port, _ = strconv.Atoi(f[0])
			}
		}
	}
	if ip == nil || port == 0 {
		return nil, errors.New("no audio address in the SDP answer")
	}
	return &net.UDPAddr{IP: ip, Port: port}, nil
}

// mouth is the caller's RTP sender: one A-law packet every 20 ms on a
// ticker, silence unless it is speaking.
type mouth struct {
	conn   *net.UDPConn
	remote *net.UDPAddr
	seq    uint16
	ts     uint32
	ssrc   uint32
	voice  []byte // one frame of the caller's "speech", A-law
	hush   []byte // one frame of silence
}

func newMouth(conn *net.UDPConn, remote *net.UDPAddr) *mouth {
	return &mouth{conn: conn, remote: remote, seq: uint16(rand.Uint32()), ts: rand.Uint32(), ssrc: rand.Uint32(),
		voice: media.EncodeALaw(nil, audiotest.Tone(220, 8000, framesMs, 0.3)),
		hush:  media.EncodeALaw(nil, make(media.PCM16, 8000*framesMs/1000))}
}

// send sends one frame and returns when it went.
func (m *mouth) send(voiced bool) (time.Time, error) {
	payload := m.hush
	if voiced {
		payload = m.voice
	}
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 8, SequenceNumber: m.seq, Timestamp: m.ts, SSRC: m.ssrc}, Payload: payload}
	m.seq++
	m.ts += uint32(len(payload))
	b, err := pkt.Marshal()
	if err != nil {
		return time.Time{}, err
	}
	at := time.Now()
	_, err = m.conn.WriteToUDP(b, m.remote)
	return at, err
}

// converse runs the caller's side: 300 ms of silence, an 800 ms question,
// then for each barge-in: wait (up to 10 s) until the bot has talked for
// bargeAfter, talk for bargeSpeech, and wait (up to 5 s) until the bot's
// voice has stopped. It returns when each barge-in's speech began and when
// the packet that completes the guard was sent.
func (m *mouth) converse(ctx context.Context, e *ear) (starts, guards []time.Time, err error) {
	tick := time.NewTicker(framesMs * time.Millisecond)
	defer tick.Stop()
	frames := func(d time.Duration) int { return int(d / (framesMs * time.Millisecond)) }
	// say sends n frames of voice (or silence) on the ticker and returns
	// when each went.
	say := func(n int, voiced bool) ([]time.Time, error) {
		sent := make([]time.Time, 0, n)
		for range n {
			select {
			case <-ctx.Done():
				return sent, ctx.Err()
			case <-tick.C:
			}
			at, err := m.send(voiced)
			if err != nil {
				return sent, err
			}
			sent = append(sent, at)
		}
		return sent, nil
	}
	// until sends silence until cond holds, for up to limit.
	until := func(limit time.Duration, what string, cond func(time.Time) bool) error {
		for range frames(limit) {
			if _, err := say(1, false); err != nil {
				return err
			}
			if cond(time.Now()) {
				return nil
			}
		}
		return fmt.Errorf("%s: not within %v", what, limit)
	}
	if _, err := say(frames(300*time.Millisecond), false); err != nil {
		return nil, nil, err
	}
	if _, err := say(frames(800*time.Millisecond), true); err != nil {
		return nil, nil, err
	}
	for i := range bargesPerCall {
		// A phone's clock is not the server's: each barge-in starts at a
		// new random offset from the server's 20 ms packet grid, so the
		// figures cover every phase rather than the one the call began with.
		time.Sleep(rand.N(framesMs * time.Millisecond))
		tick.Reset(framesMs * time.Millisecond)
		if err := until(10*time.Second, fmt.Sprintf("barge-in %d: the bot talking", i+1), func(now time.Time) bool { return e.voicedFor(bargeAfter, now) }); err != nil {
			return starts, guards, err
		}
		sent, err := say(frames(bargeSpeech), true)
		if err != nil {
			return starts, guards, err
		}
		starts = append(starts, sent[0])
		guards = append(guards, sent[frames(bargeGuard)-1])
		t0 := sent[0]
		if err := until(5*time.Second, fmt.Sprintf("barge-in %d: the bot stopping", i+1), func(time.Time) bool { _, ok := e.stopAfter(t0); return ok }); err != nil {
			return starts, guards, err
		}
	}
	return starts, guards, nil
}

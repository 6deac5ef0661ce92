package peers

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Event kinds emitted by baresip's ctrl_tcp module (the "type" field of an
// event). These are the ones the hotline tests care about; any other string
// baresip emits can be waited for as well.
const (
	EventRegistering     = "REGISTERING"
	EventRegisterOK      = "REGISTER_OK"
	EventRegisterFail    = "REGISTER_FAIL"
	EventUnregistering   = "UNREGISTERING"
	EventCallIncoming    = "CALL_INCOMING"
	EventCallRinging     = "CALL_RINGING"  // outgoing call got 180
	EventCallProgress    = "CALL_PROGRESS" // outgoing call got 183 + SDP (early media)
	EventCallEstablished = "CALL_ESTABLISHED"
	EventCallClosed      = "CALL_CLOSED" // Param holds the reason, e.g. "486 Busy Here"
	EventCallRTPEstab    = "CALL_RTPESTAB"
	EventCallDTMFStart   = "CALL_DTMF_START" // received DTMF digit (RFC 4733); Param is the digit
	EventCallDTMFEnd     = "CALL_DTMF_END"
	EventAudioError      = "AUDIO_ERROR"
)

// DefaultCommandTimeout bounds every ctrl_tcp command round trip.
const DefaultCommandTimeout = 5 * time.Second

// PhoneConfig describes one baresip soft-phone.
type PhoneConfig struct {
	// User is the SIP user part (e.g. "alice", "caller1"). Required.
	User string
	// Password enables REGISTER with digest auth when Registrar is set.
	Password string
	// AuthUser is the digest username; defaults to User.
	AuthUser string
	// Registrar is "host:port" of the registrar/domain, e.g. "127.0.0.1:5060".
	// The AOR becomes sip:User@Registrar. Registration only happens when
	// Password is also set; otherwise the phone is a plain peer whose AOR is
	// sip:User@127.0.0.1:LocalPort (it can still dial any URI).
	Registrar string
	// RegisterInterval is the REGISTER expiry in seconds (baresip "regint"); default 600.
	RegisterInterval int
	// LocalPort is the SIP port (UDP and TCP) on 127.0.0.1; 0 picks a free one.
	LocalPort int
	// Transport is "udp" (default) or "tcp"; used for registration and
	// appended to dialled URIs that carry no transport parameter.
	Transport string
	// PlayWAV is the "microphone": a WAV file played into every call (each
	// call starts again at its beginning). It is converted to 8 kHz mono S16
	// if needed (needs sox) and looped/cut to MaxCallSeconds, because
	// baresip v1.0.0 hangs the call up (AUDIO_ERROR "end of file") when the
	// aufile source runs out. Empty means silence.
	PlayWAV string
	// RecordWAV, if set, receives a copy of the audio heard in the last call
	// (see RecordedWAV). Recordings are always kept in Dir()/rec as well.
	RecordWAV string
	// AutoAnswer answers incoming calls (after AnswerDelay) from Go as soon as
	// CALL_INCOMING arrives, so CALL_INCOMING is always observable.
	AutoAnswer  bool
	AnswerDelay time.Duration
	// Codecs restricts/orders offered codecs, e.g. []string{"PCMA"}. Default PCMU, PCMA
	// (with Wideband: G722, opus, PCMU, PCMA).
	Codecs []string
	// Wideband loads baresip's G.722 and Opus codecs ahead of G.711 and runs
	// the audio source and player at 16 kHz, like an HD desk phone.
	Wideband bool
	// RTPPorts is baresip's rtp_ports range, e.g. "40000-40999". Default is baresip's.
	RTPPorts string
	// MediaEnc loads baresip's srtp module and sets the account's media encryption: "srtp"
	// (offers RTP/AVP with a=crypto, takes plain RTP too), "srtp-mand" (offers RTP/SAVP, refuses
	// plain RTP). Empty: plain RTP.
	MediaEnc string
	// MaxCallSeconds is the length of the generated mic WAV and therefore
	// the longest possible call. Default 120. (baresip loads the whole WAV
	// into memory when a call starts: 16 kB per second.)
	MaxCallSeconds int
	// MaxLifetime kills baresip (baresip -t) after this long no matter what. Default 10 min.
	MaxLifetime time.Duration
	// SIPTrace makes baresip log all SIP messages (baresip -s) into its log.
	SIPTrace bool
	// ExtraConfig lines are appended verbatim to the generated config file.
	ExtraConfig []string
	// Binary is the baresip executable; default "baresip" from PATH.
	Binary string
}

// Event is one ctrl_tcp event.
type Event struct {
	Type       string         `json:"type"`
	Class      string         `json:"class"`
	AccountAOR string         `json:"accountaor"`
	Direction  string         `json:"direction"`
	PeerURI    string         `json:"peeruri"`
	ID         string         `json:"id"`
	Param      string         `json:"param"`
	Raw        map[string]any `json:"-"`
	Time       time.Time      `json:"-"`
}

func (e Event) String() string {
	return fmt.Sprintf("%s %s dir=%s peer=%s id=%s param=%q", e.Time.Format("15:04:05.000"), e.Type, e.Direction, e.PeerURI, e.ID, e.Param)
}

type ctrlResponse struct {
	OK    bool   `json:"ok"`
	Data  string `json:"data"`
	Token string `json:"token"`
}

// Phone is a running baresip process controlled over ctrl_tcp.
type Phone struct {
	tb        testing.TB
	cfg       PhoneConfig
	name      string
	dir       string
	recDir    string
	logPath   string
	sipPort   int
	ctrlPort  int
	aor       string
	cmd       *exec.Cmd
	exited    chan struct{}
	conn      net.Conn
	writeMu   sync.Mutex
	mu        sync.Mutex
	cond      chan struct{} // closed and replaced whenever events change
	events    []Event
	consumed  []bool
	pending   map[string]chan ctrlResponse
	tokenSeq  int
	readerErr error
	heardSeq  int
	closeOnce sync.Once
}

// StartPhone starts baresip with a generated config directory and returns
// once its ctrl_tcp interface is connected and the user agent exists. If
// Password and Registrar are set, REGISTER is sent; wait for it with
// WaitRegistered. The process is stopped in t.Cleanup. Skips the test if
// baresip is not installed.
func StartPhone(tb testing.TB, cfg PhoneConfig) *Phone {
	tb.Helper()
	bin := cfg.Binary
	if bin == "" {
		bin = "baresip"
	}
	if _, err := exec.LookPath(bin); err != nil {
		tb.Skipf("baresip not found (%v): install the Debian package 'baresip' (apt-get install baresip)", err)
	}
	cfg.Binary = bin
	if cfg.User == "" {
		tb.Fatal("peers.StartPhone: PhoneConfig.User is required")
	}
	var lastErr error
	attempts := 1
	if cfg.LocalPort == 0 {
		attempts = 3 // free-port races: retry with new ports
	}
	for i := 0; i < attempts; i++ {
		p, err := startPhone(tb, cfg)
		if err == nil {
			return p
		}
		lastErr = err
	}
	tb.Fatalf("peers.StartPhone(%s): %v", cfg.User, lastErr)
	return nil
}

func startPhone(tb testing.TB, cfg PhoneConfig) (*Phone, error) {
	dir, err := os.MkdirTemp("", "peers-baresip-"+sanitize(cfg.User)+"-")
	if err != nil {
		return nil, err
	}
	tb.Cleanup(func() {
		if !tb.Failed() || os.Getenv("PEERS_KEEP") == "" {
			os.RemoveAll(dir)
		} else {
			tb.Logf("peers: kept baresip dir %s", dir)
		}
	})
	p := &Phone{
		tb:      tb,
		cfg:     cfg,
		name:    cfg.User,
		dir:     dir,
		recDir:  filepath.Join(dir, "rec"),
		logPath: filepath.Join(dir, "baresip.log"),
		exited:  make(chan struct{}),
		cond:    make(chan struct{}),
		pending: map[string]chan ctrlResponse{},
	}
	if err := os.MkdirAll(p.recDir, 0o755); err != nil {
		return nil, err
	}
	p.sipPort = cfg.LocalPort
	if p.sipPort == 0 {
		if p.sipPort, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if p.ctrlPort, err = FreeTCPPort(); err != nil {
		return nil, err
	}
	maxCall := cfg.MaxCallSeconds
	if maxCall <= 0 {
		maxCall = 120
	}
	mic := filepath.Join(dir, "mic.wav")
	if err := prepareMic(cfg.PlayWAV, mic, maxCall, p.audioRate()); err != nil {
		return nil, fmt.Errorf("prepare PlayWAV: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(p.configText(mic)), 0o644); err != nil {
		return nil, err
	}
	// Accounts are created over ctrl_tcp ("uanew") once we are connected, so
	// that no REGISTER_OK/FAIL event can be emitted before we listen.
	if err := os.WriteFile(filepath.Join(dir, "accounts"), nil, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "contacts"), nil, 0o644); err != nil {
		return nil, err
	}

	life := cfg.MaxLifetime
	if life <= 0 {
		life = 10 * time.Minute
	}
	args := []string{"-f", dir, "-v", "-t", strconv.Itoa(int(life.Seconds()))}
	if cfg.SIPTrace {
		args = append(args, "-s")
	}
	logf, err := os.Create(p.logPath)
	if err != nil {
		return nil, err
	}
	p.cmd = exec.Command(cfg.Binary, args...)
	p.cmd.Dir = dir
	p.cmd.Stdin = nil
	p.cmd.Stdout = logf
	p.cmd.Stderr = logf
	p.cmd.Env = append(os.Environ(), "HOME="+dir)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", cfg.Binary, err)
	}
	go func() {
		p.cmd.Wait()
		logf.Close()
		close(p.exited)
	}()
	tb.Cleanup(p.Close)

	// Connect to ctrl_tcp (bounded: 10 s, 25 ms steps).
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p.ctrlPort)), time.Second)
		if err == nil {
			p.conn = c
			break
		}
		select {
		case <-p.exited:
			p.Close()
			return nil, fmt.Errorf("baresip exited during startup; log:\n%s", p.LogTail(40))
		default:
		}
		if time.Now().After(deadline) {
			p.Close()
			return nil, fmt.Errorf("ctrl_tcp 127.0.0.1:%d not reachable after 10s; log:\n%s", p.ctrlPort, p.LogTail(40))
		}
		time.Sleep(25 * time.Millisecond)
	}
	go p.readLoop()

	acct, aor := p.accountLine()
	p.aor = aor
	if _, err := p.Command("uanew", acct); err != nil {
		p.Close()
		return nil, fmt.Errorf("uanew: %w; log:\n%s", err, p.LogTail(40))
	}
	return p, nil
}

func (p *Phone) configText(mic string) string {
	var b strings.Builder
	w := func(k, v string) { fmt.Fprintf(&b, "%-22s %s\n", k, v) }
	b.WriteString("# generated by github.com/hotline-cc/hotline/e2e/peers\n")
	w("poll_method", "epoll")
	w("sip_listen", fmt.Sprintf("127.0.0.1:%d", p.sipPort))
	w("net_interface", "127.0.0.1") // SDP c= and RTP use loopback only
	w("dns_server", "127.0.0.1:53") // never query a real resolver
	w("call_local_timeout", "120")
	w("call_max_calls", "4")
	// Audio: no sound card. The mic is aufile (a WAV), the speaker is the
	// in-process aubridge (a sink nobody reads), and the received audio is
	// captured by the sndfile filter into snd_path/dump-<time>-dec.wav.
	w("audio_player", "aubridge,spk-"+sanitize(p.name))
	w("audio_source", "aufile,"+mic)
	w("audio_alert", "aubridge,alert-"+sanitize(p.name))
	w("ausrc_srate", strconv.Itoa(p.audioRate()))
	w("auplay_srate", strconv.Itoa(p.audioRate()))
	w("ausrc_channels", "1")
	w("auplay_channels", "1")
	w("audio_level", "no")
	w("ausrc_format", "s16")
	w("auplay_format", "s16")
	w("auenc_format", "s16")
	w("audec_format", "s16")
	w("rtp_tos", "0")
	if p.cfg.RTPPorts != "" {
		w("rtp_ports", p.cfg.RTPPorts)
	}
	w("rtcp_mux", "no")
	w("jitter_buffer_delay", "5-10")
	w("rtp_stats", "no")
	w("module_path", "/usr/lib/baresip/modules")
	if p.cfg.Wideband {
		w("module", "g722.so")
		w("module", "opus.so")
		w("opus_bitrate", "32000")
	}
	w("module", "g711.so")
	if p.cfg.MediaEnc != "" {
		w("module", "srtp.so")
	}
	w("module", "aufile.so")
	w("module", "aubridge.so")
	w("module", "sndfile.so")
	w("module_app", "menu.so")
	w("module_app", "ctrl_tcp.so")
	w("ctrl_tcp_listen", fmt.Sprintf("127.0.0.1:%d", p.ctrlPort))
	w("snd_path", p.recDir)
	w("statmode_default", "off")
	w("ringback_disabled", "yes")
	w("menu_bell", "no")
	for _, l := range p.cfg.ExtraConfig {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// audioRate is the rate of the phone's microphone and speaker.
func (p *Phone) audioRate() int {
	if p.cfg.Wideband {
		return 16000
	}
	return MicRate
}

func (p *Phone) accountLine() (line, aor string) {
	cfg := p.cfg
	uriParams := ""
	if t := strings.ToLower(cfg.Transport); t != "" && t != "udp" {
		uriParams = ";transport=" + t
	}
	var params []string
	if cfg.Registrar != "" && cfg.Password != "" {
		aor = fmt.Sprintf("sip:%s@%s", cfg.User, cfg.Registrar)
		params = append(params, "auth_pass="+cfg.Password)
		if cfg.AuthUser != "" {
			params = append(params, "auth_user="+cfg.AuthUser)
		}
		ri := cfg.RegisterInterval
		if ri <= 0 {
			ri = 600
		}
		params = append(params, "regint="+strconv.Itoa(ri))
	} else {
		host := cfg.Registrar
		if host == "" {
			host = fmt.Sprintf("127.0.0.1:%d", p.sipPort)
		}
		aor = fmt.Sprintf("sip:%s@%s", cfg.User, host)
		params = append(params, "regint=0")
	}
	params = append(params, "answermode=manual")
	if cfg.MediaEnc != "" {
		params = append(params, "mediaenc="+cfg.MediaEnc)
	}
	if len(cfg.Codecs) > 0 {
		// baresip matches name/rate/channels, and the rate defaults to 8000.
		var cs []string
		for _, c := range cfg.Codecs {
			switch strings.ToLower(c) {
			case "g722":
				c = "G722/16000/1"
			case "opus":
				c = "opus/48000/2"
			}
			cs = append(cs, c)
		}
		params = append(params, "audio_codecs="+strings.Join(cs, ","))
	}
	return fmt.Sprintf("<%s%s>;%s", aor, uriParams, strings.Join(params, ";")), aor
}

// AOR is the phone's address of record, e.g. sip:alice@127.0.0.1:5060.
func (p *Phone) AOR() string { return p.aor }

// URI is a URI that reaches this phone directly, e.g. sip:bob@127.0.0.1:35062.
func (p *Phone) URI() string {
	u := fmt.Sprintf("sip:%s@127.0.0.1:%d", p.cfg.User, p.sipPort)
	if t := strings.ToLower(p.cfg.Transport); t != "" && t != "udp" {
		u += ";transport=" + t
	}
	return u
}

// SIPPort is the local SIP port (UDP+TCP on 127.0.0.1).
func (p *Phone) SIPPort() int { return p.sipPort }

// Dir is the generated baresip config directory (config, mic.wav, rec/, baresip.log).
func (p *Phone) Dir() string { return p.dir }

// Command runs any baresip long command (as listed by "help") over ctrl_tcp
// and returns its textual output.
func (p *Phone) Command(cmd, params string) (string, error) {
	p.mu.Lock()
	if p.readerErr != nil {
		err := p.readerErr
		p.mu.Unlock()
		return "", fmt.Errorf("peers: %s: control connection closed: %w", p.name, err)
	}
	p.tokenSeq++
	tok := fmt.Sprintf("t%d", p.tokenSeq)
	ch := make(chan ctrlResponse, 1)
	p.pending[tok] = ch
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.pending, tok)
		p.mu.Unlock()
	}()

	msg := map[string]string{"command": cmd, "token": tok}
	if params != "" {
		msg["params"] = params
	}
	body, _ := json.Marshal(msg)
	p.writeMu.Lock()
	if p.conn == nil {
		p.writeMu.Unlock()
		return "", errors.New("peers: phone not connected")
	}
	p.conn.SetWriteDeadline(time.Now().Add(DefaultCommandTimeout))
	_, err := fmt.Fprintf(p.conn, "%d:%s,", len(body), body)
	p.writeMu.Unlock()
	if err != nil {
		return "", fmt.Errorf("peers: send %q: %w", cmd, err)
	}
	t := time.NewTimer(DefaultCommandTimeout)
	defer t.Stop()
	select {
	case r := <-ch:
		if !r.OK {
			return r.Data, fmt.Errorf("peers: baresip command %q %q failed: %s", cmd, params, strings.TrimSpace(r.Data))
		}
		return r.Data, nil
	case <-p.exited:
		return "", fmt.Errorf("peers: baresip exited while running %q", cmd)
	case <-t.C:
		return "", fmt.Errorf("peers: no response to %q within %v", cmd, DefaultCommandTimeout)
	}
}

// Dial places a call. If the phone uses a non-UDP transport and the URI has
// no transport parameter, ";transport=<t>" is appended.
func (p *Phone) Dial(uri string) error {
	if t := strings.ToLower(p.cfg.Transport); t != "" && t != "udp" && !strings.Contains(uri, "transport=") {
		uri += ";transport=" + t
	}
	_, err := p.Command("dial", uri)
	return err
}

// Answer accepts the pending incoming call.
func (p *Phone) Answer() error {
	_, err := p.Command("accept", "")
	return err
}

// Hangup hangs up the current call (or rejects/cancels a ringing one).
func (p *Phone) Hangup() error {
	_, err := p.Command("hangup", "")
	return err
}

// SendDTMF sends digits (0-9, *, #, A-D) in the current call as RFC 4733
// telephone-events (payload type as negotiated, 101 by default). Digits are
// queued by baresip and sent one after another.
func (p *Phone) SendDTMF(digits string) error {
	for _, c := range digits {
		if !strings.ContainsRune("0123456789*#ABCDabcd", c) {
			return fmt.Errorf("peers: invalid DTMF digit %q", c)
		}
	}
	_, err := p.Command("sndcode", strings.ToUpper(digits))
	return err
}

// WaitRegistered waits for REGISTER_OK and fails fast on REGISTER_FAIL.
func (p *Phone) WaitRegistered(ctx context.Context) error {
	ev, err := p.WaitEventMatch(ctx, func(e Event) bool {
		return e.Type == EventRegisterOK || e.Type == EventRegisterFail
	})
	if err != nil {
		return err
	}
	if ev.Type == EventRegisterFail {
		return fmt.Errorf("peers: %s registration failed: %s", p.aor, ev.Param)
	}
	return nil
}

// WaitEvent waits for the next not-yet-consumed event of the given kind
// (e.g. EventCallEstablished). Events are buffered from startup, so an event
// that arrived before the call is not lost; each event is returned once.
func (p *Phone) WaitEvent(ctx context.Context, kind string) (Event, error) {
	return p.WaitEventMatch(ctx, func(e Event) bool { return e.Type == kind })
}

// WaitEventMatch is WaitEvent with an arbitrary predicate.
func (p *Phone) WaitEventMatch(ctx context.Context, match func(Event) bool) (Event, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	for {
		p.mu.Lock()
		for i, e := range p.events {
			if !p.consumed[i] && match(e) {
				p.consumed[i] = true
				p.mu.Unlock()
				return e, nil
			}
		}
		ch := p.cond
		rerr := p.readerErr
		p.mu.Unlock()
		if rerr != nil {
			return Event{}, fmt.Errorf("peers: %s: event stream ended: %v; log:\n%s", p.name, rerr, p.LogTail(30))
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Event{}, fmt.Errorf("peers: %s: waiting for event: %w; events so far:\n%s", p.name, ctx.Err(), p.eventSummary())
		}
	}
}

// Events returns a snapshot of all events received so far.
func (p *Phone) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.events...)
}

func (p *Phone) eventSummary() string {
	var b strings.Builder
	for _, e := range p.Events() {
		b.WriteString("  " + e.String() + "\n")
	}
	return b.String()
}

func (p *Phone) readLoop() {
	r := bufio.NewReaderSize(p.conn, 64<<10)
	var err error
	for {
		var msg []byte
		msg, err = readNetstring(r)
		if err != nil {
			break
		}
		var head struct {
			Event    bool `json:"event"`
			Response bool `json:"response"`
		}
		if json.Unmarshal(msg, &head) != nil {
			continue
		}
		switch {
		case head.Response:
			var resp ctrlResponse
			if json.Unmarshal(msg, &resp) == nil {
				p.mu.Lock()
				ch := p.pending[resp.Token]
				p.mu.Unlock()
				if ch != nil {
					select {
					case ch <- resp:
					default:
					}
				}
			}
		case head.Event:
			var ev Event
			if json.Unmarshal(msg, &ev) != nil {
				continue
			}
			json.Unmarshal(msg, &ev.Raw)
			ev.Time = time.Now()
			p.mu.Lock()
			p.events = append(p.events, ev)
			p.consumed = append(p.consumed, false)
			close(p.cond)
			p.cond = make(chan struct{})
			p.mu.Unlock()
			if ev.Type == EventCallIncoming && p.cfg.AutoAnswer {
				go p.autoAnswer()
			}
		}
	}
	p.mu.Lock()
	p.readerErr = err
	close(p.cond)
	p.cond = make(chan struct{})
	p.mu.Unlock()
}

func (p *Phone) autoAnswer() {
	if d := p.cfg.AnswerDelay; d > 0 {
		select {
		case <-time.After(d):
		case <-p.exited:
			return
		}
	}
	// The caller may have cancelled meanwhile; ignore errors.
	p.Answer()
}

// readNetstring reads one "<len>:<payload>," frame.
func readNetstring(r *bufio.Reader) ([]byte, error) {
	lenStr, err := r.ReadString(':')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(lenStr, ":")))
	if err != nil || n < 0 || n > 8<<20 {
		return nil, fmt.Errorf("bad netstring length %q", lenStr)
	}
	buf := make([]byte, n+1)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	if buf[n] != ',' {
		return nil, errors.New("netstring not terminated by ','")
	}
	return buf[:n], nil
}

// Recordings lists the received-audio WAVs (one per call, oldest first).
// baresip's sndfile module names them dump-YYYY-MM-DD-hh-mm-ss-dec.wav, so
// two calls starting within the same second on the same phone share a file.
func (p *Phone) Recordings() []string {
	return p.dumps("-dec.wav")
}

// SentRecordings lists what this phone encoded and sent (one WAV per call).
func (p *Phone) SentRecordings() []string {
	return p.dumps("-enc.wav")
}

func (p *Phone) dumps(suffix string) []string {
	ents, _ := os.ReadDir(p.recDir)
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "dump-") && strings.HasSuffix(e.Name(), suffix) {
			out = append(out, filepath.Join(p.recDir, e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

// RecordedWAV returns a WAV with the audio this phone heard in its most
// recent call (8 kHz mono S16LE), or "" if no call had media. Call it after
// CALL_CLOSED: it waits (≤3 s) until baresip has finalised the WAV header.
// The file is a snapshot copy (PhoneConfig.RecordWAV if set, else
// Dir()/heard-N.wav), so later calls cannot overwrite it.
func (p *Phone) RecordedWAV() string {
	recs := p.Recordings()
	if len(recs) == 0 {
		return ""
	}
	src := recs[len(recs)-1]
	if !waitWAVFinal(src, 3*time.Second) {
		p.tb.Logf("peers: %s: recording %s not finalised yet (call still up?)", p.name, src)
	}
	dst := p.cfg.RecordWAV
	if dst == "" {
		p.mu.Lock()
		p.heardSeq++
		dst = filepath.Join(p.dir, fmt.Sprintf("heard-%d.wav", p.heardSeq))
		p.mu.Unlock()
	}
	if err := copyFile(src, dst); err != nil {
		p.tb.Errorf("peers: copy recording to %s: %v", dst, err)
		return src
	}
	return dst
}

// WaitRecorded waits until the recording of the current call holds at least
// d of received audio (16 bytes per ms at 8 kHz S16), i.e. until media has
// really been flowing for that long. Use it instead of sleeping. It only
// considers a recording written to after the last CALL_ESTABLISHED event.
func (p *Phone) WaitRecorded(ctx context.Context, d time.Duration) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	want := int64(d/time.Millisecond) * 16
	var have int64
	for {
		var since time.Time
		for _, e := range p.Events() {
			if e.Type == EventCallEstablished {
				since = e.Time
			}
		}
		if recs := p.Recordings(); len(recs) > 0 && !since.IsZero() {
			if st, err := os.Stat(recs[len(recs)-1]); err == nil && !st.ModTime().Before(since.Add(-time.Second)) {
				have = st.Size() - 44
				if have >= want {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("peers: %s: recorded %v of audio, want %v: %w", p.name,
				time.Duration(max(have, 0)/16)*time.Millisecond, d, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitWAVFinal polls until the RIFF size in the header matches the file
// size (libsndfile writes it on close); bounded by max.
func waitWAVFinal(path string, max time.Duration) bool {
	deadline := time.Now().Add(max)
	for {
		if wavHeaderFinal(path) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// LogTail returns the last n lines of baresip's output.
func (p *Phone) LogTail(n int) string {
	b, _ := os.ReadFile(p.logPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Close quits baresip (gracefully, so a registered phone un-REGISTERs;
// SIGKILL if it has not exited after 1.5 s, e.g. because the registrar is
// already gone). Read RecordedWAV before closing. Called
// automatically at test cleanup; safe to call more than once.
func (p *Phone) Close() {
	p.closeOnce.Do(func() {
		if p.conn != nil {
			// "quit" gets no response; just send it.
			body := []byte(`{"command":"quit","token":"quit"}`)
			p.writeMu.Lock()
			p.conn.SetWriteDeadline(time.Now().Add(time.Second))
			fmt.Fprintf(p.conn, "%d:%s,", len(body), body)
			p.writeMu.Unlock()
		}
		if p.cmd != nil && p.cmd.Process != nil {
			select {
			case <-p.exited:
			case <-time.After(1500 * time.Millisecond):
				p.cmd.Process.Kill()
				select {
				case <-p.exited:
				case <-time.After(3 * time.Second):
				}
			}
		}
		if p.conn != nil {
			p.conn.Close()
		}
		if p.tb.Failed() {
			p.tb.Logf("peers: baresip %s log tail:\n%s\nevents:\n%s", p.name, p.LogTail(60), p.eventSummary())
		}
	})
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

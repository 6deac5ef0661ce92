package peers

// A tiny sipgo-based SIP server used only to self-test the peers package
// before the real hotline server exists: a digest-auth registrar plus a UAS
// that answers, rings, rejects or hangs up according to the request-URI user,
// and an RTP sink that decodes G.711 and RFC 4733 telephone-events.

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"github.com/hotline-cc/hotline/media"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

type fakeRoute struct {
	reject      int           // respond with this final code right away
	ringOnly    bool          // 180 and never answer (for CANCEL tests)
	answerAfter time.Duration // delay between 180 and 200
	byeAfter    time.Duration // server hangs up this long after answering
}

type fakeCall struct {
	user      string
	offer     sdpOffer
	sink      *rtpSink
	cancelled bool
	answered  bool
	byeSent   bool
}

type fakeSIP struct {
	t      *testing.T
	port   int
	addr   string
	realm  string
	ctx    context.Context
	cancel context.CancelFunc
	srv    *sipgo.Server
	client *sipgo.Client
	dsc    *sipgo.DialogServerCache

	mu       sync.Mutex
	users    map[string]string // digest credentials
	bindings map[string]string // user -> Contact
	routes   map[string]fakeRoute
	calls    []*fakeCall
	infos    []string
	changed  chan struct{}

	logMu  sync.Mutex
	closed bool // set at cleanup: no t.Logf after the test ends
}

func (f *fakeSIP) logf(format string, args ...any) {
	f.logMu.Lock()
	defer f.logMu.Unlock()
	if !f.closed {
		f.t.Logf(format, args...)
	}
}

func startFakeSIP(t *testing.T) *fakeSIP {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSIP{
		t: t, port: port, addr: fmt.Sprintf("127.0.0.1:%d", port), realm: "hotline",
		users: map[string]string{}, bindings: map[string]string{}, routes: map[string]fakeRoute{},
		changed: make(chan struct{}),
	}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	logger := slog.New(slog.NewTextHandler(testWriter{f}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("fake-hotline"), sipgo.WithUserAgentHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	f.srv, err = sipgo.NewServer(ua, sipgo.WithServerLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	f.client, err = sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	f.dsc = sipgo.NewDialogServerCache(f.client, sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: port}})

	f.srv.OnRegister(f.onRegister)
	f.srv.OnInvite(f.onInvite)
	f.srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { f.dsc.ReadAck(req, tx) })
	f.srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if err := f.dsc.ReadBye(req, tx); err != nil {
			tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		}
	})
	f.srv.OnInfo(func(req *sip.Request, tx sip.ServerTransaction) {
		ct := ""
		if h := req.ContentType(); h != nil {
			ct = h.Value()
		}
		f.mu.Lock()
		f.infos = append(f.infos, ct+"|"+string(req.Body()))
		f.notifyLocked()
		f.mu.Unlock()
		tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	f.srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})

	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := net.Listen("tcp4", f.addr)
	if err != nil {
		udp.Close()
		t.Fatal(err)
	}
	go f.srv.ServeUDP(udp)
	go f.srv.ServeTCP(tcp)
	t.Cleanup(func() {
		f.logMu.Lock()
		f.closed = true
		f.logMu.Unlock()
		f.cancel()
		udp.Close()
		tcp.Close()
		f.srv.Close()
		f.mu.Lock()
		for _, c := range f.calls {
			if c.sink != nil {
				c.sink.close()
			}
		}
		f.mu.Unlock()
	})
	return f
}

type testWriter struct{ f *fakeSIP }

func (w testWriter) Write(p []byte) (int, error) {
	w.f.logf("sipgo: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}

func (f *fakeSIP) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// waitFor polls cond (under f.mu) until true or timeout.
func (f *fakeSIP) waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		f.mu.Lock()
		ok := cond()
		ch := f.changed
		f.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("fake SIP: timed out after %v waiting for %s", d, what)
		}
	}
}

func (f *fakeSIP) addUser(user, pass string) {
	f.mu.Lock()
	f.users[user] = pass
	f.mu.Unlock()
}

func (f *fakeSIP) route(user string, r fakeRoute) {
	f.mu.Lock()
	f.routes[user] = r
	f.mu.Unlock()
}

// lastCall returns a snapshot of the most recent call.
func (f *fakeSIP) lastCall() fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return fakeCall{}
	}
	return *f.calls[len(f.calls)-1]
}

// callsSince returns snapshots of calls number n, n+1, ...
func (f *fakeSIP) callsSince(n int) []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeCall
	for _, c := range f.calls[min(n, len(f.calls)):] {
		out = append(out, *c)
	}
	return out
}

func (f *fakeSIP) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

var digestParamRE = regexp.MustCompile(`(\w+)=(?:"([^"]*)"|([^,\s]+))`)

func (f *fakeSIP) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	h := req.GetHeader("Authorization")
	if h == nil {
		res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
		res.AppendHeader(sip.NewHeader("WWW-Authenticate", fmt.Sprintf(`Digest realm="%s", nonce="%d", algorithm=MD5`, f.realm, time.Now().UnixNano())))
		tx.Respond(res)
		return
	}
	p := map[string]string{}
	for _, m := range digestParamRE.FindAllStringSubmatch(h.Value(), -1) {
		p[strings.ToLower(m[1])] = m[2] + m[3]
	}
	f.mu.Lock()
	pass, known := f.users[p["username"]]
	f.mu.Unlock()
	md := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	ha1 := md(p["username"] + ":" + f.realm + ":" + pass)
	ha2 := md("REGISTER:" + p["uri"])
	want := md(ha1 + ":" + p["nonce"] + ":" + ha2)
	if p["qop"] != "" {
		want = md(ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":" + p["qop"] + ":" + ha2)
	}
	if !known || p["realm"] != f.realm || p["response"] != want {
		tx.Respond(sip.NewResponseFromRequest(req, 403, "Forbidden", nil))
		return
	}
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	contact := ""
	if c := req.Contact(); c != nil {
		contact = c.Value()
		res.AppendHeader(sip.NewHeader("Contact", contact))
	}
	res.AppendHeader(sip.NewHeader("Expires", "600"))
	f.mu.Lock()
	f.bindings[p["username"]] = contact
	f.notifyLocked()
	f.mu.Unlock()
	tx.Respond(res)
}

type sdpOffer struct {
	ip      string
	port    int
	pts     []int
	dtmfPT  int // telephone-event PT, -1 if absent
	rtpmaps map[int]string
}

var (
	mAudioRE = regexp.MustCompile(`(?m)^m=audio (\d+) RTP/AVP ([\d ]+)\s*$`)
	cLineRE  = regexp.MustCompile(`(?m)^c=IN IP4 (\S+)\s*$`)
	rtpmapRE = regexp.MustCompile(`(?m)^a=rtpmap:(\d+) ([^\s]+)\s*$`)
)

func parseSDP(body string) sdpOffer {
	o := sdpOffer{dtmfPT: -1, rtpmaps: map[int]string{}}
	if m := cLineRE.FindStringSubmatch(body); m != nil {
		o.ip = m[1]
	}
	if m := mAudioRE.FindStringSubmatch(body); m != nil {
		o.port, _ = strconv.Atoi(m[1])
		for _, s := range strings.Fields(m[2]) {
			n, _ := strconv.Atoi(s)
			o.pts = append(o.pts, n)
		}
	}
	for _, m := range rtpmapRE.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.Atoi(m[1])
		o.rtpmaps[n] = m[2]
		if strings.HasPrefix(strings.ToLower(m[2]), "telephone-event/") {
			o.dtmfPT = n
		}
	}
	return o
}

func (f *fakeSIP) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	user := req.Recipient.User
	offer := parseSDP(string(req.Body()))
	f.mu.Lock()
	r := f.routes[user]
	call := &fakeCall{user: user, offer: offer}
	f.calls = append(f.calls, call)
	f.notifyLocked()
	f.mu.Unlock()

	if r.reject != 0 {
		tx.Respond(sip.NewResponseFromRequest(req, r.reject, reasonFor(r.reject), nil))
		return
	}
	codec := -1
	for _, pt := range offer.pts {
		if pt == 0 || pt == 8 {
			codec = pt
			break
		}
	}
	if codec < 0 {
		tx.Respond(sip.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil))
		return
	}
	dlg, err := f.dsc.ReadInvite(req, tx)
	if err != nil {
		tx.Respond(sip.NewResponseFromRequest(req, 500, "Server Error", nil))
		return
	}
	defer dlg.Close()
	dlg.Respond(180, "Ringing", nil)
	if r.ringOnly {
		select {
		case <-dlg.Context().Done(): // CANCEL ends the dialog (sipgo already sent 200 + 487)
		case <-tx.Done():
		case <-f.ctx.Done():
			return
		case <-time.After(30 * time.Second):
			return
		}
		f.mu.Lock()
		call.cancelled = true
		f.notifyLocked()
		f.mu.Unlock()
		return
	}
	if r.answerAfter > 0 {
		select {
		case <-time.After(r.answerAfter):
		case <-tx.Done():
			return
		}
	}
	sink, err := newRTPSink()
	if err != nil {
		dlg.Respond(500, "No RTP port", nil)
		return
	}
	pts := strconv.Itoa(codec)
	extra := ""
	if offer.dtmfPT >= 0 {
		pts += " " + strconv.Itoa(offer.dtmfPT)
		extra = fmt.Sprintf("a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-15\r\n", offer.dtmfPT, offer.dtmfPT)
	}
	names := map[int]string{0: "PCMU/8000", 8: "PCMA/8000"}
	sdp := fmt.Sprintf("v=0\r\no=fake 1 1 IN IP4 127.0.0.1\r\ns=fake\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP %s\r\na=rtpmap:%d %s\r\n%sa=sendrecv\r\n",
		sink.port, pts, codec, names[codec], extra)
	f.mu.Lock()
	call.sink = sink
	call.answered = true
	f.notifyLocked()
	f.mu.Unlock()
	if err := dlg.RespondSDP([]byte(sdp)); err != nil {
		f.logf("fake SIP: respond 200: %v", err)
		return
	}
	if r.byeAfter > 0 {
		select {
		case <-time.After(r.byeAfter):
			ctx, cancel := context.WithTimeout(f.ctx, 5*time.Second)
			err := dlg.Bye(ctx)
			cancel()
			f.mu.Lock()
			call.byeSent = err == nil
			f.notifyLocked()
			f.mu.Unlock()
			if err != nil {
				f.logf("fake SIP: BYE: %v", err)
			}
		case <-dlg.Context().Done():
		case <-f.ctx.Done():
		}
		return
	}
	select { // keep the handler (and dialog) alive until it ends, bounded
	case <-dlg.Context().Done():
	case <-f.ctx.Done():
	case <-time.After(60 * time.Second):
	}
}

func reasonFor(code int) string {
	switch code {
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 486:
		return "Busy Here"
	case 488:
		return "Not Acceptable Here"
	case 503:
		return "Service Unavailable"
	}
	return "Rejected"
}

// rtpSink receives RTP, counts payload types, decodes G.711 and collects
// RFC 4733 events.
type rtpSink struct {
	conn *net.UDPConn
	port int

	mu      sync.Mutex
	pts     map[int]int
	audio   []int16
	digits  []string // one entry per telephone-event (first packet of a new event timestamp)
	lastTS  uint32
	haveTS  bool
	dtmfPT  int
	packets int
	sources map[string]int // RTP source address -> packets
}

func newRTPSink() (*rtpSink, error) {
	port, err := FreeUDPPortPair()
	if err != nil {
		return nil, err
	}
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		return nil, err
	}
	s := &rtpSink{conn: c, port: port, pts: map[int]int{}, sources: map[string]int{}}
	go s.loop()
	return s, nil
}

func (s *rtpSink) close() { s.conn.Close() }

func (s *rtpSink) loop() {
	buf := make([]byte, 2048)
	for i := 0; i < 1_000_000; i++ { // bounded
		n, from, err := s.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if n < 12 || buf[0]>>6 != 2 {
			continue
		}
		cc := int(buf[0] & 0x0f)
		pt := int(buf[1] & 0x7f)
		ts := binary.BigEndian.Uint32(buf[4:8])
		payload := buf[12+4*cc : n]
		s.mu.Lock()
		s.sources[from.String()]++
		s.packets++
		s.pts[pt]++
		switch {
		case pt == 0 || pt == 8:
			if len(s.audio) < 8000*30 {
				if pt == 0 {
					s.audio = append(s.audio, media.DecodeULaw(nil, payload)...)
				} else {
					s.audio = append(s.audio, media.DecodeALaw(nil, payload)...)
				}
			}
		case pt >= 96 && len(payload) >= 4:
			if !s.haveTS || ts != s.lastTS {
				s.haveTS, s.lastTS = true, ts
				s.digits = append(s.digits, dtmfName(payload[0]))
			}
		}
		s.mu.Unlock()
	}
}

func (s *rtpSink) snapshot() (pts map[int]int, digits []string, audio []int16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pts = map[int]int{}
	for k, v := range s.pts {
		pts[k] = v
	}
	return pts, append([]string(nil), s.digits...), append([]int16(nil), s.audio...)
}

func (s *rtpSink) sourceAddrs() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.sources {
		out[k] = v
	}
	return out
}

func dtmfName(ev byte) string {
	const names = "0123456789*#ABCD"
	if int(ev) < len(names) {
		return string(names[ev])
	}
	return fmt.Sprintf("ev%d", ev)
}

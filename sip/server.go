package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/media"
)

// Config is the SIP side of the server.
type Config struct {
	// Listen is host:port for every transport Serve opens, e.g. "0.0.0.0:5060"; port 0 picks a free
	// one (Addr tells which). It may be empty for a server that only serves on given connections
	// (ServeUDP, ServeTCP).
	Listen     string
	Transports []string // what Serve opens: "udp", "tcp" (default both)
	// AdvertiseIP goes into Contact, Via and SDP. Default: the listen IP, or
	// 127.0.0.1 when listening on all addresses or when Listen is empty.
	AdvertiseIP net.IP
	RTPPorts    *media.PortRange
	RTPTimeout  time.Duration // hang up a call after this long without RTP (0 = never)
	Realm       string
	UserAgent   string
	// Codecs are the audio codecs offered and accepted, in preference
	// order (nil: DefaultCodecs).
	Codecs Codecs
	// Admission screens requests as they arrive (nil: every request is served): defence.go.
	Admission Admitter
	// Secure is SIP over TLS and secure WebSocket (secure.go); nil serves neither.
	Secure *SecureConfig
}

// Handler runs inbound calls. HandleCall is called in the call's own
// goroutine and owns the call until it returns; the server then releases
// whatever the handler left open (BYE, or a final response if unanswered).
type Handler interface {
	HandleCall(c *InboundCall)
}

// Server is the SIP user agent of hotline: a registrar for agent phones and
// a B2BUA whose inbound legs run the dialplan and whose outbound legs ring agents.
type Server struct {
	cfg      Config
	log      *slog.Logger
	stackLog *slog.Logger // the SIP stack's: info and above
	ua       *sipgo.UserAgent
	srv      *sipgo.Server
	reg      *Registrar
	handler  Handler

	// ep is where the server is reached, set when it starts serving (endpoint.go); ready is closed then.
	ep    atomic.Pointer[endpoint]
	ready chan struct{}
	life  lifetime

	draining atomic.Bool
	active   sync.WaitGroup
	calls    sync.Map // dialog id → *InboundCall
	outCalls sync.Map // *OutboundCall → struct{}
	// outDialogs finds the answered outbound legs by sipgo's client dialog
	// ID, for the far end's re-INVITEs and their ACKs.
	outDialogs sync.Map // dialog id → *OutboundCall
	nActive    atomic.Int64
	// reinvites counts re-INVITEs of calls by result (reinviteResults).
	reinvites [len(reinviteResults)]atomic.Uint64
	admitted  admitted // INVITE transactions the screen let through (defence.go)
	// secure are the TLS and WSS endpoints and their client certificates (secure.go).
	secure secureEndpoints
}

// setStackLogger sets the SIP stack's process-wide logger once.
var setStackLogger sync.Once

// NewServer builds the SIP server; Serve (or ServeUDP, ServeTCP) starts it.
func NewServer(cfg Config, reg *Registrar, h Handler, log *slog.Logger) (*Server, error) {
	host := ""
	if cfg.Listen != "" {
		var err error
		if host, _, err = splitListen(cfg.Listen); err != nil {
			return nil, err
		}
	}
	if cfg.AdvertiseIP == nil {
		ip := net.ParseIP(host)
		if ip == nil || ip.IsUnspecified() {
			ip = net.IPv4(127, 0, 0, 1)
		}
		cfg.AdvertiseIP = ip
	}
	if len(cfg.Codecs) == 0 {
		cfg.Codecs = DefaultCodecs()
	}
	if len(cfg.Transports) == 0 {
		cfg.Transports = []string{"udp", "tcp"}
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "hotline"
	}
	// The TLS configuration is the stack's for the connections it dials: secure requests go on the
	// far end's connection (secure.go), so it only dials when that is gone, and then verifies.
	ua, err := sipgo.NewUA(sipgo.WithUserAgent(cfg.UserAgent), sipgo.WithUserAgentHostname(cfg.AdvertiseIP.String()),
		sipgo.WithUserAgenTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12}))
	if err != nil {
		return nil, err
	}
	// The SIP stack's own debug lines (every transaction) drown the call
	// logs; it logs at info and above only.
	stackLog := slog.New(minLevel{log.Handler(), slog.LevelInfo})
	// The stack's transports log through a process-wide logger, read by
	// their goroutines at any time: it is set once, by the first server.
	setStackLogger.Do(func() { gsip.SetDefaultLogger(stackLog) })
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(stackLog))
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, stackLog: stackLog, ua: ua, srv: srv, reg: reg, handler: h, ready: make(chan struct{})}

	srv.OnInvite(s.onInvite)
	srv.OnAck(s.onAck)
	srv.OnBye(s.onBye)
	srv.OnCancel(func(req *gsip.Request, tx gsip.ServerTransaction) {
		respond(tx, req, 481, "Call/Transaction Does Not Exist")
	})
	srv.OnOptions(s.onOptions)
	srv.OnInfo(s.onInfo)
	srv.OnRegister(func(req *gsip.Request, tx gsip.ServerTransaction) {
		if s.reg == nil {
			respond(tx, req, 405, "Method Not Allowed")
			return
		}
		if !s.admitParsed(req, tx) || s.refuseUntrustedTrunk(req, tx) {
			return
		}
		s.reg.Handle(req, tx)
	})
	notAllowed := func(req *gsip.Request, tx gsip.ServerTransaction) {
		res := gsip.NewResponseFromRequest(req, 405, "Method Not Allowed", nil)
		res.AppendHeader(gsip.NewHeader("Allow", allowed))
		_ = tx.Respond(res)
	}
	for _, m := range []gsip.RequestMethod{gsip.SUBSCRIBE, gsip.NOTIFY, gsip.MESSAGE, gsip.PUBLISH, gsip.REFER, gsip.UPDATE, gsip.PRACK} {
		srv.OnRequest(m, notAllowed)
	}
	srv.OnNoRoute(func(req *gsip.Request, tx gsip.ServerTransaction) {
		if tx == nil {
			return
		}
		res := gsip.NewResponseFromRequest(req, 501, "Not Implemented", nil)
		res.AppendHeader(gsip.NewHeader("Allow", allowed))
		_ = tx.Respond(res)
	})
	return s, nil
}

const allowed = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REGISTER"

func (s *Server) expireLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if s.reg != nil {
				s.reg.Expire()
			}
		}
	}
}

// ActiveCalls is the number of inbound calls in progress.
func (s *Server) ActiveCalls() int { return int(s.nActive.Load()) }

// Drain refuses new calls (503) and waits for calls in progress to end, up
// to timeout; then it hangs up whatever is left.
func (s *Server) Drain(timeout time.Duration) {
	s.draining.Store(true)
	done := make(chan struct{})
	go func() { s.active.Wait(); close(done) }()
	s.log.Info("draining: refusing new calls", "active_calls", s.ActiveCalls(), "timeout", timeout.String())
	select {
	case <-done:
		return
	case <-time.After(timeout):
	}
	s.log.Warn("drain timeout: hanging up remaining calls", "active_calls", s.ActiveCalls())
	s.calls.Range(func(_, v any) bool {
		c := v.(*InboundCall)
		go c.Hangup(context.Background(), "shutdown")
		return true
	})
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

func (s *Server) onInvite(req *gsip.Request, tx gsip.ServerTransaction) {
	if !s.admitParsed(req, tx) {
		return
	}
	log := s.log.With("call_id", callID(req))
	if s.draining.Load() {
		res := gsip.NewResponseFromRequest(req, 503, "Service Unavailable", nil)
		res.AppendHeader(gsip.NewHeader("Retry-After", "30"))
		_ = tx.Respond(res)
		return
	}
	if s.refuseUntrustedTrunk(req, tx) {
		return
	}
	if res := inviteRefusal(req); res != nil {
		log.Info("invite refused", "code", res.StatusCode, "reason", res.Reason)
		_ = tx.Respond(res)
		return
	}
	// An INVITE that matches one of our dialogs is a re-INVITE (hold,
	// resume, a move, a codec change, a session refresh: reinvite.go).
	if to := req.To(); to != nil && to.Params != nil {
		if tag, ok := to.Params.Get("tag"); ok && tag != "" {
			s.onReInvite(req, tx, log)
			return
		}
	}
	s.active.Add(1)
	s.nActive.Add(1)
	defer func() { s.nActive.Add(-1); s.active.Done() }()

	fillContact(req)
	dlg, err := s.epOf(req).dsc.ReadInvite(req, tx)
	if err != nil {
		log.Warn("invite rejected", "error", err)
		respond(tx, req, 400, "Bad Request")
		return
	}
	defer dlg.Close()
	_ = dlg.Respond(100, "Trying", nil)

	c := newInboundCall(s, req, dlg, log)
	if body := req.Body(); len(body) > 0 {
		offer, err := s.cfg.Codecs.Negotiate(body)
		if err != nil {
			if errors.Is(err, ErrNoCommonCodec) {
				log.Info("invite rejected: no common codec", "error", err)
				c.reject(488, "Not Acceptable Here")
			} else {
				log.Info("invite rejected: bad sdp", "error", err)
				c.reject(400, "Bad SDP")
			}
			return
		}
		c.offer = offer
	} else {
		// Late offer: we offer in the 200 OK, the caller answers in the ACK (lateoffer.go).
		log.Debug("invite without sdp: late offer")
		c.late = newLateOffer(s.cfg.Codecs, req)
	}
	s.calls.Store(dlg.ID, c)
	defer s.calls.Delete(dlg.ID)
	defer c.release()
	s.handler.HandleCall(c)
}

func (s *Server) onReInvite(req *gsip.Request, tx gsip.ServerTransaction, log *slog.Logger) {
	if r := s.reinviterOf(req); r != nil {
		r.reinvite(req, tx)
		return
	}
	log.Info("re-invite for unknown dialog")
	respond(tx, req, 481, "Call/Transaction Does Not Exist")
}

// outboundOf finds the outbound leg of a request the far end sent in its
// dialog. We are the UAC there: our tag is in To, the far end's in From,
// which is how DialogIDFromRequestUAC reads them (DialogIDFromRequestUAS
// swaps them and names no client dialog).
func (s *Server) outboundOf(req *gsip.Request) *OutboundCall {
	id, err := gsip.DialogIDFromRequestUAC(req)
	if err != nil {
		return nil
	}
	if v, ok := s.outDialogs.Load(id); ok {
		return v.(*OutboundCall)
	}
	return nil
}

// reinviterOf finds the call a re-INVITE (or its ACK) belongs to: an
// inbound call, or an answered outbound leg.
func (s *Server) reinviterOf(req *gsip.Request) *reinviter {
	if id, err := gsip.DialogIDFromRequestUAS(req); err == nil {
		if v, ok := s.calls.Load(id); ok {
			return &v.(*InboundCall).reinv
		}
	}
	if o := s.outboundOf(req); o != nil {
		return &o.reinv
	}
	return nil
}

func (s *Server) onAck(req *gsip.Request, tx gsip.ServerTransaction) {
	// A late-offer call's answer is in the ACK, and so is the answer to our
	// offer in a re-INVITE's 200 OK: hand it over before the dialog is
	// confirmed, which is what Answer waits for.
	if id, err := gsip.DialogIDFromRequestUAS(req); err == nil {
		if v, ok := s.calls.Load(id); ok {
			v.(*InboundCall).readAck(req)
			_ = s.epOf(req).dsc.ReadAck(req, tx)
			return
		}
	}
	// The ACK of the 200 OK to an outbound leg's re-INVITE.
	if o := s.outboundOf(req); o != nil {
		if cs := req.CSeq(); cs != nil {
			o.reinv.ackReinvite(cs.SeqNo, req.Body())
		}
		return
	}
	_ = s.epOf(req).dsc.ReadAck(req, tx)
}

func (s *Server) onBye(req *gsip.Request, tx gsip.ServerTransaction) {
	if id, err := gsip.DialogIDFromRequestUAS(req); err == nil {
		if v, ok := s.calls.Load(id); ok {
			v.(*InboundCall).markRemoteHangup()
		}
	}
	if err := s.epOf(req).dsc.ReadBye(req, tx); err == nil {
		return
	} else if !errors.Is(err, sipgo.ErrDialogDoesNotExists) {
		s.log.Debug("bye", "call_id", callID(req), "error", err)
	}
	if err := s.epOf(req).dcc.ReadBye(req, tx); err == nil {
		return
	}
	respond(tx, req, 481, "Call/Transaction Does Not Exist")
}

func (s *Server) onOptions(req *gsip.Request, tx gsip.ServerTransaction) {
	if !s.admitParsed(req, tx) || s.refuseUntrustedTrunk(req, tx) {
		return
	}
	res := gsip.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(gsip.NewHeader("Allow", allowed))
	res.AppendHeader(gsip.NewHeader("Accept", "application/sdp"))
	if s.draining.Load() {
		res = gsip.NewResponseFromRequest(req, 503, "Service Unavailable", nil)
	}
	_ = tx.Respond(res)
}

// onInfo accepts DTMF sent as SIP INFO (application/dtmf-relay, application/dtmf).
func (s *Server) onInfo(req *gsip.Request, tx gsip.ServerTransaction) {
	id, err := gsip.DialogIDFromRequestUAS(req)
	var c *InboundCall
	if err == nil {
		if v, ok := s.calls.Load(id); ok {
			c = v.(*InboundCall)
		}
	}
	if c == nil {
		if _, err := s.epOf(req).dcc.MatchRequestDialog(req); err == nil {
			respond(tx, req, 200, "OK") // agent phone INFO: accepted, not forwarded
			return
		}
		respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = strings.ToLower(h.Value())
	}
	if !strings.HasPrefix(ct, "application/dtmf") {
		respond(tx, req, 415, "Unsupported Media Type")
		return
	}
	d, err := media.ParseDTMFRelay(string(req.Body()))
	if err != nil {
		respond(tx, req, 400, "Bad DTMF Body")
		return
	}
	respond(tx, req, 200, "OK")
	c.log.Debug("dtmf via info", "digit", string(d))
	c.injectDTMF(d)
}

// minLevel drops records below a level.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.Handler.Enabled(ctx, l)
}
func (m minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{m.Handler.WithAttrs(a), m.min}
}
func (m minLevel) WithGroup(n string) slog.Handler { return minLevel{m.Handler.WithGroup(n), m.min} }

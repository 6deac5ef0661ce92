package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/democrm"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/opus"
	hsip "github.com/hotline-cc/hotline/sip"
	"github.com/hotline-cc/hotline/store"
	"github.com/hotline-cc/hotline/tts"
	"github.com/hotline-cc/hotline/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

func cmdServe(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfgPath := fs.String("config", "configs/hotline.yaml", "configuration file")
	if err := fs.Parse(args); err != nil {
		return exitConfig
	}
	cfg, ok := loadConfig(*cfgPath)
	if !ok {
		return exitConfig
	}
	log := newLogger(cfg.LogLevel)
	slog.SetDefault(log)

	srv, err := newServer(cfg, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hotline: %v\n", err)
		return exitConfig
	}
	defer srv.close()
	if err := srv.run(); err != nil {
		log.Error("server stopped", "error", err)
		return exitFail
	}
	return exitOK
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// server holds the wired-up parts of a running hotline.
type server struct {
	baseCtx    context.Context // lives as long as the server (watchers)
	cancelBase context.CancelFunc
	cfg        *config.Config
	log        *slog.Logger
	store      *store.Store
	plan       atomic.Pointer[dialplan.Plan]
	acd        *acd.ACD
	reg        *hsip.Registrar
	sip        *hsip.Server
	engine     *ivr.Engine
	http       *http.Server
	creds      map[string]string // agent id → HA1
	plans      *planManager
	desk       *web.Desktop      // agent desktop (desktop.go)
	ring       map[string]string // agent id → device preference (desktop.go)
}

// knownAgents is the set of agent ids queues may name.
func (s *server) knownAgents() map[string]bool {
	m := make(map[string]bool, len(s.creds))
	for id := range s.creds {
		m[id] = true
	}
	return m
}

func newServer(cfg *config.Config, log *slog.Logger) (*server, error) {
	s := &server{cfg: cfg, log: log, creds: map[string]string{}}

	s.acd = acd.New(nil)
	for _, a := range cfg.Agents {
		ha1 := a.HA1
		if ha1 == "" {
			ha1 = hsip.HA1(a.ID, cfg.SIP.Realm, a.Password)
		}
		s.creds[a.ID] = ha1
		name := a.Name
		if name == "" {
			name = a.ID
		}
		s.acd.SetAgent(a.ID, name)
	}

	st, err := store.Open(cfg.Path(cfg.Store))
	if err != nil {
		return nil, err
	}
	s.store = st
	if err := s.setupDesktop(); err != nil {
		st.Close()
		return nil, fmt.Errorf("agents: %w", err)
	}
	s.plans = &planManager{s: s, file: cfg.Path(cfg.Dialplan)}
	if _, err := s.plans.ReloadFile("startup"); err != nil {
		st.Close()
		return nil, fmt.Errorf("dialplan:\n%v", err)
	}

	var speech tts.Synthesizer
	if cfg.TTS.Engine == "openai" {
		speech, err = tts.NewOpenAI(cfg.TTS.OpenAI)
	} else {
		speech, err = tts.NewEspeak(tts.EspeakOptions{Speed: cfg.TTS.Speed, Rate: 16000})
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	synth := tts.NewCache(speech, cfg.Path(cfg.TTS.CacheDir), 1024)
	s.baseCtx, s.cancelBase = context.WithCancel(context.Background())
	bots := newBotEngines(s.baseCtx, s, synth)

	lo, hi, _ := cfg.RTPRange()
	var rtpIP net.IP
	if cfg.SIP.RTPIP != "" {
		rtpIP = net.ParseIP(cfg.SIP.RTPIP)
	}
	var adv net.IP
	if cfg.SIP.AdvertiseIP != "" {
		adv = net.ParseIP(cfg.SIP.AdvertiseIP)
	}
	s.reg = hsip.NewRegistrar(hsip.RegistrarConfig{Realm: cfg.SIP.Realm}, credentials(s.creds), log)
	s.reg.OnChange(func(user string, b *hsip.Binding) { s.acd.SetOnline(user, b != nil) })

	s.engine = &ivr.Engine{Plans: s, TTS: synth, ACD: s.acd, Agents: s, Records: st, Log: log, Bots: bots,
		Speech: menuSpeech{asr: bots.asr, err: bots.asrErr}, Trunks: s}
	s.checkTrunks(s.plan.Load())
	codecs := hsip.DefaultCodecs()
	if names := cfg.SIP.Codecs; len(names) > 0 {
		if !opus.Available && slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, "opus") }) {
			log.Warn("sip.codecs: this build has no Opus (build with libopus-dev installed: make build); offering the others")
			names = slices.DeleteFunc(slices.Clone(names), func(n string) bool { return strings.EqualFold(n, "opus") })
		}
		if codecs, err = hsip.ParseCodecs(names); err != nil {
			st.Close()
			return nil, fmt.Errorf("%s: sip.codecs: %w", cfg.File, err)
		}
	}
	s.sip, err = hsip.NewServer(hsip.Config{
		Listen: cfg.SIP.Listen, Transports: cfg.SIP.Transports, AdvertiseIP: adv,
		RTPPorts:   &media.PortRange{IP: rtpIP, Min: lo, Max: hi},
		RTPTimeout: cfg.SIP.RTPTimeout.D(), Realm: cfg.SIP.Realm, Codecs: codecs,
	}, s.reg, s, log)
	if err != nil {
		st.Close()
		return nil, err
	}

	token := os.Getenv("HOTLINE_ADMIN_TOKEN")
	if token == "" {
		token = cfg.HTTP.AdminToken
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hotline_active_calls", Help: "Inbound calls in progress."},
		func() float64 { return float64(s.sip.ActiveCalls()) }))
	reg.MustRegister(callsTotal, transfersTotal, newPacingCollector(), newAudioStartCollector(), reloadsTotal, planVersion, bots.metrics,
		newReinviteCollector(s.sip.ReinviteCounts))
	api := &web.API{Store: st, ACD: s.acd, AdminToken: token, Registry: reg, Log: log, Dialplan: s.plans, Desktop: s.desk,
		Ready: func() bool { return !draining.Load() }}
	// The demo dialplan looks callers up in this demo CRM.
	api.Mounts = map[string]http.Handler{"/demo/crm/": democrm.Handler()}
	s.http = &http.Server{Addr: cfg.HTTP.Listen, Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second}
	if token == "" {
		log.Warn("admin API disabled: set HOTLINE_ADMIN_TOKEN to enable /api")
	}
	asrName, dialogName := bots.describe()
	log.Info("engines", "tts", synth.Name(), "asr", asrName, "dialog", dialogName, "codecs", codecNames(codecs))
	if _, ok := bots.asr.(*asr.PocketSphinx); ok {
		log.Info("speech recognition limits", "asr", asr.Limits)
	}
	// Index the knowledge bases now, not when the first caller asks.
	for _, p := range s.plan.Load().Bots {
		if _, err := bots.knowledge(p.KnowledgeBase); err != nil {
			log.Warn("bot profile's knowledge base", "profile", p.Name, "error", err)
		}
	}
	return s, nil
}

var draining atomic.Bool

var (
	callsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hotline_calls_total", Help: "Inbound calls ended, by disposition and codec.",
	}, []string{"disposition", "codec"})
	transfersTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hotline_external_transfers_total", Help: "Transfers to external numbers, by trunk and outcome.",
	}, []string{"trunk", "outcome"})
)

// Current implements ivr.PlanSource.
func (s *server) Current() *dialplan.Plan { return s.plan.Load() }

// HandleCall implements hsip.Handler: the inbound call runs in this goroutine.
func (s *server) HandleCall(c *hsip.InboundCall) {
	rec := s.engine.Run(c, ivr.CallInfo{
		ID: c.CallID, From: c.From, To: c.To, FromURI: c.FromURI, ToURI: c.ToURI,
		SourceAddr: c.Source, Headers: c.Headers(),
	})
	callsTotal.WithLabelValues(rec.Disposition, rec.Codec).Inc()
	for _, x := range rec.Transfers {
		transfersTotal.WithLabelValues(x.Trunk, x.Outcome).Inc()
	}
}

// codecNames lists codecs as the log shows them: "opus G722 PCMU PCMA".
func codecNames(cs hsip.Codecs) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Info().Name
	}
	return strings.Join(names, " ")
}

// DialAgent implements ivr.AgentDialer: the desktop or the SIP phone (desktop.go).
func (s *server) DialAgent(ctx context.Context, agentID string, caller ivr.CallInfo) (ivr.AgentLeg, error) {
	return s.dialAgent(ctx, agentID, caller)
}

type credentials map[string]string

func (c credentials) HA1(user string) (string, bool) {
	h, ok := c[user]
	return h, ok
}

func (s *server) run() error {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	errc := make(chan error, 2)
	go func() { errc <- s.sip.Serve(ctx) }()
	go s.plans.watch(ctx)

	ln, err := net.Listen("tcp", s.cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http listen %s: %w", s.cfg.HTTP.Listen, err)
	}
	s.log.Info("http listening", "addr", ln.Addr().String(), "pages", "/agent /supervisor /admin/dialplan/", "api", "/api/... /metrics /healthz")
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	select {
	case sig := <-sigs:
		s.log.Info("shutting down", "signal", sig.String())
	case err := <-errc:
		return err
	}
	draining.Store(true)
	go func() {
		// A second signal skips the drain.
		<-sigs
		s.log.Warn("second signal: stopping now")
		stop()
		os.Exit(exitFail)
	}()
	s.sip.Drain(s.cfg.DrainTimeout.D())
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.http.Shutdown(shutCtx)
	stop()
	return nil
}

func (s *server) close() {
	if s.cancelBase != nil {
		s.cancelBase()
	}
	if s.store != nil {
		s.store.Close()
	}
}

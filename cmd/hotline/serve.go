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
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hotline-cc/hotline/accounts"
	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/chat"
	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/customer"
	"github.com/hotline-cc/hotline/democrm"
	"github.com/hotline-cc/hotline/desk"
	"github.com/hotline-cc/hotline/dialplan/live"
	"github.com/hotline-cc/hotline/dialplan/sim"
	"github.com/hotline-cc/hotline/engines"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/memtrim"
	"github.com/hotline-cc/hotline/recording"
	"github.com/hotline-cc/hotline/rtc"
	hsip "github.com/hotline-cc/hotline/sip"
	"github.com/hotline-cc/hotline/store"
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
	log.Info("hotline starting", "config", cfg.File, "pid", os.Getpid())

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

// server is the running parts of hotline, wired together.
type server struct {
	cfg      *config.Config
	log      *slog.Logger
	store    *store.Store
	plans    *live.Manager
	recs     *recording.Manager
	after    *afterCall
	trim     *memtrim.Trimmer // returns memory after call peaks; nil when turned off
	sip      *hsip.Server
	defence  defence // scanner and flood defence (defence.go)
	http     *http.Server
	chat     *chat.Service // nil: chat.off
	draining atomic.Bool
	stop     context.CancelFunc // ends what lives as long as the server (watchers)
}

func newServer(cfg *config.Config, log *slog.Logger) (s *server, err error) {
	ctx, stop := context.WithCancel(context.Background())
	s = &server{cfg: cfg, log: log, stop: stop}
	// The error returns set s to nil: close what was opened through its own pointer.
	opened := s
	defer func() {
		if err != nil {
			opened.close()
		}
	}()
	if s.store, err = store.Open(cfg.Path(cfg.Store)); err != nil {
		return nil, err
	}
	st := s.store

	// Agents: accounts seeded from hotline.yaml, their states in the ACD, every change stored.
	if err := accounts.Seed(st, cfg.Agents, cfg.SIP.Realm); err != nil {
		return nil, fmt.Errorf("agents: %w", err)
	}
	dir, err := accounts.Load(st)
	if err != nil {
		return nil, fmt.Errorf("agents: %w", err)
	}
	agents := acd.New(nil)
	for _, a := range dir.All() {
		agents.SetAgent(a.ID, a.Name)
		agents.SetSkills(a.ID, a.Skills)
	}
	for _, a := range cfg.Agents {
		if a.ChatCapacity != nil {
			agents.SetChatCapacity(a.ID, *a.ChatCapacity)
		}
	}
	desk.RecordStates(agents, st, log)

	s.plans = live.New(live.Config{File: cfg.Path(cfg.Dialplan), Versions: st, KnownAgents: dir.Known, Log: log,
		SimulateHTTP: sim.Offline(map[string]http.Handler{"/demo/crm/": democrm.Handler()}, false)})
	if _, err := s.plans.ReloadFile("startup"); err != nil {
		return nil, fmt.Errorf("dialplan:\n%v", err)
	}
	eng, err := engines.New(ctx, cfg, log)
	if err != nil {
		return nil, err
	}

	// SIP: the registrar for agents' phones, the B2BUA for calls.
	reg := hsip.NewRegistrar(registrarConfig(cfg), dir, log)
	s.defence = defence{adm: newAdmission(cfg, func() int { return s.sip.ActiveCalls() }, log), reg: reg}
	go watchTrunks(ctx, s.plans, s.defence.adm, log, *cfg.Defence.ExemptTrunks)
	reg.OnChange(func(user string, b *hsip.Binding) { agents.SetOnline(user, b != nil) })
	codecs, warnings, err := hsip.ConfiguredCodecs(cfg.SIP.Codecs)
	if err != nil {
		return nil, fmt.Errorf("%s: sip.codecs: %w", cfg.File, err)
	}
	for _, w := range warnings {
		log.Warn(w)
	}
	calls := &callHandler{}
	lo, hi, _ := cfg.RTPRange()
	secure, err := secureSIP(cfg, log)
	if err != nil {
		return nil, err
	}
	s.sip, err = hsip.NewServer(hsip.Config{
		Listen: cfg.SIP.Listen, Transports: cfg.SIP.Transports, AdvertiseIP: parseIP(cfg.SIP.AdvertiseIP),
		RTPPorts:   &media.PortRange{IP: parseIP(cfg.SIP.RTPIP), Min: lo, Max: hi},
		RTPTimeout: cfg.SIP.RTPTimeout.D(), Realm: cfg.SIP.Realm, Codecs: codecs, Admission: s.defence.adm,
		Secure: secure,
	}, reg, calls, log)
	if err != nil {
		return nil, err
	}
	s.trim = newMemoryTrim(cfg, s.sip, log)

	// Agents' desks: the desktop's softphone, their SIP phones, wrap-ups.
	webrtc, err := newWebRTC(cfg, log)
	if err != nil {
		return nil, err
	}
	desks := desk.New(desk.Config{ACD: agents, Browsers: desk.WebRTC(webrtc), Phones: sipPhones{reg, s.sip, agentSRTP(cfg.Agents), webrtc}, WrapUps: st,
		Ring: dir.Ring, Queues: func() []string { return s.plans.Current().QueueNames() },
		Dispositions: cfg.Desktop.Dispositions, ManualWrapUp: cfg.Desktop.ManualWrapUp, HoldAudio: ivr.HoldPattern(8000), Log: log})

	calls.engine = &ivr.Engine{Plans: s.plans, TTS: eng.TTS(), ACD: agents, Agents: desks, Records: st, Log: log,
		Bots: eng, Speech: eng, Trunks: trunkDialer{s.sip, cfg.Trunks}}
	// Whole-call recordings, as the dialplan's record: policies say.
	if s.recs, err = newRecordings(ctx, cfg, st, log); err != nil {
		return nil, fmt.Errorf("recordings: %w", err)
	}
	calls.engine.Recorders = callRecorders{s.recs}
	// Customer profiles: callers identified by their number at call start, for the record and
	// the screen pop.
	customers := customer.New(st, cfg.CustomerCountry(), log)
	calls.engine.Customers = customers
	calls.engine.VIP = ivr.VIP{Tag: cfg.Customers.VIPTag, Priority: cfg.Customers.VIPPriorityValue()}
	calls.engine.BotContext = cfg.Customers.BotContextOn()
	// After a call: redaction, the analysis queue, webhooks.
	if s.after, err = newAfterCall(ctx, cfg, st, eng, s.recs.Dir(), func() int { return s.sip.ActiveCalls() }, log); err != nil {
		return nil, err
	}
	calls.engine.Records = s.after
	// Erasing a customer deletes their interactions and recordings; bots read redacted summaries.
	customers.Eraser = eraser{st: st, recordings: s.recs.Dir(), country: cfg.CustomerCountry(), log: log}
	customers.Redact = func(t string) string { t, _ = s.after.redactor.Text(t); return t }
	// Records in progress: checkpointed as calls go; those a crash left are closed before any call comes.
	calls.engine.Journal = s.after
	if n, err := s.after.closeInterrupted(); err != nil {
		log.Error("calls interrupted by the last stop were not closed", "error", err)
	} else if n > 0 {
		log.Warn("calls interrupted by the last stop closed as interrupted", "calls", n)
	}
	go s.after.markAlive(ctx)
	s.after.run(ctx)

	// The web chat channel: the same bot and queues as the voice hotline, chats in the same records.
	var chatAPI *web.Chat
	if !cfg.Chat.Off {
		if chatAPI, err = s.startChat(ctx, agents, desks, customers, eng); err != nil {
			return nil, err
		}
	}

	token := os.Getenv("HOTLINE_ADMIN_TOKEN")
	if token == "" {
		token = cfg.HTTP.AdminToken
	}
	if token == "" {
		log.Warn("admin API disabled: set HOTLINE_ADMIN_TOKEN to enable /api")
	}
	api := &web.API{Records: st, ACD: agents, AdminToken: token, Log: log, Dialplan: s.plans,
		Registry: s.metrics(eng, calls.engine), Ready: func() bool { return !s.draining.Load() },
		Desktop: &web.Desktop{Accounts: st, Desk: desks, ACD: agents, Calls: calls.engine, ICEServers: webrtc.ICEServers(),
			Supervision:    newSupervision(calls.engine, webrtc, log),
			LoginPerMinute: cfg.Desktop.LoginPerMinute, SessionTTL: cfg.Desktop.SessionTTL.D(), Origins: cfg.Desktop.Origins, Log: log},
		// The demo dialplan looks callers up in this demo CRM.
		Mounts:  map[string]http.Handler{"/demo/crm/": democrm.Handler()},
		Archive: st, RecordingsDir: s.recs.Dir(), Webhooks: st, Customers: customers, Chat: chatAPI, Tasks: st}
	if cfg.Analysis.Redact.KeepOriginal {
		api.Originals = st
	}
	// The reply-script library (/replies): scripts grounded in the bots' knowledge base.
	if api.Replies, err = newReplies(st, eng, s.plans, log); err != nil {
		return nil, fmt.Errorf("reply scripts: %w", err)
	}
	if s.after.pipeline != nil {
		api.Analysis = analysisAdmin{s.after.pipeline}
	}
	if api.BotReplay, err = botReplay(cfg, s.plans, st, log); err != nil {
		return nil, err
	}
	s.http = &http.Server{Addr: cfg.HTTP.Listen, Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second}

	d := eng.Describe()
	log.Info("engines", "tts", d.TTS, "asr", d.ASR, "dialog", d.Dialog, "codecs", codecs.Names())
	if d.ASRLimits != "" {
		log.Info("speech recognition limits", "asr", d.ASRLimits)
	}
	for _, p := range d.KeyProblems {
		log.Warn("engine API key", "problem", p)
	}
	plan := s.plans.Current()
	for _, p := range cfg.TrunkProblems(func(name string) bool { return plan.Trunks[name] != nil }) {
		log.Warn(p)
	}
	for _, name := range plan.TrunkNames() {
		t := plan.Trunks[name]
		log.Info("trunk", "trunk", name, "host", t.Host, "transport", t.Transport, "auth", cfg.Trunks[name] != nil)
	}
	eng.Prepare(plan) // index the knowledge bases now, not when the first caller asks
	return s, nil
}

func parseIP(s string) net.IP {
	if s == "" {
		return nil
	}
	return net.ParseIP(s)
}

func newWebRTC(cfg *config.Config, log *slog.Logger) (*rtc.Engine, error) {
	lo, hi, _ := cfg.WebRTCPorts()
	var ice []rtc.ICEServer
	for _, is := range cfg.Desktop.WebRTC.ICEServers {
		ice = append(ice, rtc.ICEServer{URLs: is.URLs, Username: is.Username, Credential: is.Credential})
	}
	return rtc.NewEngine(rtc.Config{PublicIP: cfg.Desktop.WebRTC.PublicIP, ICEServers: ice, PortMin: lo, PortMax: hi,
		Loopback: cfg.Desktop.WebRTC.PublicIP == "127.0.0.1", Log: log})
}

// metrics is the server's Prometheus registry.
func (s *server) metrics(eng *engines.Set, calls *ivr.Engine) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hotline_active_calls", Help: "Inbound calls in progress."},
		func() float64 { return float64(s.sip.ActiveCalls()) }))
	reg.MustRegister(callsTotal, transfersTotal, newPacingCollector(), newAudioStartCollector(), eng.Metrics(),
		newReinviteCollector(s.sip.ReinviteCounts), newDefenceCollector(s.defence), srtpDroppedCounter)
	reg.MustRegister(s.plans.Collectors()...)
	reg.MustRegister(s.memoryCollectors()...)
	if s.recs != nil {
		reg.MustRegister(newRecordingCollector(s.recs))
	}
	if s.after != nil {
		reg.MustRegister(s.after.collectors()...)
	}
	return reg
}

func (s *server) run() error {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	errc := make(chan error, 2)
	go func() { errc <- s.sip.Serve(ctx) }()
	if nice, err := media.CheckPacerPriority(); err != nil {
		s.log.Warn("rtp pacer at normal priority: RTP timing suffers first when the machine is busy; give hotline CAP_SYS_NICE (systemd: AmbientCapabilities=CAP_SYS_NICE) to raise it",
			"error", err)
	} else {
		s.log.Info("rtp pacer threads above normal priority", "nice", nice)
	}
	s.runMemoryTrim(ctx)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go s.plans.Watch(ctx, hup)

	ln, err := net.Listen("tcp", s.cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http listen %s: %w", s.cfg.HTTP.Listen, err)
	}
	s.log.Info("http listening", "addr", ln.Addr().String(), "pages", "/agent /supervisor /calls /insights /admin/dialplan/", "api", "/api/... /metrics /healthz")
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
	s.draining.Store(true)
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
	s.stop()
	if s.chat != nil {
		s.chat.Wait() // chats write to the store until they stop
	}
	if s.store != nil {
		s.store.Close()
	}
}

// Package config loads the server configuration (hotline.yaml): listeners,
// media ports, engines, the store, the dialplan file and agent accounts.
// Unknown keys are errors, and every error names file:line.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/openaicompat"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/tts"
	"gopkg.in/yaml.v3"
)

// Config is hotline.yaml.
type Config struct {
	SIP          SIP      `yaml:"sip"`
	HTTP         HTTP     `yaml:"http"`
	Store        string   `yaml:"store"`
	Dialplan     string   `yaml:"dialplan"`
	TTS          TTS      `yaml:"tts"`
	Engines      Engines  `yaml:"engines"`
	DrainTimeout Duration `yaml:"drain_timeout"`
	LogLevel     string   `yaml:"log_level"`
	Agents       []Agent  `yaml:"agents"`
	Desktop      Desktop  `yaml:"desktop"`
	// Trunks are the credentials of the dialplan's SIP trunks, by trunk name (trunks.go).
	Trunks map[string]*Trunk `yaml:"trunks"`
	// Recordings keeps whole-call recordings (recordings.go).
	Recordings Recordings `yaml:"recordings"`

	// Analysis and Webhooks: what happens to a call after it ends (analysis.go).
	Analysis Analysis `yaml:"analysis"`
	Webhooks Webhooks `yaml:"webhooks"`
	// Defence: scanner and flood defence, registration brute force (defence.go).
	Defence Defence `yaml:"defence"`
	// Memory: returning memory to the system after call peaks, a soft limit (memory.go).
	Memory Memory `yaml:"memory"`
	// Customers: customer profiles (customers.go).
	Customers Customers `yaml:"customers"`
	// Chat: the web chat channel and messaging-platform adapters (chat.go).
	Chat Chat `yaml:"chat"`

	// File is the path the config was loaded from; relative paths inside it
	// are resolved against its directory.
	File string `yaml:"-"`

	root *yaml.Node // the document's top mapping, for the lines of validation errors
}

// SIP configures signalling and media.
type SIP struct {
	Listen      string   `yaml:"listen"`
	Transports  []string `yaml:"transports"`
	AdvertiseIP string   `yaml:"advertise_ip"`
	Realm       string   `yaml:"realm"`
	RTPPorts    string   `yaml:"rtp_ports"`
	RTPTimeout  Duration `yaml:"rtp_timeout"`
	// RTPIP is the address RTP sockets bind to (default: all addresses).
	RTPIP string `yaml:"rtp_ip"`
	// Codecs lists the audio codecs offered and accepted, in preference
	// order (default: opus where built in, G722, PCMU, PCMA).
	Codecs []string `yaml:"codecs"`
	// TLS and WSS are SIP over TLS and over secure WebSocket (tls.go); nil: not served.
	TLS *SIPTLS `yaml:"tls"`
	WSS *SIPWSS `yaml:"wss"`
}

// HTTP configures the health/metrics/API listener.
type HTTP struct {
	Listen string `yaml:"listen"`
	// AdminToken guards the admin API. Prefer the HOTLINE_ADMIN_TOKEN
	// environment variable to keeping it in the file.
	AdminToken string `yaml:"admin_token"`
}

// TTS configures speech synthesis.
type TTS struct {
	Engine   string           `yaml:"engine"` // espeak (embedded) or openai
	CacheDir string           `yaml:"cache_dir"`
	Speed    int              `yaml:"speed"`
	OpenAI   tts.OpenAIConfig `yaml:"openai"` // with engine: openai
}

// Engines configures the voice bot's speech recognition, dialog model and
// knowledge-base embeddings. Each is embedded (no account, no network) unless
// it names an OpenAI-compatible server (OpenAI, DeepSeek, Qwen, vLLM, Ollama,
// faster-whisper, …) with backend: openai and a base_url.
type Engines struct {
	ASR        asr.Config    `yaml:"asr"`
	LLM        dialog.Config `yaml:"llm"`
	Embeddings Embeddings    `yaml:"embeddings"`
}

// Embeddings turns on hybrid (BM25 + embedding) knowledge-base retrieval when it names a server.
type Embeddings struct {
	openaicompat.Endpoint `yaml:",inline"`
}

// Agent is an agent account. Give the SIP secret as ha1 (see `hotline
// agent hash`); a plain password is accepted for demos and is hashed at load.
type Agent struct {
	ID       string `yaml:"id"`
	Name     string `yaml:"name"`
	Password string `yaml:"password"`
	HA1      string `yaml:"ha1"`
	// PasswordHash is a bcrypt hash for the desktop login (hotline agent
	// hash prints one); without it, the plain password is hashed at start.
	PasswordHash string         `yaml:"password_hash"`
	Role         string         `yaml:"role"`   // agent (default), supervisor or admin
	Skills       map[string]int `yaml:"skills"` // skill → level 1-10
	Ring         string         `yaml:"ring"`   // which device rings: browser (default, when the desktop is open), sip, or both
	SRTP         string         `yaml:"srtp"`   // media encryption of calls to the agent's SIP phone: off (default), optional, required (srtp.go)
	// ChatCapacity is how many chats the agent may have open at once (default chat.capacity; 0: none).
	ChatCapacity *int `yaml:"chat_capacity"`
	line         int
}

// Desktop configures the browser agent desktop and its WebRTC softphone.
type Desktop struct {
	WebRTC WebRTC `yaml:"webrtc"`
	// Dispositions are the wrap-up codes agents choose from.
	Dispositions []string `yaml:"dispositions"`
	// LoginPerMinute limits login attempts per client IP and per user.
	LoginPerMinute int `yaml:"login_per_minute"`
	// ManualWrapUp keeps agents in wrap-up until they choose available.
	ManualWrapUp bool `yaml:"manual_wrap_up"`
	// Origins are extra Origin hosts allowed to open the WebSocket (the
	// page's own host is always allowed), e.g. a reverse proxy's name.
	Origins []string `yaml:"origins"`
	// SessionTTL is how long a desktop login lasts.
	SessionTTL Duration `yaml:"session_ttl"`
}

// WebRTC configures the softphone's media.
type WebRTC struct {
	PublicIP   string      `yaml:"public_ip"` // advertised in ICE host candidates (1:1 NAT)
	Ports      string      `yaml:"ports"`     // UDP range for ICE, "40000-40999"; empty: any
	ICEServers []ICEServer `yaml:"ice_servers"`
}

// ICEServer is a STUN or TURN server.
type ICEServer struct {
	URLs       []string `yaml:"urls"`
	Username   string   `yaml:"username"`
	Credential string   `yaml:"credential"`
}

// Duration is a time.Duration written as "30s" in YAML.
type Duration time.Duration

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (write it like 30s or 1m)", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Defaults fills in unset values.
func (c *Config) Defaults() {
	if c.SIP.Listen == "" {
		c.SIP.Listen = "0.0.0.0:5060"
	}
	if len(c.SIP.Transports) == 0 {
		c.SIP.Transports = []string{"udp", "tcp"}
	}
	if c.SIP.Realm == "" {
		c.SIP.Realm = "hotline"
	}
	if c.SIP.RTPPorts == "" {
		c.SIP.RTPPorts = "20000-29999"
	}
	if c.SIP.RTPTimeout == 0 {
		c.SIP.RTPTimeout = Duration(30 * time.Second)
	}
	if c.HTTP.Listen == "" {
		c.HTTP.Listen = "127.0.0.1:8080"
	}
	if c.Store == "" {
		c.Store = "data/hotline.db"
	}
	if c.Dialplan == "" {
		c.Dialplan = "dialplan.yaml"
	}
	if c.TTS.Engine == "" {
		c.TTS.Engine = "espeak"
	}
	if len(c.Desktop.Dispositions) == 0 {
		c.Desktop.Dispositions = []string{"resolved", "follow_up", "escalated", "wrong_number", "other"}
	}
	if c.Desktop.LoginPerMinute == 0 {
		c.Desktop.LoginPerMinute = 10
	}
	if c.Desktop.SessionTTL == 0 {
		c.Desktop.SessionTTL = Duration(12 * time.Hour)
	}
	if c.DrainTimeout == 0 {
		c.DrainTimeout = Duration(30 * time.Second)
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	c.analysisDefaults()
	c.defenceDefaults()
}

// Path resolves p relative to the config file's directory.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(c.File), p)
}

// RTPRange parses rtp_ports ("20000-29999").
func (c *Config) RTPRange() (lo, hi int, err error) {
	a, b, ok := strings.Cut(c.SIP.RTPPorts, "-")
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || lo < 1024 || hi > 65535 || hi-lo < 2 {
		return 0, 0, fmt.Errorf("sip.rtp_ports %q: want a range like 20000-29999 (ports 1024-65535)", c.SIP.RTPPorts)
	}
	return lo, hi, nil
}

var lineRE = regexp.MustCompile(`line (\d+): `)

// Load reads and validates a config file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse decodes and validates config bytes; errors read "file:line: message".
func Parse(path string, data []byte) (*Config, error) {
	c := &Config{File: path}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(path, err)
	}
	// Agent and trunk lines, for validation messages.
	var root yaml.Node
	if yaml.Unmarshal(data, &root) == nil && len(root.Content) > 0 {
		top := root.Content[0]
		c.root = top
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value == "agents" && top.Content[i+1].Kind == yaml.SequenceNode {
				for j, item := range top.Content[i+1].Content {
					if j < len(c.Agents) {
						c.Agents[j].line = item.Line
					}
				}
			}
		}
		c.trunkLines(top)
	}
	c.Defaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func yamlError(path string, err error) error {
	var lines []string
	for _, msg := range strings.Split(strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n"), "\n") {
		msg = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(msg), "yaml: "))
		if msg == "" {
			continue
		}
		line := "?"
		if m := lineRE.FindStringSubmatch(msg + " "); m != nil {
			line = m[1]
			msg = strings.Replace(msg, m[0], "", 1)
		}
		if strings.Contains(msg, "not found in type") {
			field := strings.Fields(msg)
			if len(field) > 1 {
				msg = fmt.Sprintf("unknown key %s (check the spelling; see configs/hotline.yaml for every key)", field[1])
			}
		}
		lines = append(lines, fmt.Sprintf("%s:%s: %s", path, line, msg))
	}
	return errors.New(strings.Join(lines, "\n"))
}

func (c *Config) validate() error {
	var errs []string
	bad := func(line int, format string, args ...any) {
		if line == 0 { // a default value, or a key not in the file
			errs = append(errs, fmt.Sprintf("%s: %s", c.File, fmt.Sprintf(format, args...)))
			return
		}
		errs = append(errs, fmt.Sprintf("%s:%d: %s", c.File, line, fmt.Sprintf(format, args...)))
	}
	if _, _, err := net.SplitHostPort(c.SIP.Listen); err != nil {
		bad(c.line("sip", "listen"), "sip.listen %q: want host:port, like 0.0.0.0:5060", c.SIP.Listen)
	}
	if c.SIP.AdvertiseIP != "" && net.ParseIP(c.SIP.AdvertiseIP) == nil {
		bad(c.line("sip", "advertise_ip"), "sip.advertise_ip %q is not an IP address", c.SIP.AdvertiseIP)
	}
	for _, t := range c.SIP.Transports {
		if t != "udp" && t != "tcp" {
			bad(c.line("sip", "transports"), "sip.transports: %q is not supported (use udp and/or tcp)", t)
		}
	}
	if _, _, err := c.RTPRange(); err != nil {
		bad(c.line("sip", "rtp_ports"), "%v", err)
	}
	c.validateCodecs(bad)
	c.validateAnalysis(bad)
	if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		bad(c.line("http", "listen"), "http.listen %q: want host:port, like 127.0.0.1:8080", c.HTTP.Listen)
	}
	switch c.TTS.Engine {
	case "espeak":
	case "openai":
		if c.TTS.OpenAI.BaseURL == "" {
			bad(c.line("tts", "engine"), "tts.engine openai needs tts.openai.base_url (an OpenAI-compatible server, e.g. https://api.openai.com/v1)")
		}
	default:
		bad(c.line("tts", "engine"), "tts.engine %q is not supported (use espeak or openai)", c.TTS.Engine)
	}
	for name, b := range map[string]string{"engines.asr": c.Engines.ASR.Backend, "engines.llm": c.Engines.LLM.Backend} {
		switch b {
		case "", "embedded":
		case "openai":
			if name == "engines.asr" && c.Engines.ASR.BaseURL == "" || name == "engines.llm" && c.Engines.LLM.BaseURL == "" {
				bad(c.line(strings.Split(name+".backend", ".")...), "%s.backend openai needs %s.base_url", name, name)
			}
		default:
			bad(c.line(strings.Split(name+".backend", ".")...), "%s.backend %q is not supported (use embedded or openai)", name, b)
		}
	}
	if ip := c.Desktop.WebRTC.PublicIP; ip != "" && net.ParseIP(ip) == nil {
		bad(c.line("desktop", "webrtc", "public_ip"), "desktop.webrtc.public_ip %q is not an IP address", ip)
	}
	if _, _, err := c.WebRTCPorts(); err != nil {
		bad(c.line("desktop", "webrtc", "ports"), "%v", err)
	}
	for i, is := range c.Desktop.WebRTC.ICEServers {
		for _, u := range is.URLs {
			if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
				bad(c.line("desktop", "webrtc", "ice_servers"), "desktop.webrtc.ice_servers[%d]: %q is not a stun:, turn: or turns: URL", i, u)
			}
		}
	}
	seen := map[string]int{}
	for _, a := range c.Agents {
		if _, ok := record.ParseRole(a.Role); !ok {
			bad(a.line, "agent %q: role %q must be agent, supervisor or admin", a.ID, a.Role)
		}
		if _, ok := record.ParseRing(a.Ring); !ok {
			bad(a.line, "agent %q: ring %q must be browser, sip or both", a.ID, a.Ring)
		}
		if a.ChatCapacity != nil && (*a.ChatCapacity < 0 || *a.ChatCapacity > MaxChatCapacity) {
			bad(a.line, "agent %q: chat_capacity %d must be 0 (no chats) to %d", a.ID, *a.ChatCapacity, MaxChatCapacity)
		}
		for sk, l := range a.Skills {
			if l < 1 || l > 10 {
				bad(a.line, "agent %q: skill %q level %d must be 1 to 10", a.ID, sk, l)
			}
		}
		switch {
		case a.ID == "":
			bad(a.line, "agent without id")
		case seen[a.ID] != 0:
			bad(a.line, "agent %q is defined twice (first at line %d)", a.ID, seen[a.ID])
		case a.Password == "" && a.HA1 == "":
			bad(a.line, "agent %q has no password or ha1 (generate one with: hotline agent hash -realm %s %s PASSWORD)", a.ID, c.SIP.Realm, a.ID)
		case a.HA1 != "" && !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(a.HA1):
			bad(a.line, "agent %q: ha1 must be 32 lowercase hex digits (MD5 of id:realm:password)", a.ID)
		}
		seen[a.ID] = a.line
	}
	c.validateTrunks(bad)
	c.validateSRTP(bad)
	c.validateTLS(bad)
	c.validateRecordings(bad)
	c.validateDefence(bad)
	c.validateMemory(bad)
	c.validateCustomers(bad)
	c.validateChat(bad)
	if len(errs) > 0 {
		for i, e := range errs {
			errs[i] = strings.Replace(e, ":0: ", ": ", 1)
		}
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// WebRTCPorts parses desktop.webrtc.ports ("40000-40999"); 0, 0 when unset.
func (c *Config) WebRTCPorts() (lo, hi uint16, err error) {
	p := c.Desktop.WebRTC.Ports
	if p == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(p, "-")
	l, err1 := strconv.ParseUint(a, 10, 16)
	h, err2 := strconv.ParseUint(b, 10, 16)
	if !ok || err1 != nil || err2 != nil || l == 0 || l > h {
		return 0, 0, fmt.Errorf("desktop.webrtc.ports %q: want a range like 40000-40999", p)
	}
	return uint16(l), uint16(h), nil
}

// line is the line of the value at a path of mapping keys ("sip", "listen"),
// or 0 when the file does not have it (the value is a default).
func (c *Config) line(path ...string) int {
	n := c.root
	for _, key := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return 0
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
				break
			}
		}
		n = next
	}
	if n == nil {
		return 0
	}
	return n.Line
}

// codecNames are the codecs sip.codecs may list (Opus only works in builds
// with libopus; the server says so at startup).
var codecNames = []string{"opus", "G722", "PCMU", "PCMA"}

// validateCodecs checks sip.codecs: known names, each once.
func (c *Config) validateCodecs(bad func(line int, format string, args ...any)) {
	seen := map[string]bool{}
	for _, n := range c.SIP.Codecs {
		i := slices.IndexFunc(codecNames, func(k string) bool { return strings.EqualFold(k, n) })
		switch {
		case i < 0:
			bad(c.line("sip", "codecs"), "sip.codecs: %q is not a codec hotline speaks (use %s)", n, strings.Join(codecNames, ", "))
		case seen[codecNames[i]]:
			bad(c.line("sip", "codecs"), "sip.codecs: %q is listed twice", n)
		}
		if i >= 0 {
			seen[codecNames[i]] = true
		}
	}
}

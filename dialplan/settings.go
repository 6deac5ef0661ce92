package dialplan

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // calendars name IANA zones; the binary must not depend on the host's zoneinfo

	"gopkg.in/yaml.v3"
)

// Settings are the plan-wide defaults.
//
//	settings:
//	  language: en-US              # default prompt language: en-US or zh-CN
//	  voice: ""                    # optional TTS voice name for the configured engine
//	  timezone: Asia/Shanghai      # IANA zone for time conditions; default UTC
//	  digit_timeout: 5s            # how long a menu or gather waits for the first key
//	  inter_digit_timeout: 3s      # how long a gather waits between keys
//	  http_timeout: 3s             # default timeout of http nodes
//	  record_max: 2m               # default longest recording of record/voicemail nodes
//	  recordings_dir: ../data/recordings   # where record nodes save WAV files (relative to this file)
//	  record: always               # whole-call recording: always, never (default) or on_demand (recording.go)
//	  record_announcement: "This call may be recorded."   # or {en-US: …, zh-CN: …}, or {file: prompts/rec.wav}
//	  srtp: optional               # media encryption of callers' legs: off (default), optional or required (srtp.go)
//	  calendars:
//	    support-hours:
//	      timezone: Asia/Shanghai  # optional; default settings.timezone
//	      hours: {mon-fri: "08:00-20:00", sat: "09:00-12:00,13:00-17:00"}  # days not listed are closed
//	      holidays: ["2026-12-25", "2027-01-01"]                           # closed all day
type Settings struct {
	Language          string // default prompt language
	Voice             string // TTS voice; "" for the engine's default
	Location          *time.Location
	DigitTimeout      time.Duration // default time to wait for a key
	InterDigitTimeout time.Duration // default time a gather waits between keys
	HTTPTimeout       time.Duration // default timeout of http nodes
	RecordMax         time.Duration // default longest recording
	RecordingsDir     string        // absolute directory recordings are written to
	Calendars         map[string]*Calendar
	// Record is the plan's whole-call recording policy (RecordAlways, RecordNever, RecordOnDemand);
	// routes take it unless they set their own.
	Record string
	// RecordAnnouncement is played to the caller before a recording starts; zero: none.
	RecordAnnouncement Announcement
	// SRTP is the routes' default SRTP policy (SRTPOff, SRTPOptional, SRTPRequired; srtp.go).
	SRTP string
}

// Default settings used when a dialplan leaves them out.
const (
	DefaultLanguage          = LangEnUS
	DefaultDigitTimeout      = 5 * time.Second
	DefaultInterDigitTimeout = 3 * time.Second
	DefaultHTTPTimeout       = 3 * time.Second
	DefaultRecordMax         = 2 * time.Minute
	DefaultRecordingsDir     = "recordings"
)

// Calendar is a business-hours calendar: weekly opening hours and holidays, in a time zone.
type Calendar struct {
	Name     string
	Location *time.Location
	Hours    [7][]TimeRange  // indexed by time.Weekday; an empty day is closed
	Holidays map[string]bool // "2006-01-02" dates, closed all day
	line     int
}

// TimeRange is a span of a day in minutes from midnight, [From, To).
type TimeRange struct{ From, To int }

// Open reports whether the calendar is open at t.
func (c *Calendar) Open(t time.Time) bool {
	t = t.In(c.Location)
	if c.Holidays[t.Format(time.DateOnly)] {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	for _, r := range c.Hours[t.Weekday()] {
		if m >= r.From && m < r.To {
			return true
		}
	}
	return false
}

var weekdayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func (p *parser) decodeSettings(top *fields) {
	s := &p.plan.Settings
	s.Language, s.DigitTimeout, s.Location = DefaultLanguage, DefaultDigitTimeout, time.UTC
	s.InterDigitTimeout, s.HTTPTimeout, s.RecordMax = DefaultInterDigitTimeout, DefaultHTTPTimeout, DefaultRecordMax
	s.RecordingsDir = p.resolvePath(DefaultRecordingsDir)
	s.Calendars = map[string]*Calendar{}
	s.Record = DefaultRecord
	s.SRTP = DefaultSRTP
	if top.value("settings", false) == nil {
		return
	}
	f := p.fields(top.pos("settings"), "", "settings", "settings")
	s.Language = f.language("language", DefaultLanguage)
	s.Voice = f.str("voice", false)
	s.Location = f.location("timezone", time.UTC)
	s.DigitTimeout = f.duration("digit_timeout", DefaultDigitTimeout)
	s.InterDigitTimeout = f.duration("inter_digit_timeout", DefaultInterDigitTimeout)
	s.HTTPTimeout = f.duration("http_timeout", DefaultHTTPTimeout)
	s.RecordMax = f.duration("record_max", DefaultRecordMax)
	if d := f.str("recordings_dir", false); d != "" {
		s.RecordingsDir = p.resolvePath(d)
	}
	s.Record = f.recordPolicy("record", DefaultRecord)
	s.RecordAnnouncement = f.announcement("record_announcement")
	s.SRTP = f.srtpPolicy("srtp", DefaultSRTP)
	p.decodeCalendars(f)
	f.done()
}

// location reads an IANA time zone name.
func (f *fields) location(key string, def *time.Location) *time.Location {
	name := f.str(key, false)
	if name == "" {
		return def
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		f.errorf(f.pos(key), "use an IANA zone name, such as Asia/Shanghai or Europe/Berlin", "%s: unknown time zone %q", key, name)
		return def
	}
	return loc
}

func (p *parser) decodeCalendars(sf *fields) {
	v := sf.value("calendars", false)
	if v == nil {
		return
	}
	if v.Kind != yaml.MappingNode {
		sf.errorf(sf.pos("calendars"), "", "calendars must be a mapping of calendar name to calendar, not %s", kindName(v))
		return
	}
	for _, e := range p.entries(v, "", "calendars: ") {
		f := p.fields(e.valueRaw, "", fmt.Sprintf("calendar %q", e.key), "a calendar")
		c := &Calendar{Name: e.key, Holidays: map[string]bool{}, line: e.keyNode.Line}
		c.Location = f.location("timezone", p.plan.Settings.Location)
		if hv := f.value("hours", true); hv != nil {
			if hv.Kind != yaml.MappingNode {
				f.errorf(f.pos("hours"), `write hours: {mon-fri: "08:00-20:00"}`, "hours must be a mapping of days to times, not %s", kindName(hv))
			} else {
				for _, he := range p.entries(hv, "", f.where+"hours: ") {
					days, err := parseDays(he.key)
					if err != nil {
						f.errorf(he.keyNode, "days are mon, tue, wed, thu, fri, sat, sun, ranges like mon-fri, or lists like mon,wed", "hours: %v", err)
						continue
					}
					if he.value.Kind != yaml.ScalarNode {
						f.errorf(he.valueRaw, "", "hours %s: must be a string like \"08:00-20:00\", not %s", he.key, kindName(he.value))
						continue
					}
					ranges, err := parseTimeRanges(he.value.Value)
					if err != nil {
						f.errorf(he.valueRaw, `write "08:00-12:00,13:00-18:00", or "closed"`, "hours %s: %v", he.key, err)
						continue
					}
					for _, d := range days {
						if len(c.Hours[d]) > 0 {
							f.errorf(he.keyNode, "", "hours: %s is given more than once", weekdayNames[d])
						}
						c.Hours[d] = ranges
					}
				}
			}
		}
		list, nodes := f.stringList("holidays", false)
		for i, s := range list {
			if _, err := time.Parse(time.DateOnly, s); err != nil {
				f.errorf(nodes[i], "write dates as YYYY-MM-DD", "holidays: invalid date %q", s)
				continue
			}
			c.Holidays[s] = true
		}
		f.done()
		p.plan.Settings.Calendars[c.Name] = c
	}
}

// parseDays reads "mon", "mon-fri" or "mon,wed,fri" (ranges may wrap, as in "fri-mon").
func parseDays(s string) ([]time.Weekday, error) {
	var out []time.Weekday
	day := func(name string) (int, error) {
		i := slices.Index(weekdayNames, strings.ToLower(strings.TrimSpace(name)))
		if i < 0 {
			return 0, fmt.Errorf("unknown day %q", strings.TrimSpace(name))
		}
		return i, nil
	}
	for _, part := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(part, "-")
		a, err := day(from)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = day(to); err != nil {
				return nil, err
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			if !slices.Contains(out, time.Weekday(d)) {
				out = append(out, time.Weekday(d))
			}
			if d == b {
				break
			}
		}
	}
	return out, nil
}

// parseTimeRanges reads "08:00-12:00,13:00-18:00"; "closed" is no range. "24:00" ends a day.
func parseTimeRanges(s string) ([]TimeRange, error) {
	if strings.TrimSpace(s) == "closed" {
		return nil, nil
	}
	var out []TimeRange
	for _, part := range strings.Split(s, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("%q is not a range like 08:00-20:00", part)
		}
		a, err := parseClock(from)
		if err != nil {
			return nil, err
		}
		b, err := parseClock(to)
		if err != nil {
			return nil, err
		}
		if b <= a {
			return nil, fmt.Errorf("%q ends before it starts", part)
		}
		out = append(out, TimeRange{a, b})
	}
	return out, nil
}

// parseClock reads "HH:MM" as minutes from midnight; 24:00 is the end of the day.
func parseClock(s string) (int, error) {
	s = strings.TrimSpace(s)
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q is not a time like 08:30", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time like 08:30", s)
	}
	return h*60 + m, nil
}

// Trunk is a SIP trunk external transfers may dial through, for numbers its allow patterns match.
// Routing lives here; the trunk's credentials do not (the dialplan is versioned and shown in the editor
// and over the API): they go under trunks: in hotline.yaml, by the same name. A trunk without
// credentials there dials without authentication.
//
//	trunks:
//	  pstn:
//	    host: sip.carrier.example:5060                  # host or host:port (default port 5060)
//	    transport: udp                                  # udp (default) or tcp
//	    caller_id: "+861088880000"                      # optional: presented instead of the caller's number
//	    allow: ["^1[3-9][0-9]{9}$", "^400[0-9]{7}$"]   # Go regular expressions on the dialled number
//	    srtp: optional                                  # off (default), optional or required (srtp.go)
type Trunk struct {
	Name      string
	Host      string // host or host:port
	Transport string // "udp" or "tcp"
	CallerID  string // number presented to the called party; "" for the caller's own
	Allow     []string
	SRTP      string // media encryption of the legs dialled through it (srtp.go)

	allow []*regexp.Regexp
}

// Trunk transports.
const (
	TransportUDP = "udp"
	TransportTCP = "tcp"
)

// callerIDRE is what a trunk may present as caller id: a phone number, optionally international.
var callerIDRE = regexp.MustCompile(`^\+?[0-9]{1,32}$`)

// Allows reports whether the trunk may dial number.
func (t *Trunk) Allows(number string) bool {
	for _, re := range t.allow {
		if re.MatchString(number) {
			return true
		}
	}
	return false
}

func (p *parser) decodeTrunks(top *fields) {
	v := top.value("trunks", false)
	if v == nil {
		return
	}
	if v.Kind != yaml.MappingNode {
		top.errorf(top.pos("trunks"), "", "trunks must be a mapping of trunk name to trunk, not %s", kindName(v))
		return
	}
	for _, e := range p.entries(v, "", "trunks: ") {
		f := p.fields(e.valueRaw, "", fmt.Sprintf("trunk %q", e.key), "a trunk")
		t := &Trunk{Name: e.key}
		t.Host = f.str("host", true)
		if t.Host != "" {
			if err := checkHost(t.Host); err != nil {
				f.errorf(f.pos("host"), "write a host name or address, optionally with a port: sip.carrier.example:5060", "host %q: %v", t.Host, err)
			}
		}
		t.Transport = f.oneOf("transport", TransportUDP, []string{TransportUDP, TransportTCP})
		t.CallerID = f.str("caller_id", false)
		if t.CallerID != "" && !callerIDRE.MatchString(t.CallerID) {
			f.errorf(f.pos("caller_id"), `write a phone number such as "+861088880000" (quoted)`, "caller_id %q is not a phone number", t.CallerID)
		}
		list, nodes := f.stringList("allow", true)
		if v := f.value("allow", false); v != nil && v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
			f.errorf(f.pos("allow"), "list the numbers this trunk may dial as regular expressions", "allow must not be empty")
		}
		for i, s := range list {
			re, err := regexp.Compile(s)
			if err != nil {
				f.errorf(nodes[i], "", "allow: invalid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
				continue
			}
			t.Allow = append(t.Allow, s)
			t.allow = append(t.allow, re)
		}
		t.SRTP = f.srtpPolicy("srtp", DefaultSRTP)
		f.secretKeys()
		f.done()
		p.plan.Trunks[t.Name] = t
	}
}

// secretKeys reports credentials written into a trunk: they belong in hotline.yaml, which is not
// versioned, shown in the editor or served over the API.
func (f *fields) secretKeys() {
	kept := f.order[:0]
	for _, e := range f.order {
		switch e.key {
		case "username", "password", "password_env", "auth_user", "secret":
			f.errorf(e.keyNode, "trunk credentials go in hotline.yaml: trunks: {"+strings.TrimSuffix(strings.TrimPrefix(f.where, "trunk \""), "\": ")+": {username: …, password_env: …}}",
				"%s does not belong in the dialplan", e.key)
		default:
			kept = append(kept, e)
		}
	}
	f.order = kept
}

// checkHost accepts "host", "host:port" and "[v6]:port": where a trunk's INVITEs go.
func checkHost(h string) error {
	if l := strings.ToLower(h); strings.HasPrefix(l, "sip:") || strings.HasPrefix(l, "sips:") {
		return errors.New("a host, not a SIP URI")
	}
	host, port := h, ""
	if strings.Contains(h, ":") {
		var err error
		if host, port, err = net.SplitHostPort(h); err != nil {
			if net.ParseIP(h) == nil {
				return errors.New("not host:port")
			}
			host, port = h, ""
		}
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q is not 1-65535", port)
		}
	}
	if host == "" || strings.ContainsAny(host, " /@;?") {
		return errors.New("not a host name or address")
	}
	return nil
}

package dialplan

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Route sends calls to a flow. A route matches a call when every condition it sets matches; an unset
// condition matches every call. The first matching route in file order wins; the route with
// `default: true` (at most one, with no conditions) is taken when none matches.
//
//	routes:
//	  - name: vip
//	    to: "4008001234"            # called number: to (exact), to_prefix, to_pattern (regexp); one of them
//	    to_exists: true             # called number present (false: absent)
//	    from_prefix: "+86"          # caller number: from, from_prefix, from_pattern; one of them
//	    from_exists: false          # caller number withheld (empty or "anonymous")
//	    calendar: support-hours     # with when: open or closed
//	    when: open
//	    header: {name: X-Campaign, value: spring}   # or pattern: "^spring"; a SIP header of the INVITE
//	    flow: main
//	    language: zh-CN             # optional; the plan's default otherwise
//	    record: always              # optional: always, never or on_demand; settings.record otherwise
//	    srtp: required              # optional: off, optional or required; settings.srtp otherwise
//	  - {name: fallback, default: true, flow: main}
type Route struct {
	Name          string
	To            string // exact called number (user part of the Request-URI)
	ToPrefix      string
	ToPattern     string // Go regular expression
	ToExists      *bool  // nil: not checked
	From          string // exact caller number
	FromPrefix    string
	FromPattern   string
	FromExists    *bool
	Calendar      *Calendar // with When
	When          string    // "open" or "closed"
	Header        string    // SIP header name, matched case-insensitively
	HeaderValue   string    // exact value
	HeaderPattern string    // Go regular expression on the value
	Default       bool      // taken when no other route matches
	Flow          string    // name of the flow to run
	Language      string    // prompt language of calls on this route (the plan's default unless set)
	Record        string    // recording policy of calls on this route (the plan's default unless set)
	SRTP          string    // SRTP policy of the caller's leg (the plan's default unless set; srtp.go)

	toRE, fromRE, headerRE *regexp.Regexp
	line                   int
}

// Facts are what route selection knows about a call.
type Facts struct {
	To, From string
	Headers  map[string]string // SIP headers of the INVITE, by name (looked up case-insensitively)
	Time     time.Time         // when the call arrived; the zero time means now
}

// Header returns a header's value, looking its name up case-insensitively.
func (f *Facts) Header(name string) (string, bool) {
	if v, ok := f.Headers[name]; ok {
		return v, true
	}
	for k, v := range f.Headers {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// Match reports whether a call from the caller number from to the called number to, arriving now
// without SIP headers, takes this route (a header condition never matches here).
func (r *Route) Match(to, from string) bool {
	return r.MatchFacts(&Facts{To: to, From: from, Time: time.Now()})
}

// MatchFacts reports whether a call with facts f takes this route. The default route matches only
// through Plan.Select.
func (r *Route) MatchFacts(f *Facts) bool {
	if r.Default {
		return false
	}
	if !matchNumber(f.To, r.To, r.ToPrefix, r.toRE) || !matchNumber(f.From, r.From, r.FromPrefix, r.fromRE) {
		return false
	}
	if r.ToExists != nil && *r.ToExists != numberPresent(f.To) {
		return false
	}
	if r.FromExists != nil && *r.FromExists != numberPresent(f.From) {
		return false
	}
	if r.Header != "" {
		v, ok := f.Header(r.Header)
		switch {
		case !ok:
			return false
		case r.HeaderValue != "" && v != r.HeaderValue:
			return false
		case r.headerRE != nil && !r.headerRE.MatchString(v):
			return false
		}
	}
	if r.Calendar != nil {
		t := f.Time
		if t.IsZero() {
			t = time.Now()
		}
		if r.Calendar.Open(t) != (r.When == WhenOpen) {
			return false
		}
	}
	return true
}

// Calendar states a route or branch tests.
const (
	WhenOpen   = "open"
	WhenClosed = "closed"
)

// numberPresent reports whether a number was given (withheld numbers arrive empty or as "anonymous").
func numberPresent(n string) bool {
	return n != "" && !strings.EqualFold(n, "anonymous")
}

func matchNumber(num, exact, prefix string, re *regexp.Regexp) bool {
	switch {
	case exact != "":
		return num == exact
	case prefix != "":
		return strings.HasPrefix(num, prefix)
	case re != nil:
		return re.MatchString(num)
	}
	return true
}

// conditions renders what the route matches on, to compare routes.
func (r *Route) conditions() string {
	b := func(p *bool) string {
		if p == nil {
			return ""
		}
		return fmt.Sprint(*p)
	}
	cal := ""
	if r.Calendar != nil {
		cal = r.Calendar.Name + "/" + r.When
	}
	return strings.Join([]string{r.To, r.ToPrefix, r.ToPattern, b(r.ToExists), r.From, r.FromPrefix,
		r.FromPattern, b(r.FromExists), cal, strings.ToLower(r.Header), r.HeaderValue, r.HeaderPattern}, "\x00")
}

func (p *parser) decodeRoutes(top *fields) {
	v := top.value("routes", true)
	if v == nil {
		return
	}
	if v.Kind != yaml.SequenceNode {
		top.errorf(top.pos("routes"), "", "routes must be a list, not %s", kindName(v))
		return
	}
	if len(v.Content) == 0 {
		top.errorf(top.pos("routes"), "add a route, such as: - {name: main, to: \"100\", flow: main}", "routes must not be empty")
	}
	flowNames := slices.Sorted(maps.Keys(p.plan.Flows))
	seen := map[string]*Route{}
	var defaultRoute, catchAll *Route
	byConditions := map[string]*Route{}
	noConditions := (&Route{}).conditions()
	for i, item := range v.Content {
		f := p.fields(item, "", fmt.Sprintf("route %d", i+1), "a route")
		r := &Route{line: item.Line}
		r.Name = f.str("name", true)
		if r.Name != "" {
			f.where = fmt.Sprintf("route %q: ", r.Name)
		}
		r.To = f.str("to", false)
		r.ToPrefix = f.str("to_prefix", false)
		r.ToPattern, r.toRE = f.pattern("to_pattern")
		r.ToExists = f.optBool("to_exists")
		r.From = f.str("from", false)
		r.FromPrefix = f.str("from_prefix", false)
		r.FromPattern, r.fromRE = f.pattern("from_pattern")
		r.FromExists = f.optBool("from_exists")
		p.decodeRouteCalendar(f, r)
		p.decodeRouteHeader(f, r)
		r.Default = f.boolean("default", false)
		r.Flow = f.str("flow", true)
		r.Language = f.language("language", p.plan.Settings.Language)
		r.Record = f.recordPolicy("record", p.plan.Settings.Record)
		r.SRTP = f.srtpPolicy("srtp", p.plan.Settings.SRTP)
		f.done()

		p.atMostOne(f, "to", r.To, "to_prefix", r.ToPrefix, "to_pattern", r.ToPattern)
		p.atMostOne(f, "from", r.From, "from_prefix", r.FromPrefix, "from_pattern", r.FromPattern)
		if r.Flow != "" && p.plan.Flows[r.Flow] == nil {
			f.errorf(f.pos("flow"), didYouMean(r.Flow, flowNames), "flow %q: no such flow", r.Flow)
		}
		if r.Name != "" {
			if first, dup := seen[r.Name]; dup {
				f.errorf(f.pos("name"), fmt.Sprintf("first defined at line %d", first.line), "duplicate route name")
				continue
			}
			seen[r.Name] = r
		}
		if r.Default {
			if r.conditions() != (&Route{}).conditions() {
				f.errorf(f.pos("default"), "a default route takes the calls no other route matches; remove its conditions", "a default route cannot have conditions")
			}
			if defaultRoute != nil {
				f.errorf(f.pos("default"), fmt.Sprintf("the first is route %q at line %d", defaultRoute.Name, defaultRoute.line), "only one route can be the default")
			}
			defaultRoute = r
			p.plan.Routes = append(p.plan.Routes, r)
			continue
		}
		// A route is shadowed by the first earlier route with the same conditions, or by an earlier
		// catch-all; a map keeps this linear in the number of routes.
		cond := r.conditions()
		earlier := catchAll
		if earlier == nil {
			earlier = byConditions[cond]
		}
		if earlier != nil {
			p.warnf(item, "", "", "route %q never matches: route %q (line %d) before it takes all its calls",
				r.Name, earlier.Name, earlier.line)
		}
		if _, ok := byConditions[cond]; !ok {
			byConditions[cond] = r
		}
		if catchAll == nil && cond == noConditions {
			catchAll = r
		}
		p.plan.Routes = append(p.plan.Routes, r)
	}
}

// atMostOne reports when more than one of the alternative keys is set; kv is key, value pairs.
func (p *parser) atMostOne(f *fields, kv ...string) {
	var set []string
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			set = append(set, kv[i])
		}
	}
	if len(set) > 1 {
		f.errorf(f.pos(set[1]), "", "%s and %s cannot both be set; a route matches one way", set[0], set[1])
	}
}

func (p *parser) decodeRouteCalendar(f *fields, r *Route) {
	name := f.str("calendar", false)
	when := f.str("when", false)
	if name == "" {
		if when != "" {
			f.errorf(f.pos("when"), "add calendar: <name>", "when needs a calendar")
		}
		return
	}
	r.Calendar = p.lookupCalendar(f, "calendar", name)
	switch when {
	case WhenOpen, WhenClosed:
		r.When = when
	case "":
		f.errorf(f.pos("calendar"), "add when: open, or when: closed", "calendar needs when")
	default:
		f.errorf(f.pos("when"), choiceHint(when, []string{WhenOpen, WhenClosed}), "when: unknown value %q", when)
	}
}

// lookupCalendar resolves a calendar name read from key, reporting an unknown one.
func (p *parser) lookupCalendar(f *fields, key, name string) *Calendar {
	c := p.plan.Settings.Calendars[name]
	if c == nil {
		hint := didYouMean(name, slices.Sorted(maps.Keys(p.plan.Settings.Calendars)))
		if hint == "" {
			hint = "define it under settings: calendars:"
		}
		f.errorf(f.pos(key), hint, "calendar %q: no such calendar", name)
	}
	return c
}

func (p *parser) decodeRouteHeader(f *fields, r *Route) {
	if f.value("header", false) == nil {
		return
	}
	hf := p.fields(f.pos("header"), f.node, strings.TrimSuffix(f.where, ": ")+" header", "header")
	r.Header = hf.str("name", true)
	r.HeaderValue = hf.str("value", false)
	r.HeaderPattern, r.headerRE = hf.pattern("pattern")
	hf.done()
	if r.HeaderValue != "" && r.HeaderPattern != "" {
		hf.errorf(hf.pos("pattern"), "", "value and pattern cannot both be set")
	}
}

// optBool reads an optional true/false; nil when absent.
func (f *fields) optBool(key string) *bool {
	if f.value(key, false) == nil {
		return nil
	}
	b := f.boolean(key, false)
	return &b
}

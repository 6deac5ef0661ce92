package dialplan

import (
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Templates: texts, URLs and values may hold ${name}, replaced by the call variable name when the node
// runs. A variable nobody set is replaced by "". Names are letters, digits, _ and dots.
//
// Built-in variables, always set:
//
//	caller    the caller's number          called   the number dialled
//	call_id   the SIP Call-ID              language the call's prompt language
//	now       the time, RFC 3339           date     2006-01-02   time 15:04   weekday mon…sun
//
// Time variables are in settings.timezone. Other variables come from set, gather, http and record nodes.
//
// Customer variables, set when the caller's number leads to a profile (empty otherwise):
//
//	customer.id        the profile id           customer.name      the name on the profile
//	customer.tags      tags, comma-separated    customer.language  the preferred language
//	customer.contacts  contacts in the last 7 days
//	customer.brief     "3 contacts in 7 days, last: refund, negative"
//	customer.last_summary   the newest contact's summary
//	customer.<field>   a field kept on the profile (an http node's answer with keep: true)
//
// Branches test tags with tagged("vip").
var templateRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_.]*)\}`)

// BuiltinVars are the variables every call has.
var BuiltinVars = []string{"caller", "called", "call_id", "language", "now", "date", "time", "weekday"}

// Lookup returns the value of variable name for call c: a call variable, or a built-in; "" for
// a variable nobody set.
func Lookup(c Call, loc *time.Location, name string) string {
	v, _ := lookup(c, loc, name)
	return v
}

// lookup is Lookup that also tells whether the variable exists.
func lookup(c Call, loc *time.Location, name string) (string, bool) {
	if v, ok := c.Vars()[name]; ok {
		return v, true
	}
	now := func() time.Time {
		if loc == nil {
			loc = time.UTC
		}
		return c.Now().In(loc)
	}
	switch name {
	case "language":
		return c.Language(), true
	case "now":
		return now().Format(time.RFC3339), true
	case "date":
		return now().Format(time.DateOnly), true
	case "time":
		return now().Format("15:04"), true
	case "weekday":
		return weekdayNames[now().Weekday()], true
	}
	return "", false
}

// Expand replaces the ${var} templates in s with the call's variables; a variable nobody set
// reads as "".
func Expand(c Call, loc *time.Location, s string) string {
	return expand(c, loc, s, false)
}

// ExpandKnown replaces the templates whose variable the call has (its variables and the
// built-ins) and leaves the others as they are, for a later stage to fill: a bot tool's URL
// holds call variables and the tool's own arguments, which the dialog engine fills when the
// model calls the tool.
func ExpandKnown(c Call, loc *time.Location, s string) string {
	return expand(c, loc, s, true)
}

func expand(c Call, loc *time.Location, s string, keepUnknown bool) string {
	if !strings.Contains(s, "${") {
		return s
	}
	return templateRE.ReplaceAllStringFunc(s, func(m string) string {
		v, ok := lookup(c, loc, m[2:len(m)-1])
		if !ok && keepUnknown {
			return m
		}
		return v
	})
}

// expandText expands the templates in every language of t.
func expandText(c Call, loc *time.Location, t Text) Text {
	out := Text{All: Expand(c, loc, t.All)}
	if t.ByLang != nil {
		out.ByLang = make(map[string]string, len(t.ByLang))
		for l, s := range t.ByLang {
			out.ByLang[l] = Expand(c, loc, s)
		}
	}
	return out
}

// varUse is a template reference to a variable, checked once the whole plan is known.
type varUse struct {
	name string
	node string
	pos  *yaml.Node
}

// useTemplates records the variables s refers to, for the unknown-variable warning.
func (f *fields) useTemplates(key, s string) {
	for _, m := range templateRE.FindAllStringSubmatch(s, -1) {
		f.p.uses = append(f.p.uses, varUse{name: m[1], node: f.node, pos: f.pos(key)})
	}
	if i := strings.Index(s, "${"); i >= 0 && !templateRE.MatchString(s[i:]) {
		f.errorf(f.pos(key), "write ${name}, with a name of letters, digits, _ and dots", "%s: malformed template in %q", key, s)
	}
}

// useTextTemplates records the variables every language of t refers to.
func (f *fields) useTextTemplates(key string, t Text) {
	f.useTemplates(key, t.All)
	for _, l := range languages {
		f.useTemplates(key, t.ByLang[l])
	}
}

// setsVar records that a node sets variable name.
func (f *fields) setsVar(name string) {
	if f.p.sets == nil {
		f.p.sets = map[string]bool{}
	}
	f.p.sets[name] = true
}

// warnUnknownVars warns about templates naming a variable no node sets and no built-in provides.
func (p *parser) warnUnknownVars() {
	var known []string
	known = append(known, BuiltinVars...)
	for name := range p.sets {
		known = append(known, name)
	}
	for _, u := range p.uses {
		if p.sets[u.name] || isBuiltin(u.name) {
			continue
		}
		p.warnf(u.pos, u.node, didYouMean(u.name, known), "variable %q is never set (no set, gather, http or record node sets it); it reads as empty", u.name)
	}
}

// CustomerVarPrefix starts the variables read from the caller's customer profile.
const CustomerVarPrefix = "customer."

func isBuiltin(name string) bool {
	if strings.HasPrefix(name, CustomerVarPrefix) && len(name) > len(CustomerVarPrefix) {
		return true
	}
	for _, b := range BuiltinVars {
		if b == name {
			return true
		}
	}
	return false
}

package dialplan

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Route sends calls to a flow. A route matches a call when its called-number condition (To, ToPrefix or
// ToPattern; at most one is set) and its caller-number condition (From, FromPrefix or FromPattern) both
// match; an unset condition matches every number.
type Route struct {
	Name        string
	To          string // exact called number (user part of the Request-URI)
	ToPrefix    string
	ToPattern   string // Go regular expression
	From        string // exact caller number
	FromPrefix  string
	FromPattern string
	Flow        string // name of the flow to run
	Language    string // prompt language of calls on this route (the plan's default unless set)

	toRE, fromRE *regexp.Regexp
	line         int
}

// Match reports whether a call from the caller number from to the called number to takes this route.
func (r *Route) Match(to, from string) bool {
	return matchNumber(to, r.To, r.ToPrefix, r.toRE) && matchNumber(from, r.From, r.FromPrefix, r.fromRE)
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
	return strings.Join([]string{r.To, r.ToPrefix, r.ToPattern, r.From, r.FromPrefix, r.FromPattern}, "\x00")
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
		r.From = f.str("from", false)
		r.FromPrefix = f.str("from_prefix", false)
		r.FromPattern, r.fromRE = f.pattern("from_pattern")
		r.Flow = f.str("flow", true)
		r.Language = f.language("language", p.plan.Settings.Language)
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
		for _, earlier := range p.plan.Routes {
			if earlier.conditions() == r.conditions() || earlier.conditions() == (&Route{}).conditions() {
				p.warnf(item, "", "", "route %q never matches: route %q (line %d) before it takes all its calls",
					r.Name, earlier.Name, earlier.line)
				break
			}
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

package dialplan

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"gopkg.in/yaml.v3"
)

// Queue is an agent queue the dialplan defines and queue nodes send callers to. The dialplan only
// describes it; acd implements the strategies and limits.
//
//	queues:
//	  support:
//	    strategy: longest_idle   # longest_idle, round_robin, ring_all, fewest_calls or skills
//	    members: [alice, bob]    # agent ids from hotline.yaml; required unless strategy is skills
//	    skills: {billing: 2}     # only with strategy skills: required skill → minimum level (1-10)
//	    ring_timeout: 15s        # how long one agent rings before the next is tried
//	    max_wait: 2m             # longest wait in the queue (a queue node may override it)
//	    max_length: 20           # callers waiting at most; when full, a queue node follows `full`
//	    wrap_up: 10s             # an agent's after-call time before the next call
//	    announce_every: 30s      # how often a waiting caller hears their position
//	    hold_music: prompts/hold.wav
//	    record: never            # optional: always starts recording the caller here, never stops it,
//	                             # on_demand leaves it to the agent; unset: the call's policy goes on
//	    srtp: required           # optional: the least media encryption of agents' SIP phones rung from
//	                             # here (off, optional, required); an agent's own stricter policy wins
type Queue struct {
	Name          string
	Members       []string       // agent ids, in file order
	Strategy      string         // how an agent is chosen; one of the Strategy constants
	Skills        map[string]int // with StrategySkills: skill name → minimum level an agent needs
	RingTimeout   time.Duration  // how long one agent is rung before the next is tried
	MaxWait       time.Duration  // how long a caller waits at most
	MaxLength     int            // most callers waiting at once; 0 means no limit
	WrapUp        time.Duration  // time after a call before an agent gets the next; 0 means none
	AnnounceEvery time.Duration  // interval between position announcements; 0 means none
	HoldMusic     string         // absolute path of a WAV file, or "" for the generated tone pattern
	Record        string         // recording policy on entering the queue; "" leaves the call's as it is
	SRTP          string         // least SRTP policy of the agents' phone legs rung from here; "": the agents' own

	line, column int // where the queue is defined
}

// Queue strategies.
const (
	StrategyLongestIdle = "longest_idle" // the agent idle the longest gets the call
	StrategyRoundRobin  = "round_robin"  // members take turns in list order
	StrategyRingAll     = "ring_all"     // every free member rings; the first to answer gets the call
	StrategyFewestCalls = "fewest_calls" // the member who answered the fewest calls today
	StrategySkills      = "skills"       // any agent with the queue's skills at their minimum levels
)

var strategies = []string{StrategyLongestIdle, StrategyRoundRobin, StrategyRingAll, StrategyFewestCalls, StrategySkills}

// Strategies returns the queue strategies a dialplan may name.
func Strategies() []string { return slices.Clone(strategies) }

// Queue defaults used when a dialplan leaves them out.
const (
	DefaultRingTimeout = 15 * time.Second
	DefaultMaxWait     = 120 * time.Second
	// MaxSkillLevel is the highest skill level; levels run from 1.
	MaxSkillLevel = 10
)

func (p *parser) decodeQueues(top *fields) {
	v := top.value("queues", false)
	if v == nil {
		return
	}
	if v.Kind != yaml.MappingNode {
		top.errorf(top.pos("queues"), "", "queues must be a mapping of queue name to queue, not %s", kindName(v))
		return
	}
	for _, e := range p.entries(v, "", "queues: ") {
		where := fmt.Sprintf("queue %q", e.key)
		f := p.fields(e.valueRaw, "", where, "a queue")
		q := &Queue{Name: e.key, line: e.keyNode.Line, column: e.keyNode.Column}
		q.Strategy = f.oneOf("strategy", StrategyLongestIdle, strategies)
		p.decodeMembers(f, q)
		q.Skills = p.decodeSkills(f, q.Strategy)
		q.RingTimeout = f.duration("ring_timeout", DefaultRingTimeout)
		q.MaxWait = f.duration("max_wait", DefaultMaxWait)
		q.MaxLength = f.integer("max_length", 0, 0, 100000)
		q.WrapUp = f.duration("wrap_up", 0)
		q.AnnounceEvery = f.duration("announce_every", 0)
		_, q.HoldMusic = f.file("hold_music", false)
		q.Record = f.recordPolicy("record", "")
		q.SRTP = f.srtpPolicy("srtp", "")
		f.done()
		p.plan.Queues[q.Name] = q
	}
}

func (p *parser) decodeMembers(f *fields, q *Queue) {
	var nodes []*yaml.Node
	q.Members, nodes = f.stringList("members", q.Strategy != StrategySkills)
	if v := f.value("members", false); v != nil && v.Kind == yaml.SequenceNode && len(v.Content) == 0 &&
		q.Strategy != StrategySkills {
		f.errorf(f.pos("members"), "list the agent ids that answer this queue", "members must not be empty")
	}
	var known []string
	if p.opts.KnownAgents != nil {
		known = slices.Sorted(maps.Keys(p.opts.KnownAgents))
	}
	seen := map[string]int{}
	for i, m := range q.Members {
		if first, dup := seen[m]; dup {
			f.errorf(nodes[i], fmt.Sprintf("first listed at line %d", first), "members: agent %q listed twice", m)
		}
		seen[m] = nodes[i].Line
		if p.opts.KnownAgents != nil && !p.opts.KnownAgents[m] {
			hint := didYouMean(m, known)
			if hint == "" {
				hint = "agents are defined in hotline.yaml"
			}
			f.errorf(nodes[i], hint, "members: unknown agent %q", m)
		}
	}
}

// decodeSkills reads the skills a queue requires; they only mean something to the skills strategy.
func (p *parser) decodeSkills(f *fields, strategy string) map[string]int {
	v := f.value("skills", false)
	if v == nil {
		if strategy == StrategySkills {
			f.errorf(f.pos("strategy"), "add skills: {name: minimum level}", "strategy skills needs skills")
		}
		return nil
	}
	if strategy != StrategySkills {
		f.errorf(f.pos("skills"), "set strategy: skills, or remove skills", "skills are only used with strategy skills")
	}
	if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
		f.errorf(f.pos("skills"), "write skills: {billing: 2}", "skills must be a non-empty mapping of skill to minimum level, not %s", kindName(v))
		return nil
	}
	out := map[string]int{}
	for _, e := range p.entries(v, f.node, f.where+"skills: ") {
		n, ok := intValue(e.value)
		if !ok || n < 1 || n > MaxSkillLevel {
			f.errorf(e.valueRaw, "", "skill %q: level must be a whole number from 1 to %d, not %s", e.key, MaxSkillLevel, kindName(e.value))
			continue
		}
		out[e.key] = n
	}
	return out
}

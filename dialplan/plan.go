package dialplan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"gopkg.in/yaml.v3"
)

// FormatVersion is the dialplan format version this package reads.
const FormatVersion = 1

// Plan is a parsed and validated dialplan. It is immutable after Parse: a call keeps the plan that was
// current when it arrived, and a reload builds a new Plan.
type Plan struct {
	Version  int    // version number in the store; 0 until the plan is stored
	Hash     string // hex SHA-256 of Source
	Source   []byte // the YAML the plan was parsed from
	File     string // file name the plan was parsed from, as given to Parse
	Settings Settings
	Queues   map[string]*Queue
	Routes   []*Route // in file order; the first that matches a call wins
	Flows    map[string]*Flow
}

// Settings are the plan-wide defaults.
type Settings struct {
	Language     string        // default prompt language
	DigitTimeout time.Duration // default time to wait for a key
}

// Default settings used when a dialplan leaves them out.
const (
	DefaultLanguage     = LangEnUS
	DefaultDigitTimeout = 5 * time.Second
)

// Queue is an agent queue the dialplan defines and queue nodes send callers to.
type Queue struct {
	Name        string
	Members     []string      // agent ids, in file order
	Strategy    string        // how an agent is chosen; one of the Strategy constants
	RingTimeout time.Duration // how long one agent is rung before the next is tried
	MaxWait     time.Duration // how long a caller waits at most
	HoldMusic   string        // absolute path of a WAV file, or "" for the generated tone pattern

	line, column int // where the queue is defined
}

// Queue strategies.
const (
	StrategyLongestIdle = "longest_idle" // the agent idle the longest gets the call
)

var strategies = []string{StrategyLongestIdle}

// Queue defaults used when a dialplan leaves them out.
const (
	DefaultRingTimeout = 15 * time.Second
	DefaultMaxWait     = 120 * time.Second
)

// Options are the facts about the rest of the configuration Parse checks a dialplan against.
type Options struct {
	// KnownAgents are the agent ids defined in hotline.yaml. When non-nil, every queue member must be one.
	KnownAgents map[string]bool
	// BaseDir is the directory relative file names are resolved against; default: the directory of file.
	BaseDir string
}

// Load reads and parses the dialplan file at path. See Parse.
func Load(path string, opts Options) (*Plan, []*Error, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("dialplan: %w", err)
	}
	return Parse(path, data, opts)
}

// Parse decodes and validates a dialplan; file names it in errors and locates relative paths. It returns
// the plan and its warnings, or every error found as an ErrorList (with any warnings found so far).
func Parse(file string, data []byte, opts Options) (*Plan, []*Error, error) {
	p := &parser{file: file, opts: opts, baseDir: opts.BaseDir}
	if p.baseDir == "" {
		p.baseDir = filepath.Dir(file)
	}
	root, syntaxErr := parseYAML(file, data)
	if syntaxErr != nil {
		return nil, nil, ErrorList{syntaxErr}
	}
	sum := sha256.Sum256(data)
	p.plan = &Plan{
		Hash:   hex.EncodeToString(sum[:]),
		Source: slices.Clone(data),
		File:   file,
		Queues: map[string]*Queue{},
		Flows:  map[string]*Flow{},
	}
	p.decodePlan(root)
	if len(p.errs) > 0 {
		return nil, sortProblems(p.warns), ErrorList(sortProblems(p.errs))
	}
	p.checkUsage()
	return p.plan, sortProblems(p.warns), nil
}

func (p *parser) decodePlan(root *yaml.Node) {
	f := p.fields(root, "", "", "the dialplan")
	if f.value("version", true) != nil {
		if ver := f.integer("version", FormatVersion, -1<<31, 1<<31-1); ver != FormatVersion {
			f.errorf(f.pos("version"), fmt.Sprintf("this hotline reads version %d", FormatVersion),
				"unsupported version %d", ver)
		}
	}
	p.decodeSettings(f)
	p.decodeQueues(f)
	p.decodeFlows(f)
	p.decodeRoutes(f)
	f.done()
}

func (p *parser) decodeSettings(top *fields) {
	s := &p.plan.Settings
	s.Language, s.DigitTimeout = DefaultLanguage, DefaultDigitTimeout
	v := top.value("settings", false)
	if v == nil {
		return
	}
	f := p.fields(top.pos("settings"), "", "settings", "settings")
	s.Language = f.language("language", DefaultLanguage)
	s.DigitTimeout = f.duration("digit_timeout", DefaultDigitTimeout)
	f.done()
}

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
		var nodes []*yaml.Node
		q.Members, nodes = f.stringList("members", true)
		if v := f.value("members", false); v != nil && v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
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
		q.Strategy = f.oneOf("strategy", StrategyLongestIdle, strategies)
		q.RingTimeout = f.duration("ring_timeout", DefaultRingTimeout)
		q.MaxWait = f.duration("max_wait", DefaultMaxWait)
		_, q.HoldMusic = f.file("hold_music", false)
		f.done()
		p.plan.Queues[q.Name] = q
	}
}

// checkUsage warns about parts of a valid plan that can never run.
func (p *parser) checkUsage() {
	used := map[string]bool{}
	for _, r := range p.plan.Routes {
		used[r.Flow] = true
	}
	for _, fl := range p.plan.Flows {
		if !used[fl.Name] {
			p.warns = append(p.warns, &Error{File: p.file, Line: fl.line, Column: fl.column,
				Msg: fmt.Sprintf("flow %q is not used by any route", fl.Name)})
		}
		for _, n := range fl.Nodes {
			if q, ok := n.(*QueueNode); ok && q.Queue != nil {
				used["queue:"+q.Queue.Name] = true
			}
		}
		p.warnUnreachable(fl)
	}
	for _, q := range p.plan.Queues {
		if !used["queue:"+q.Name] {
			p.warns = append(p.warns, &Error{File: p.file, Line: q.line, Column: q.column,
				Msg: fmt.Sprintf("queue %q is not used by any queue node", q.Name)})
		}
	}
}

// Route returns the first route matching a call to the called number to from the caller number from, and
// the flow it runs.
func (p *Plan) Route(to, from string) (*Route, *Flow, bool) {
	for _, r := range p.Routes {
		if r.Match(to, from) {
			return r, p.Flows[r.Flow], true
		}
	}
	return nil, nil, false
}

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
	Bots     map[string]*BotProfile
	Trunks   map[string]*Trunk
}

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
		Bots:   map[string]*BotProfile{},
		Trunks: map[string]*Trunk{},
	}
	p.decodePlan(root)
	if len(p.errs) > 0 {
		return nil, sortProblems(p.warns), ErrorList(sortProblems(p.errs))
	}
	p.checkUsage()
	p.warnUnknownVars()
	p.warnSpinningLoops()
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
	p.decodeTrunks(f)
	p.decodeBots(f)
	p.decodeFlows(f)
	p.resolveGotos()
	p.decodeRoutes(f)
	f.done()
}

// checkUsage warns about parts of a valid plan that can never run.
func (p *parser) checkUsage() {
	used := map[string]bool{}
	for _, r := range p.plan.Routes {
		used[r.Flow] = true
	}
	for _, fl := range p.plan.Flows {
		for _, n := range fl.Nodes {
			if g, ok := n.(*GotoNode); ok {
				used[g.FlowName] = true
			}
		}
	}
	for _, fl := range p.plan.Flows {
		if !used[fl.Name] {
			p.warns = append(p.warns, &Error{File: p.file, Line: fl.line, Column: fl.column,
				Msg: fmt.Sprintf("flow %q is not used by any route or goto", fl.Name)})
		}
		for _, n := range fl.Nodes {
			switch n := n.(type) {
			case *QueueNode:
				if n.Queue != nil {
					used["queue:"+n.Queue.Name] = true
				}
			case *TransferNode:
				if n.Queue != nil {
					used["queue:"+n.Queue.Name] = true
				}
			case *GotoNode:
				used[n.FlowName] = true
			case *BotNode:
				if n.Profile != nil {
					used["bot:"+n.Profile.Name] = true
				}
			}
		}
		for _, b := range p.plan.Bots {
			if b.EscalateQueue != nil {
				used["queue:"+b.EscalateQueue.Name] = true
			}
		}
		p.warnUnreachable(fl)
	}
	for _, b := range p.plan.Bots {
		if !used["bot:"+b.Name] {
			p.warns = append(p.warns, &Error{File: p.file, Line: b.line, Column: b.column,
				Msg: fmt.Sprintf("bot profile %q is not used by any bot node", b.Name)})
		}
	}
	for _, q := range p.plan.Queues {
		if !used["queue:"+q.Name] {
			p.warns = append(p.warns, &Error{File: p.file, Line: q.line, Column: q.column,
				Msg: fmt.Sprintf("queue %q is not used by any queue, transfer or bot", q.Name)})
		}
	}
}

// Route returns the route a call to the called number to from the caller number from takes now, and
// the flow it runs. See Select.
func (p *Plan) Route(to, from string) (*Route, *Flow, bool) {
	return p.Select(&Facts{To: to, From: from, Time: time.Now()})
}

// Select returns the first route matching the call's facts, else the default route, and the flow it runs.
func (p *Plan) Select(f *Facts) (*Route, *Flow, bool) {
	var def *Route
	for _, r := range p.Routes {
		if r.Default {
			def = r
			continue
		}
		if r.MatchFacts(f) {
			return r, p.Flows[r.Flow], true
		}
	}
	if def != nil {
		return def, p.Flows[def.Flow], true
	}
	return nil, nil, false
}

// QueueNames lists the plan's queues by name (for transfer targets).
func (p *Plan) QueueNames() []string {
	if p == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(p.Queues))
}

// TrunkNames lists the plan's trunks by name.
func (p *Plan) TrunkNames() []string {
	if p == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(p.Trunks))
}

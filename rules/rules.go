package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hotline-cc/hotline/record"
	"gopkg.in/yaml.v3"
)

// Rule is one category rule.
type Rule struct {
	ID          string // unique in the file; stored with the category
	Name        string // the category it puts a call in
	Description string
	// Realtime marks a rule for live alerts during the call. It is parsed and kept; live
	// evaluation is not this package's.
	Realtime bool
	Line     int // where the rule starts in the file
	cond     cond
}

// Condition describes the rule's condition, for pages and logs.
func (r Rule) Condition() string {
	if r.cond == nil {
		return ""
	}
	return r.cond.describe()
}

// Set is one version of the rules file. It is immutable and safe for concurrent use.
type Set struct {
	file  string
	hash  string
	rules []Rule
}

// Rules are the set's rules in file order.
func (s *Set) Rules() []Rule { return slices.Clone(s.rules) }

// Hash is the SHA-256 of the file's content, in hex: a call's categories can say which version
// of the rules gave them, and a re-run knows which calls are current.
func (s *Set) Hash() string { return s.hash }

// File is the name the set was parsed under.
func (s *Set) File() string { return s.file }

// Load reads and parses a rules file.
func Load(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	return Parse(path, data)
}

// Parse parses a rules file. file names it in errors. The error, when there is one, is an
// ErrorList with every problem found, each with its line.
func Parse(file string, data []byte) (*Set, error) {
	p := &parser{file: file}
	sum := sha256.Sum256(data)
	s := &Set{file: file, hash: hex.EncodeToString(sum[:])}
	root, err := parseYAML(file, data)
	if err != nil {
		return nil, ErrorList{err}
	}
	s.rules = p.decodeFile(root)
	if len(p.errs) > 0 {
		return nil, ErrorList(sortProblems(p.errs))
	}
	return s, nil
}

func parseYAML(file string, data []byte) (root *yaml.Node, perr *Error) {
	defer func() {
		// The YAML parser is third-party code fed what ops typed: a panic in it is a syntax error.
		if r := recover(); r != nil {
			root, perr = nil, &Error{File: file, Line: 1, Msg: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		e := yamlSyntaxError(file, err)
		if line := errorLine(data); line > 0 {
			e.Line = line
		}
		return nil, e
	}
	if doc.Kind == 0 || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil, &Error{File: file, Line: 1, Msg: "the rules file is empty", Hint: "start with: rules:"}
	}
	return doc.Content[0], nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlSyntaxError turns "yaml: line 3: could not find expected ':'" into an Error at line 3.
func yamlSyntaxError(file string, err error) *Error {
	msg := err.Error()
	e := &Error{File: file, Line: 1}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			e.Line = n
		}
		msg = m[2]
	}
	e.Msg = "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")
	if strings.Contains(msg, "found character that cannot start any token") {
		e.Hint = "indent with spaces, not tabs"
	}
	return e
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]*$`)

func (p *parser) decodeFile(root *yaml.Node) []Rule {
	f := p.fields(root, "", "", "the rules file")
	list := f.value("rules", true)
	f.done()
	if list == nil {
		return nil
	}
	if list.Kind != yaml.SequenceNode {
		p.errorf(f.pos("rules"), "", "write a list of rules, each starting with \"- id:\"", "rules must be a list, not %s", kindName(list))
		return nil
	}
	var out []Rule
	ids := map[string]int{}
	for _, raw := range list.Content {
		r, ok := p.decodeRule(raw)
		if r.ID != "" {
			if first, dup := ids[r.ID]; dup {
				p.errorf(raw, r.ID, fmt.Sprintf("first given at line %d", first), "duplicate rule id %q", r.ID)
				continue
			}
			ids[r.ID] = r.Line
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

func (p *parser) decodeRule(raw *yaml.Node) (Rule, bool) {
	n := deref(raw)
	r := Rule{Line: raw.Line}
	if n != nil && n.Kind == yaml.MappingNode {
		// Name the rule in its errors, whatever else is wrong with it.
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k, v := deref(n.Content[i]), deref(n.Content[i+1]); k != nil && k.Value == "id" && v != nil && v.Kind == yaml.ScalarNode {
				r.ID = v.Value
			}
		}
	}
	nerr := len(p.errs)
	f := p.fields(raw, r.ID, "", "a rule")
	if f.bad {
		return r, false
	}
	r.ID = f.str("id", true)
	if r.ID != "" && !idRE.MatchString(r.ID) {
		f.errorf(f.pos("id"), "use letters, digits, _, - and .", "id %q is not a plain name", r.ID)
	}
	r.Name = f.str("name", true)
	r.Description = f.str("description", false)
	r.Realtime = f.boolean("realtime")
	r.cond = p.condIn(f, 0, "a rule")
	f.done()
	return r, len(p.errs) == nerr
}

// Evaluate applies the rules to a call and returns the categories it falls in, in rule order,
// each with its evidence. A category several rules name is given once, by the first rule that
// matched. Conditions on analysis results do not match a call with no analysis.
func (s *Set) Evaluate(c *record.Call) []record.Category {
	if s == nil || c == nil {
		return nil
	}
	v := newView(c)
	var out []record.Category
	for _, r := range s.rules {
		if slices.ContainsFunc(out, func(cat record.Category) bool { return cat.Name == r.Name }) {
			continue
		}
		if ev, ok := r.cond.eval(v); ok {
			out = append(out, record.Category{Name: r.Name, Rule: r.ID, Evidence: ev})
		}
	}
	return out
}

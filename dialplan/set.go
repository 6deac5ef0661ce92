package dialplan

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"gopkg.in/yaml.v3"
)

// SetNode sets call variables, then follows next. Values may hold ${var} templates; they are set in
// file order, so a later value can use an earlier one.
//
//	nodes:
//	  - id: defaults
//	    type: set
//	    vars:
//	      customer_name: "caller"
//	      greeting_name: "${customer_name}"
//	    next: greet
type SetNode struct {
	nodeBase
	Vars []Assignment // in file order
	Next Edge

	loc *time.Location
}

// Assignment sets variable Name to Value, a template.
type Assignment struct {
	Name  string
	Value string
}

var _ Node = (*SetNode)(nil)

// varNameRE is what a variable name may be.
var varNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)

func newSet(id string, f *fields) Node {
	n := &SetNode{nodeBase: nodeBase{id}, loc: f.p.plan.Settings.Location}
	if v := f.value("vars", true); v != nil {
		if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
			f.errorf(f.pos("vars"), "write vars: {name: value}", "vars must be a non-empty mapping of variable to value, not %s", kindName(v))
		} else {
			for _, e := range f.p.entries(v, f.node, f.where+"vars: ") {
				if !f.varName(e.keyNode, e.key) {
					continue
				}
				if e.value.Kind != yaml.ScalarNode {
					f.errorf(e.valueRaw, "", "vars %s: value must be a string, not %s", e.key, kindName(e.value))
					continue
				}
				val := e.value.Value
				if isNull(e.value) {
					val = ""
				}
				n.Vars = append(n.Vars, Assignment{Name: e.key, Value: val})
				for _, m := range templateRE.FindAllStringSubmatch(val, -1) {
					f.p.uses = append(f.p.uses, varUse{name: m[1], node: f.node, pos: e.valueRaw})
				}
				f.setsVar(e.key)
			}
		}
	}
	n.Next = f.edge("next", EdgeNext)
	return n
}

// varName checks a variable name a node sets; built-ins cannot be overwritten.
func (f *fields) varName(pos *yaml.Node, name string) bool {
	if !varNameRE.MatchString(name) {
		f.errorf(pos, "use letters, digits, _ and dots, starting with a letter", "%q is not a variable name", name)
		return false
	}
	if isBuiltin(name) {
		f.errorf(pos, "choose another name", "%q is a built-in variable and cannot be set", name)
		return false
	}
	return true
}

func (*SetNode) Type() string { return "set" }

func (n *SetNode) Edges() []Edge { return appendEdges(nil, n.Next) }

// Run sets the variables.
func (n *SetNode) Run(ctx context.Context, c Call) (string, error) {
	vars := c.Vars()
	if vars == nil {
		return "", fmt.Errorf("set: the call has no variables")
	}
	for _, a := range n.Vars {
		vars[a.Name] = Expand(c, n.loc, a.Value)
	}
	return EdgeNext, nil
}

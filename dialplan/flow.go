package dialplan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Flow is a graph of nodes a call walks from Start.
type Flow struct {
	Name  string
	Start string // id of the first node
	Nodes []Node // in file order

	byID         map[string]Node
	next         map[string]map[string]string // node id → edge name → target node id
	pos          map[string]*yaml.Node        // node id → its id value, for positions in warnings
	line, column int
}

// Node returns the node with the given id, or nil.
func (f *Flow) Node(id string) Node { return f.byID[id] }

// Target returns the id of the node edge leads to from node, or "" when the node has no such edge.
func (f *Flow) Target(node, edge string) string { return f.next[node][edge] }

func (p *parser) decodeFlows(top *fields) {
	v := top.value("flows", true)
	if v == nil {
		return
	}
	if v.Kind != yaml.MappingNode {
		top.errorf(top.pos("flows"), "", "flows must be a mapping of flow name to flow, not %s", kindName(v))
		return
	}
	for _, e := range p.entries(v, "", "flows: ") {
		fl := &Flow{Name: e.key, byID: map[string]Node{}, next: map[string]map[string]string{},
			pos: map[string]*yaml.Node{}, line: e.keyNode.Line, column: e.keyNode.Column}
		p.decodeFlow(fl, e.valueRaw)
		p.plan.Flows[fl.Name] = fl
	}
}

func (p *parser) decodeFlow(fl *Flow, n *yaml.Node) {
	f := p.fields(n, "", fmt.Sprintf("flow %q", fl.Name), "a flow")
	fl.Start = f.str("start", true)
	nodes := f.value("nodes", true)
	f.done()
	if nodes == nil {
		return
	}
	if nodes.Kind != yaml.SequenceNode {
		f.errorf(f.pos("nodes"), "", "nodes must be a list, not %s", kindName(nodes))
		return
	}
	if len(nodes.Content) == 0 {
		f.errorf(f.pos("nodes"), "", "nodes must not be empty")
	}

	// ids holds every id defined, including nodes whose type is unknown, so a typo in a type does not
	// also make every edge to that node an error.
	ids := map[string]*yaml.Node{}
	for _, item := range nodes.Content {
		if n := p.decodeNode(fl, item, ids); n != nil {
			fl.Nodes = append(fl.Nodes, n)
			fl.byID[n.ID()] = n
			fl.pos[n.ID()] = ids[n.ID()]
		}
	}
	p.link(fl, f, ids)
}

// decodeNode decodes one node with its type's constructor from the registry.
func (p *parser) decodeNode(fl *Flow, item *yaml.Node, ids map[string]*yaml.Node) Node {
	f := p.fields(item, "", fmt.Sprintf("flow %q", fl.Name), "a node")
	id := f.str("id", true)
	if id != "" {
		f.node, f.where = id, ""
		if first, dup := ids[id]; dup {
			f.errorf(f.pos("id"), fmt.Sprintf("first defined at line %d", first.Line), "duplicate node id")
			id = ""
		} else {
			ids[id] = f.pos("id")
		}
	}
	typ := f.str("type", true)
	if typ == "" {
		return nil
	}
	newNode, ok := nodeTypes[typ]
	if !ok {
		names := slices.Sorted(maps.Keys(nodeTypes))
		hint := didYouMean(typ, names)
		if hint == "" {
			hint = "known types: " + strings.Join(names, ", ")
		}
		f.errorf(f.pos("type"), hint, "unknown node type %q", typ)
		return nil
	}
	n := newNode(id, f)
	f.done()
	if id == "" {
		return nil
	}
	return n
}

// link checks the flow's start and every edge, and builds the edge table Run follows.
func (p *parser) link(fl *Flow, f *fields, ids map[string]*yaml.Node) {
	names := slices.Sorted(maps.Keys(ids))
	if fl.Start != "" && ids[fl.Start] == nil {
		f.errorf(f.pos("start"), didYouMean(fl.Start, names), "start %q: no such node", fl.Start)
	}
	for _, n := range fl.Nodes {
		out := map[string]string{}
		for _, e := range n.Edges() {
			if ids[e.Target] == nil {
				label := e.label
				if label == "" {
					label = e.Name
				}
				p.errs = append(p.errs, &Error{File: p.file, Line: e.Line, Column: e.Column, Node: n.ID(),
					Msg:  fmt.Sprintf("%s → %q: no such node", label, e.Target),
					Hint: didYouMean(e.Target, names)})
			}
			out[e.Name] = e.Target
		}
		fl.next[n.ID()] = out
	}
}

// warnUnreachable warns about nodes no path from the start leads to.
func (p *parser) warnUnreachable(fl *Flow) {
	seen := map[string]bool{fl.Start: true}
	todo := []string{fl.Start}
	for len(todo) > 0 {
		id := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, target := range fl.next[id] {
			if !seen[target] {
				seen[target] = true
				todo = append(todo, target)
			}
		}
	}
	for _, n := range fl.Nodes {
		if !seen[n.ID()] {
			p.warnf(fl.pos[n.ID()], n.ID(), "", "unreachable: no path from start %q leads here", fl.Start)
		}
	}
}

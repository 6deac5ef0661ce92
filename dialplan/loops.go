package dialplan

import (
	"fmt"
	"slices"
	"strings"
)

// spinTypes are the node types that never wait for the caller: a cycle made only of them runs
// without pause until the step budget ends the call.
var spinTypes = map[string]bool{"set": true, "branch": true, "goto": true, "http": true, "answer": true}

// warnSpinningLoops warns about cycles, within and across flows (through goto), made only of nodes
// that never wait for the caller.
func (p *parser) warnSpinningLoops() {
	type key struct{ flow, node string }
	succ := func(k key) []key {
		fl := p.plan.Flows[k.flow]
		n := fl.Node(k.node)
		if g, ok := n.(*GotoNode); ok {
			if g.Flow == nil {
				return nil
			}
			return []key{{g.Flow.Name, g.Flow.Start}}
		}
		var out []key
		for _, e := range n.Edges() {
			out = append(out, key{k.flow, e.Target})
		}
		return out
	}
	spins := func(k key) bool {
		fl := p.plan.Flows[k.flow]
		if fl == nil {
			return false
		}
		n := fl.Node(k.node)
		return n != nil && spinTypes[n.Type()]
	}
	// Iterative DFS with colours over the spin-only subgraph; every back edge closes a cycle.
	const (
		white = iota
		grey
		black
	)
	colour := map[key]int{}
	reported := map[key]bool{}
	for _, fname := range sortedFlowNames(p.plan.Flows) {
		for _, n := range p.plan.Flows[fname].Nodes {
			start := key{fname, n.ID()}
			if !spins(start) || colour[start] != white {
				continue
			}
			type frame struct {
				k    key
				next []key
			}
			stack := []frame{{start, succ(start)}}
			path := []key{start}
			colour[start] = grey
			for len(stack) > 0 {
				top := &stack[len(stack)-1]
				if len(top.next) == 0 {
					colour[top.k] = black
					stack = stack[:len(stack)-1]
					path = path[:len(path)-1]
					continue
				}
				nk := top.next[0]
				top.next = top.next[1:]
				if !spins(nk) {
					continue
				}
				switch colour[nk] {
				case grey:
					if !reported[nk] {
						reported[nk] = true
						var names []string
						inCycle := false
						for _, pk := range path {
							if pk == nk {
								inCycle = true
							}
							if inCycle {
								names = append(names, nodeLabel(pk.flow, pk.node, fname))
							}
						}
						names = append(names, nodeLabel(nk.flow, nk.node, fname))
						fl := p.plan.Flows[nk.flow]
						p.warnf(fl.pos[nk.node], nk.node, "put a node that waits for the caller (menu, gather, say…) in the loop",
							"loop without waiting for the caller: %s", strings.Join(names, " → "))
					}
				case white:
					colour[nk] = grey
					stack = append(stack, frame{nk, succ(nk)})
					path = append(path, nk)
				}
			}
		}
	}
}

func nodeLabel(flow, node, home string) string {
	if flow == home {
		return node
	}
	return fmt.Sprintf("%s/%s", flow, node)
}

func sortedFlowNames(m map[string]*Flow) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

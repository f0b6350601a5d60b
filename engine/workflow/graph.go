package workflow

import (
	"slices"
	"strings"
)

// graph resolves every step's needs (explicit needs plus the steps its
// expressions read) and reports unknown steps, reads across phases and
// cycles.
func (b *builder) graph() {
	deps := make(map[*stepInfo][]*stepInfo, len(b.infos))
	for _, in := range b.infos {
		deps[in] = b.resolve(in)
		for _, d := range deps[in] {
			in.step.Needs = append(in.step.Needs, d.step.ID)
		}
	}
	b.cycles(deps)
}

// knownIDs returns every step id, for suggestions.
func (b *builder) knownIDs() []string {
	out := make([]string, 0, len(b.infos))
	for _, in := range b.infos {
		if in.step.ID != "" {
			out = append(out, in.step.ID)
		}
	}
	return out
}

// resolve returns the steps that in needs, without duplicates, in file
// order. Main steps may neither need nor read on_error steps; on_error
// steps may read main steps, which are all done by the time they run, so
// that is no need.
func (b *builder) resolve(in *stepInfo) []*stepInfo {
	var deps []*stepInfo
	add := func(r ref, how string) {
		t := b.ids[r.id]
		switch {
		case t == nil:
			b.c.errf(r.pos, "unknown step %q%s%s", r.id, how, suffix(r.id, b.knownIDs()))
		case t.phase == phaseOnError && in.phase == phaseMain:
			b.c.errf(r.pos, "%s cannot depend on on_error step %q: on_error steps run only after the run failed", in.owner, r.id)
		case t.phase == phaseMain && in.phase == phaseOnError:
		case !slices.Contains(deps, t):
			deps = append(deps, t)
		}
	}
	for _, r := range in.needs {
		add(r, " in needs")
	}
	for _, r := range in.refs {
		add(r, "")
	}
	slices.SortFunc(deps, func(x, y *stepInfo) int { return x.index - y.index })
	return deps
}

// cycles reports each cycle of the needs graph once, at its first step, as
// `steps form a cycle: a -> b -> a` (a needs b, b needs a).
func (b *builder) cycles(deps map[*stepInfo][]*stepInfo) {
	t := &tarjan{deps: deps, index: map[*stepInfo]int{}, low: map[*stepInfo]int{}, on: map[*stepInfo]bool{}}
	for _, in := range b.infos {
		if _, seen := t.index[in]; !seen {
			t.visit(in)
		}
	}
	slices.SortFunc(t.sccs, func(x, y []*stepInfo) int { return first(x).index - first(y).index })
	for _, scc := range t.sccs {
		start := first(scc)
		if len(scc) == 1 && !slices.Contains(deps[start], start) {
			continue
		}
		path := cyclePath(start, scc, deps)
		names := make([]string, len(path))
		for i, p := range path {
			names[i] = p.step.ID
		}
		b.c.errf(start.step.Pos, "steps form a cycle: %s", strings.Join(names, " -> "))
	}
}

// first returns the step of a group that comes first in the file.
func first(scc []*stepInfo) *stepInfo {
	return slices.MinFunc(scc, func(x, y *stepInfo) int { return x.index - y.index })
}

// cyclePath finds a path from start back to start inside one strongly
// connected group, following needs in file order.
func cyclePath(start *stepInfo, scc []*stepInfo, deps map[*stepInfo][]*stepInfo) []*stepInfo {
	seen := map[*stepInfo]bool{}
	var walk func(at *stepInfo, path []*stepInfo) []*stepInfo
	walk = func(at *stepInfo, path []*stepInfo) []*stepInfo {
		for _, d := range deps[at] {
			if d == start {
				return append(path, d)
			}
			if seen[d] || !slices.Contains(scc, d) {
				continue
			}
			seen[d] = true
			if p := walk(d, append(path, d)); p != nil {
				return p
			}
		}
		return nil
	}
	return walk(start, []*stepInfo{start})
}

// tarjan finds the strongly connected groups of the needs graph.
type tarjan struct {
	deps    map[*stepInfo][]*stepInfo
	index   map[*stepInfo]int
	low     map[*stepInfo]int
	on      map[*stepInfo]bool
	stack   []*stepInfo
	counter int
	sccs    [][]*stepInfo
}

func (t *tarjan) visit(v *stepInfo) {
	t.index[v], t.low[v] = t.counter, t.counter
	t.counter++
	t.stack = append(t.stack, v)
	t.on[v] = true
	for _, w := range t.deps[v] {
		if _, seen := t.index[w]; !seen {
			t.visit(w)
			t.low[v] = min(t.low[v], t.low[w])
		} else if t.on[w] {
			t.low[v] = min(t.low[v], t.index[w])
		}
	}
	if t.low[v] != t.index[v] {
		return
	}
	var scc []*stepInfo
	for {
		w := t.stack[len(t.stack)-1]
		t.stack = t.stack[:len(t.stack)-1]
		t.on[w] = false
		scc = append(scc, w)
		if w == v {
			break
		}
	}
	t.sccs = append(t.sccs, scc)
}

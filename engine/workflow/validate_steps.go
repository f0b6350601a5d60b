package workflow

import (
	"fmt"
	"strings"
	"time"

	"github.com/hookflow/hookflow/engine/expr"
)

// phase tells the main steps from the on_error steps.
type phase int

const (
	phaseMain phase = iota
	phaseOnError
)

// stepInfo is what the builder knows of one step while it checks the file.
type stepInfo struct {
	step  *Step
	node  *node
	phase phase
	index int    // in file order over steps and on_error
	owner string // `step "billing"`, for messages
	needs []ref  // explicit needs:
	refs  []ref  // steps.X read by with, if and foreach
}

// collectSteps records the steps of one list with their ids, reporting
// duplicate ids (across steps and on_error), before any step is read, so
// that references may point forward.
func (b *builder) collectSteps(list *node, ph phase) {
	if list == nil || list.kind != nodeList {
		return
	}
	section := "steps"
	if ph == phaseOnError {
		section = "on_error"
	}
	for i, item := range list.vals {
		if item.kind != nodeMap {
			continue
		}
		path := fmt.Sprintf("%s[%d]", section, i)
		in := &stepInfo{step: &Step{Pos: item.pos}, node: item, phase: ph,
			index: len(b.infos), owner: ownerName("step", item, path)}
		b.infos = append(b.infos, in)
		idNode, _ := item.get("id")
		id := idNode.str()
		in.step.ID = id
		if id == "" {
			continue
		}
		if first := b.ids[id]; first != nil {
			b.c.errf(idNode.pos, "duplicate step id %q: the first is on line %d", id, first.step.Pos.Line)
			continue
		}
		b.ids[id] = in
	}
}

// step reads one step.
func (b *builder) step(in *stepInfo) {
	st, n := in.step, in.node
	foreach, _ := n.get("foreach")
	opt := expr.Options{Foreach: foreach != nil && foreach.kind != nodeNull}
	b.uses(in)
	if with, _ := n.get("with"); with != nil && (with.kind == nodeMap || with.isExpr()) {
		var refs []ref
		st.With, refs = b.compileValue(with, opt)
		in.refs = append(in.refs, refs...)
	}
	if v, _ := n.get("if"); v != nil && isExprKind(v) {
		var refs []ref
		st.If, refs = b.compileWhole(v, opt)
		in.refs = append(in.refs, refs...)
	}
	if opt.Foreach && (foreach.kind == nodeList || foreach.isExpr()) {
		var refs []ref
		st.Foreach, refs = b.compileValue(foreach, expr.Options{})
		in.refs = append(in.refs, refs...)
	}
	in.needs = needsOf(n)
	st.Retry = retryOf(n)
	st.Timeout = durationAt(n, "timeout", defaultTimeout)
	if v, _ := n.get("continue_on_error"); v != nil && v.kind == nodeBool {
		st.ContinueOnError = v.value == true
	}
}

// uses looks the step's action up in the registry and checks its with:.
func (b *builder) uses(in *stepInfo) {
	u, _ := in.node.get("uses")
	if u == nil || u.kind != nodeString || strings.TrimSpace(u.text) == "" {
		return
	}
	in.step.Uses = u.text
	def, ok := b.reg.Lookup(u.text)
	if !ok {
		b.c.errf(u.pos, "unknown action %q%s", u.text, suffix(u.text, b.reg.Names()))
		return
	}
	in.step.Def = def
	(&linter{c: b.c}).lintWith(in.node, def, where{owner: in.owner, path: "with"})
}

// needsOf reads needs:, a list of step ids or one id.
func needsOf(n *node) []ref {
	v, _ := n.get("needs")
	if v == nil {
		return nil
	}
	items := v.vals
	if v.kind == nodeString {
		items = []*node{v}
	} else if v.kind != nodeList {
		return nil
	}
	var out []ref
	for _, item := range items {
		if item.kind == nodeString && item.text != "" {
			out = append(out, ref{id: item.text, pos: item.pos})
		}
	}
	return out
}

// retryOf reads retry: with its defaults.
func retryOf(n *node) RetryPolicy {
	r := RetryPolicy{
		MaxAttempts: defaultMaxAttempts,
		Backoff:     defaultBackoff,
		Delay:       mustDuration(defaultDelay),
		MaxDelay:    mustDuration(defaultMaxDelay),
	}
	m, _ := n.get("retry")
	if m == nil || m.kind != nodeMap {
		return r
	}
	if v, _ := m.get("max_attempts"); v != nil && v.kind == nodeInt {
		if f, _ := v.number(); f >= 1 && f <= 1<<31 {
			r.MaxAttempts = int(f)
		}
	}
	if v, _ := m.get("backoff"); v.str() == "fixed" || v.str() == "exponential" {
		r.Backoff = v.str()
	}
	r.Delay = durationAt(m, "delay", defaultDelay)
	r.MaxDelay = durationAt(m, "max_delay", defaultMaxDelay)
	return r
}

// durationAt reads the duration at key k of mapping m, or def when it is
// absent or not a duration (the linter reported that).
func durationAt(m *node, k, def string) time.Duration {
	if v, _ := m.get(k); v != nil {
		if d, err := durationOf(v); err == nil && d >= 0 {
			return d
		}
	}
	return mustDuration(def)
}

// mustDuration parses a default duration written in this package.
func mustDuration(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic("workflow: bad default duration " + s)
	}
	return d
}

package workflow

import (
	"fmt"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/expr"
)

// Parse reads one workflow file: YAML into the typed model, with every
// expression compiled, defaults filled in and the step graph checked. file
// is the name that diagnostics carry (it is not read). It returns every
// problem at once, sorted by position; when there is any, the workflow is
// nil. Parse never panics.
func Parse(file string, src []byte, reg *engine.Registry) (wf *Workflow, ds Diagnostics) {
	c := &collector{file: file}
	defer func() {
		if r := recover(); r != nil {
			c.errf(Pos{1, 1}, "internal error while validating: %v", r)
			wf, ds = nil, c.sorted()
		}
	}()
	if reg == nil {
		reg = engine.NewRegistry()
	}
	root := parseYAML(src, c)
	if root == nil {
		return nil, c.sorted()
	}
	switch root.kind {
	case nodeMap:
	case nodeNull:
		c.errf(root.pos, "the file is empty: a workflow needs at least name and steps")
		return nil, c.sorted()
	default:
		c.errf(root.pos, "a workflow must be a mapping of keys like name, on and steps, not %s", describe(root))
		return nil, c.sorted()
	}
	(&linter{c: c}).value(root, nil, workflowDecl(), where{})
	b := &builder{c: c, reg: reg, ids: map[string]*stepInfo{}}
	wf = b.build(root)
	wf.File, wf.Source = file, src
	if len(c.list) > 0 {
		return nil, c.sorted()
	}
	return wf, nil
}

// builder turns a linted node tree into the model. It reads values whose
// kind the linter already checked (a value of the wrong kind reads as
// absent) and adds the checks that need more than one value: step ids,
// actions, expressions, the graph and tests.
type builder struct {
	c   *collector
	reg *engine.Registry
	// ids maps each step id (main and on_error) to what is known of it.
	ids   map[string]*stepInfo
	infos []*stepInfo // in file order, main steps first
}

// build reads the whole file.
func (b *builder) build(root *node) *Workflow {
	wf := &Workflow{}
	if n, _ := root.get("name"); n != nil {
		wf.Name, wf.NamePos = n.str(), n.pos
	}
	if n, _ := root.get("description"); n != nil {
		wf.Description = n.str()
	}
	if n, _ := root.get("on"); n != nil {
		wf.On = b.triggers(n)
	}
	if n, _ := root.get("if"); n != nil && isExprKind(n) {
		var refs []ref
		wf.If, refs = b.compileWhole(n, expr.Options{})
		b.noSteps(refs, "the workflow's if")
	}
	if n, _ := root.get("vars"); n != nil && n.kind == nodeMap {
		wf.VarNames, wf.Vars = b.vars(n)
	}
	mainSteps, _ := root.get("steps")
	onError, _ := root.get("on_error")
	b.collectSteps(mainSteps, phaseMain)
	b.collectSteps(onError, phaseOnError)
	for _, in := range b.infos {
		b.step(in)
	}
	b.graph()
	for _, in := range b.infos {
		if in.phase == phaseMain {
			wf.Steps = append(wf.Steps, in.step)
		} else {
			wf.OnError = append(wf.OnError, in.step)
		}
	}
	if n, _ := root.get("tests"); n != nil && n.kind == nodeList {
		wf.Tests = b.tests(n)
	}
	return wf
}

// isExprKind reports whether n can be read as a whole expression.
func isExprKind(n *node) bool { return n.kind == nodeString || n.kind == nodeBool }

// noSteps reports each step read by an expression that runs before any
// step does.
func (b *builder) noSteps(refs []ref, what string) {
	for _, r := range refs {
		b.c.errf(r.pos, "%s cannot read steps.%s: it is evaluated before any step runs", what, r.id)
	}
}

// vars compiles the vars: mapping. Vars may read event and env, but neither
// steps (none has run yet) nor other vars (they are computed together).
func (b *builder) vars(n *node) ([]string, map[string]expr.Value) {
	names := make([]string, 0, len(n.keys))
	vals := make(map[string]expr.Value, len(n.keys))
	for i, k := range n.keys {
		v := n.vals[i]
		val, refs := b.compileValue(v, expr.Options{})
		b.noSteps(refs, fmt.Sprintf("vars.%s", k.text))
		b.noVars(v, fmt.Sprintf("vars.%s", k.text))
		names = append(names, k.text)
		vals[k.text] = val
	}
	return names, vals
}

// noVars reports a read of vars inside n's templates.
func (b *builder) noVars(n *node, what string) {
	if n == nil {
		return
	}
	if n.isExpr() {
		if at := findIdent(n.text, "vars", true); at >= 0 {
			b.c.errf(n.posAt(at), "%s cannot read vars: vars are computed together, before the run", what)
		}
		return
	}
	for _, v := range n.vals {
		b.noVars(v, what)
	}
}

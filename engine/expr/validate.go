package expr

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/hookflow/hookflow/engine/suggest"
)

// Messages of the validator, used again by the tests.
const (
	msgStepsIndex = "index steps with a step id, like steps.fetch"
)

// validator checks the names that an expression uses before expr type
// checks it, so that the messages speak of hookflow's names (event, steps,
// …) and suggest the name that was meant. It also collects the step ids
// that the expression reads.
type validator struct {
	src    string
	opt    Options
	locals []string // let names in scope
	refs   []stepRef
	err    *Error
}

// stepRef is one read of steps.ID.
type stepRef struct {
	id     string
	offset int
}

// validate checks the tree of src and returns the step ids it reads, in
// order of appearance and without repeats.
func validate(src string, root ast.Node, opt Options) ([]string, *Error) {
	v := &validator{src: src, opt: opt}
	v.walk(root)
	if v.err != nil {
		return nil, v.err
	}
	sort.SliceStable(v.refs, func(i, j int) bool { return v.refs[i].offset < v.refs[j].offset })
	var ids []string
	for _, r := range v.refs {
		if !slices.Contains(ids, r.id) {
			ids = append(ids, r.id)
		}
	}
	return ids, nil
}

// fail records the first problem, at node n.
func (v *validator) fail(n ast.Node, format string, args ...any) {
	if v.err == nil {
		v.err = &Error{Offset: byteOffset(v.src, n.Location().From), Message: fmt.Sprintf(format, args...)}
	}
}

func (v *validator) walk(n ast.Node) {
	if n == nil || v.err != nil {
		return
	}
	switch n := n.(type) {
	case *ast.IdentifierNode:
		v.name(n)
	case *ast.MemberNode:
		v.member(n)
	case *ast.CallNode:
		v.call(n)
	case *ast.VariableDeclaratorNode:
		v.walk(n.Value)
		v.locals = append(v.locals, n.Name)
		v.walk(n.Expr)
		v.locals = v.locals[:len(v.locals)-1]
	case *ast.UnaryNode:
		v.walk(n.Node)
	case *ast.BinaryNode:
		v.walk(n.Left)
		v.walk(n.Right)
	case *ast.ChainNode:
		v.walk(n.Node)
	case *ast.SliceNode:
		v.walk(n.Node)
		v.walk(n.From)
		v.walk(n.To)
	case *ast.BuiltinNode:
		v.all(n.Arguments)
	case *ast.PredicateNode:
		v.walk(n.Node)
	case *ast.SequenceNode:
		v.all(n.Nodes)
	case *ast.ConditionalNode:
		v.walk(n.Cond)
		v.walk(n.Exp1)
		v.walk(n.Exp2)
	case *ast.ArrayNode:
		v.all(n.Nodes)
	case *ast.MapNode:
		v.all(n.Pairs)
	case *ast.PairNode:
		v.walk(n.Key)
		v.walk(n.Value)
	}
}

func (v *validator) all(nodes []ast.Node) {
	for _, n := range nodes {
		v.walk(n)
	}
}

func (v *validator) local(name string) bool { return slices.Contains(v.locals, name) }

// name checks an identifier that is used on its own (not as the base of a
// member access, not called).
func (v *validator) name(n *ast.IdentifierNode) {
	switch {
	case v.local(n.Value):
	case n.Value == "steps":
		v.fail(n, msgStepsIndex)
	case slices.Contains(topNames, n.Value):
	case slices.Contains(loopNames, n.Value):
		if !v.opt.Foreach {
			v.fail(n, "%s is only defined in a foreach step", n.Value)
		}
	case isFunction(n.Value):
		v.fail(n, "%s is a function: call it, like %s()", n.Value, n.Value)
	default:
		names := topNames
		if v.opt.Foreach {
			names = append(slices.Clip(names), loopNames...)
		}
		v.fail(n, "unknown name %q%s", n.Value, didYouMean(n.Value, names))
	}
}

// member checks a chain of member accesses, like steps.a.output.items[0],
// from its base: the first fields of event, run and steps must exist.
func (v *validator) member(n *ast.MemberNode) {
	var chain []*ast.MemberNode // from the base outwards
	var base ast.Node = n
	for m, ok := base.(*ast.MemberNode); ok; m, ok = base.(*ast.MemberNode) {
		chain = append(chain, m)
		base = m.Node
	}
	slices.Reverse(chain)
	id, ok := base.(*ast.IdentifierNode)
	switch {
	case !ok || v.local(id.Value):
		v.walk(base)
	case id.Value == "steps":
		v.steps(chain)
	case id.Value == "event":
		v.field(chain[0], "event", eventFields)
		v.header(chain)
	case id.Value == "run":
		v.field(chain[0], "run", runFields)
	default:
		v.name(id)
	}
	for _, m := range chain {
		v.walk(m.Property)
	}
}

// field checks that m reads one of fields of what.
func (v *validator) field(m *ast.MemberNode, what string, fields []string) {
	s, ok := m.Property.(*ast.StringNode)
	switch {
	case !ok:
		v.fail(m.Property, "index %s with a field name, like %s.%s", what, what, fields[0])
	case !slices.Contains(fields, s.Value):
		v.fail(m.Property, "unknown field %q of %s%s", s.Value, what, didYouMean(s.Value, fields))
	}
}

// header checks that event.headers is read with a lower-case name, as the
// event stores them: event.headers["Content-Type"] would always be "".
func (v *validator) header(chain []*ast.MemberNode) {
	if len(chain) < 2 || v.err != nil || chain[0].Property.(*ast.StringNode).Value != "headers" {
		return
	}
	if s, ok := chain[1].Property.(*ast.StringNode); ok && s.Value != strings.ToLower(s.Value) {
		v.fail(s, "header names are lower case: write event.headers[%q]", strings.ToLower(s.Value))
	}
}

// steps checks steps.ID and steps.ID.FIELD and records the ID.
func (v *validator) steps(chain []*ast.MemberNode) {
	s, ok := chain[0].Property.(*ast.StringNode)
	if !ok {
		v.fail(chain[0].Property, msgStepsIndex)
		return
	}
	v.refs = append(v.refs, stepRef{id: s.Value, offset: chain[0].Property.Location().From})
	if len(chain) > 1 {
		v.field(chain[1], "steps."+s.Value, stepFields)
	}
}

// call checks the function that is called, then the arguments.
func (v *validator) call(n *ast.CallNode) {
	if id, ok := n.Callee.(*ast.IdentifierNode); ok {
		if !isFunction(id.Value) {
			v.fail(id, "unknown function %q%s", id.Value, didYouMean(id.Value, functionNames()))
		}
	} else {
		v.walk(n.Callee)
	}
	v.all(n.Arguments)
}

// isFunction reports whether name is one of hookflow's functions (expr's
// builtins that hookflow does not replace never reach a CallNode).
func isFunction(name string) bool {
	for _, f := range Functions() {
		if f.Name == name {
			return true
		}
	}
	return false
}

// functionNames lists every function an expression may call.
func functionNames() []string {
	var names []string
	for _, f := range Functions() {
		names = append(names, f.Name)
	}
	for _, b := range builtin.Builtins {
		if !strings.HasPrefix(b.Name, "$") && !slices.Contains(names, b.Name) {
			names = append(names, b.Name)
		}
	}
	return names
}

// didYouMean returns `; did you mean "x"?` for the candidate closest to
// name, or "" when none is close.
func didYouMean(name string, candidates []string) string {
	best := suggest.Closest(name, candidates)
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// byteOffset converts expr's location (a count of runes) to a byte offset
// of src, clamped to [0, len(src)].
func byteOffset(src string, runes int) int {
	if runes <= 0 {
		return 0
	}
	n := 0
	for i := range src {
		if n == runes {
			return i
		}
		n++
	}
	return len(src)
}

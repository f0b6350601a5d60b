package expr

import (
	"reflect"
	"slices"

	"github.com/expr-lang/expr/ast"
)

// Patches rewrite the checked tree before it is compiled. They run in the
// order that patches returns, each after a fresh type check, so each sees
// the types that the one before left:
//
//  1. rawPatch makes `event.raw` a string;
//  2. chargePatch charges what operators and builtins produce to the
//     evaluation's byte budget;
//  3. tickPatch counts each run of a predicate body;
//  4. eventPatch reads `event.X` from the view's copy of the field;
//  5. getPatch reads fields of JSON values without reflection, which is
//     what makes a typical `if:` allocate nothing.
func patches(root ast.Node) []ast.Visitor {
	chained := chainedMembers(root)
	return []ast.Visitor{rawPatch{}, chargePatch{}, tickPatch{}, eventPatch{chained}, getPatch{chained}}
}

// call makes a call of the internal function name at the place of at.
func call(at ast.Node, name string, args ...ast.Node) ast.Node {
	callee := &ast.IdentifierNode{Value: name}
	callee.SetLocation(at.Location())
	c := &ast.CallNode{Callee: callee, Arguments: args}
	c.SetLocation(at.Location())
	return c
}

// rawPatch wraps every `event.raw` in __raw, which turns the body's bytes
// into a string.
type rawPatch struct{}

func (rawPatch) Visit(n *ast.Node) {
	m, ok := (*n).(*ast.MemberNode)
	if !ok || m.Method {
		return
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	prop, ok2 := m.Property.(*ast.StringNode)
	if ok && ok2 && id.Value == "event" && prop.Value == "raw" {
		ast.Patch(n, call(m, "__raw", m))
	}
}

// uncharged are the builtins whose results chargePatch leaves alone: the
// predicates (the VM counts what they make) and builtins that return a
// part of their argument.
var uncharged = []string{
	"all", "none", "any", "one", "filter", "map", "count", "sum", "find", "findIndex",
	"findLast", "findLastIndex", "groupBy", "sortBy", "reduce",
	"get", "first", "last", "max", "min", "type",
}

// chargePatch wraps the results of string concatenation, method calls and
// builtins in __charge or __chargeString, which count their size against
// the byte budget. hookflow's own functions charge themselves.
type chargePatch struct{}

func (chargePatch) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.CallNode:
		if _, ok := x.Callee.(*ast.IdentifierNode); ok {
			return
		}
	case *ast.BuiltinNode:
		if slices.Contains(uncharged, x.Name) {
			return
		}
	case *ast.BinaryNode:
		if x.Operator != "+" {
			return
		}
	default:
		return
	}
	switch (*n).Type().Kind() {
	case reflect.String:
		ast.Patch(n, call(*n, "__chargeString", *n))
	case reflect.Interface, reflect.Slice, reflect.Map:
		ast.Patch(n, call(*n, "__charge", *n))
	}
}

// tickPatch makes every predicate body `__tick(); body`, which counts the
// runs against MaxIterations.
type tickPatch struct{}

func (tickPatch) Visit(n *ast.Node) {
	p, ok := (*n).(*ast.PredicateNode)
	if !ok {
		return
	}
	seq := &ast.SequenceNode{Nodes: []ast.Node{call(p.Node, "__tick"), p.Node}}
	seq.SetLocation(p.Node.Location())
	p.Node = seq
}

// eventPatch turns `event.X` into the view's copy of the field,
// `__event_X`: one field load instead of two.
type eventPatch struct{ chained map[*ast.MemberNode]bool }

func (e eventPatch) Visit(n *ast.Node) {
	m, ok := (*n).(*ast.MemberNode)
	if !ok || m.Method || m.Optional || e.chained[m] {
		return
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	prop, ok2 := m.Property.(*ast.StringNode)
	if ok && ok2 && id.Value == "event" && slices.Contains(eventFields, prop.Value) {
		ast.Patch(n, &ast.IdentifierNode{Value: "__event_" + prop.Value})
	}
}

var (
	mapAnyType    = reflect.TypeOf(map[string]any(nil))
	mapStringType = reflect.TypeOf(map[string]string(nil))
)

// getPatch turns `x.name` and `x[key]` on values of unknown type or of type
// map[string]any into __get(x, key), and on map[string]string into
// __getString(x, key). Both read maps directly, where expr's fetch goes
// through reflection and allocates. Member accesses inside an optional
// chain (`a?.b`) are left to expr.
type getPatch struct{ chained map[*ast.MemberNode]bool }

func (g getPatch) Visit(n *ast.Node) {
	m, ok := (*n).(*ast.MemberNode)
	if !ok || m.Method || m.Optional || g.chained[m] {
		return
	}
	switch t := m.Node.Type(); {
	case t.Kind() == reflect.Interface || t == mapAnyType:
		ast.Patch(n, call(m, "__get", m.Node, m.Property))
	case t == mapStringType:
		ast.Patch(n, call(m, "__getString", m.Node, m.Property))
	}
}

// chainedMembers finds the member accesses inside optional chains.
func chainedMembers(root ast.Node) map[*ast.MemberNode]bool {
	c := chainFinder{}
	ast.Walk(&root, c)
	return c
}

type chainFinder map[*ast.MemberNode]bool

func (c chainFinder) Visit(n *ast.Node) {
	if ch, ok := (*n).(*ast.ChainNode); ok {
		ast.Walk(&ch.Node, memberFinder(c))
	}
}

type memberFinder map[*ast.MemberNode]bool

func (f memberFinder) Visit(n *ast.Node) {
	if m, ok := (*n).(*ast.MemberNode); ok {
		f[m] = true
	}
}

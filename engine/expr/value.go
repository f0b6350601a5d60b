package expr

import (
	"slices"
)

// Value is a compiled workflow value: a literal, a string with `${{ }}`, or
// a map or list of values.
type Value interface {
	// Eval computes the value. The result may share memory with the
	// value's literals and with env: treat it as read-only.
	Eval(env *Env) (any, error)
	// Refs returns the step ids that the value's expressions read, in order
	// of appearance, without repeats.
	Refs() []string
}

type literal struct{ v any }

func (l literal) Eval(*Env) (any, error) { return l.v, nil }
func (l literal) Refs() []string         { return nil }

// Literal returns a value without expressions. Eval returns v itself each
// time, shared by every caller: callers must treat it as read-only.
func Literal(v any) Value { return literal{v} }

// isLiteral reports whether v holds no expression; a nil Value counts as
// the literal nil.
func isLiteral(v Value) (any, bool) {
	switch l := v.(type) {
	case nil:
		return nil, true
	case literal:
		return l.v, true
	}
	return nil, false
}

type mapValue struct {
	keys []string
	vals []Value
	refs []string
}

// Map returns a map value; keys and vals are parallel. A map without
// expressions in it is folded into one Literal here, so that evaluating it
// allocates nothing.
func Map(keys []string, vals []Value) Value {
	if out, ok := foldMap(keys, vals); ok {
		return literal{out}
	}
	return &mapValue{keys: keys, vals: vals, refs: unionRefs(vals)}
}

func foldMap(keys []string, vals []Value) (map[string]any, bool) {
	out := make(map[string]any, len(keys))
	for i, k := range keys {
		v, ok := isLiteral(vals[i])
		if !ok {
			return nil, false
		}
		out[k] = v
	}
	return out, true
}

func (m *mapValue) Eval(env *Env) (any, error) {
	out := make(map[string]any, len(m.keys))
	for i, k := range m.keys {
		v, err := eval(m.vals[i], env)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func (m *mapValue) Refs() []string { return m.refs }

type listValue struct {
	vals []Value
	refs []string
}

// List returns a list value. A list without expressions in it is folded
// into one Literal here, so that evaluating it allocates nothing.
func List(vals []Value) Value {
	out := make([]any, len(vals))
	for i, v := range vals {
		lv, ok := isLiteral(v)
		if !ok {
			return &listValue{vals: vals, refs: unionRefs(vals)}
		}
		out[i] = lv
	}
	return literal{out}
}

func (l *listValue) Eval(env *Env) (any, error) {
	out := make([]any, len(l.vals))
	for i, v := range l.vals {
		x, err := eval(v, env)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func (l *listValue) Refs() []string { return l.refs }

// eval is v.Eval, with a nil Value being the literal nil.
func eval(v Value, env *Env) (any, error) {
	if v == nil {
		return nil, nil
	}
	return v.Eval(env)
}

// unionRefs joins the refs of vals in order, without repeats.
func unionRefs(vals []Value) []string {
	var out []string
	for _, v := range vals {
		if v == nil {
			continue
		}
		for _, r := range v.Refs() {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

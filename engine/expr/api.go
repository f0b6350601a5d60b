// Package expr compiles and evaluates hookflow expressions: the `if:`
// filters and the `${{ … }}` templates inside workflow values. Everything is
// compiled once, when a workflow version loads; evaluation never parses.
//
// SKELETON: the API below is fixed; the implementation is being completed.
package expr

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/hookflow/hookflow/engine"
)

// Env is the data an expression sees at run time.
type Env struct {
	// Event is the run's event (`event.…`).
	Event *engine.Event
	// Vars are the workflow's evaluated vars (`vars.…`).
	Vars map[string]any
	// Env is the server's environment less HOOKFLOW_* variables (`env.…`).
	Env map[string]string
	// Steps holds the finished steps of the run (`steps.ID.…`).
	Steps map[string]*StepState
	// Run describes the run (`run.…`).
	Run RunInfo
	// Item and Index are the current foreach item and its index.
	Item  any
	Index int
}

// StepState is what `steps.ID` shows of a step.
type StepState struct {
	Status   string `expr:"status"`
	Output   any    `expr:"output"`
	Error    string `expr:"error"`
	Attempts int    `expr:"attempts"`
}

// RunInfo is what `run` shows.
type RunInfo struct {
	ID       string `expr:"id"`
	Workflow string `expr:"workflow"`
	Version  int    `expr:"version"`
	Error    string `expr:"error"`
}

// Options say where an expression stands.
type Options struct {
	// Foreach makes `item` and `index` available.
	Foreach bool
}

// Error is a compile problem at a byte offset of the source string.
type Error struct {
	Offset  int
	Message string
}

func (e *Error) Error() string { return e.Message }

// Program is one compiled expression.
type Program struct {
	src  string
	prog *vm.Program
	refs []string
}

// Compile compiles one expression (an `if:` filter or the inside of a
// `${{ }}`). The error, when not nil, is an *Error whose Offset is relative
// to src.
func Compile(src string, opt Options) (*Program, error) {
	p, err := expr.Compile(src)
	if err != nil {
		return nil, &Error{Offset: 0, Message: err.Error()}
	}
	return &Program{src: src, prog: p}, nil
}

// Source returns the expression text.
func (p *Program) Source() string { return p.src }

// Refs returns the ids of the steps that the expression reads (steps.X).
func (p *Program) Refs() []string { return p.refs }

// Run evaluates the expression.
func (p *Program) Run(env *Env) (any, error) {
	return expr.Run(p.prog, toMap(env))
}

// Bool evaluates the expression as a condition.
func (p *Program) Bool(env *Env) (bool, error) {
	v, err := p.Run(env)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%s: want true or false, got %T", p.src, v)
	}
	return b, nil
}

func toMap(env *Env) map[string]any {
	m := map[string]any{"vars": env.Vars, "env": env.Env, "item": env.Item, "index": env.Index}
	if env.Event != nil {
		m["event"] = map[string]any{"id": env.Event.ID, "type": env.Event.Type, "body": env.Event.Body,
			"headers": env.Event.Headers, "query": env.Event.Query, "method": env.Event.Method}
	}
	steps := map[string]any{}
	for k, s := range env.Steps {
		steps[k] = map[string]any{"status": s.Status, "output": s.Output, "error": s.Error, "attempts": s.Attempts}
	}
	m["steps"] = steps
	m["run"] = map[string]any{"id": env.Run.ID, "workflow": env.Run.Workflow, "version": env.Run.Version, "error": env.Run.Error}
	return m
}

// Value is a compiled workflow value: a literal, a string with `${{ }}`, or
// a map or list of values.
type Value interface {
	// Eval computes the value.
	Eval(env *Env) (any, error)
	// Refs returns the step ids that the value's expressions read.
	Refs() []string
}

type literal struct{ v any }

func (l literal) Eval(*Env) (any, error) { return l.v, nil }
func (l literal) Refs() []string         { return nil }

// Literal returns a value without expressions.
func Literal(v any) Value { return literal{v} }

type mapValue struct {
	keys []string
	vals []Value
}

// Map returns a map value; keys and vals are parallel.
func Map(keys []string, vals []Value) Value { return &mapValue{keys, vals} }

func (m *mapValue) Eval(env *Env) (any, error) {
	out := make(map[string]any, len(m.keys))
	for i, k := range m.keys {
		v, err := m.vals[i].Eval(env)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func (m *mapValue) Refs() []string {
	var r []string
	for _, v := range m.vals {
		r = append(r, v.Refs()...)
	}
	return r
}

type listValue []Value

// List returns a list value.
func List(vals []Value) Value { return listValue(vals) }

func (l listValue) Eval(env *Env) (any, error) {
	out := make([]any, len(l))
	for i, v := range l {
		x, err := v.Eval(env)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func (l listValue) Refs() []string {
	var r []string
	for _, v := range l {
		r = append(r, v.Refs()...)
	}
	return r
}

type whole struct{ p *Program }

func (w whole) Eval(env *Env) (any, error) { return w.p.Run(env) }
func (w whole) Refs() []string             { return w.p.refs }

// CompileString compiles a string that may hold `${{ … }}`. A string without
// one is a Literal; a string that is exactly one `${{ … }}` keeps the value's
// type; otherwise the parts are formatted into text. Errors carry offsets
// relative to s.
func CompileString(s string, opt Options) (Value, []*Error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "${{") && strings.HasSuffix(t, "}}") && strings.Count(t, "${{") == 1 {
		p, err := Compile(t[3:len(t)-2], opt)
		if err != nil {
			return nil, []*Error{err.(*Error)}
		}
		return whole{p}, nil
	}
	return Literal(s), nil
}

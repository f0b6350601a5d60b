package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
)

// Definition declares an action: its name, what it does, and its parameters
// as a Go struct. Validation of with:, the JSON Schema, the editor's
// completion and the docs are all generated from Params, so they cannot drift
// from what the action decodes.
//
// Params is a zero value of the parameter struct (not a pointer). Its fields
// carry `json:"name"` (the key in with:), `doc:"…"` (one sentence for the
// schema and docs), `required:"true"` when the key must be present, and
// `enum:"a,b,c"` when only those values are allowed, and `secret:"true"` on
// a string whose value must never be recorded or logged (it is shown as ***).
type Definition struct {
	// Name is the value of uses:.
	Name string
	// Summary says in one sentence what the action does.
	Summary string
	// Output describes steps.<id>.output in one sentence.
	Output string
	// Params is a zero value of the parameter struct.
	Params any
	// Pure is true when the action has no outside effect, so that
	// `hookflow test` runs it for real instead of in dry-run mode.
	Pure bool
	// Inline is true when the action is Pure and quick (microseconds, no
	// I/O but a log line): the engine may then run it before the commit
	// that accepts the event, so a run of such steps is stored finished
	// without a job round trip.
	Inline bool
	// Action performs the step.
	Action Action

	// plans caches how Params is filled; set by Registry.Add.
	plans *paramPlans
}

// ParamsType returns the parameter struct type.
func (d *Definition) ParamsType() reflect.Type { return reflect.TypeOf(d.Params) }

// SecretValues returns the values, four bytes or longer, of the string
// fields tagged secret:"true" in params (a pointer to the parameter
// struct), which must never be recorded or logged.
func (d *Definition) SecretValues(params any) []string {
	v := reflect.ValueOf(params)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || v.Type() != d.ParamsType() {
		return nil
	}
	plans := d.plans
	if plans == nil { // a Definition used outside a Registry
		plans = &paramPlans{}
	}
	var out []string
	for _, i := range plans.plan(v.Type()).secrets {
		if f := v.Field(i); f.Len() >= 4 {
			out = append(out, f.String())
		}
	}
	return out
}

// DecodeParams decodes an evaluated with: mapping into a new parameter struct
// and returns a pointer to it, with the result a JSON round trip would give
// (values JSON passes through unchanged are assigned without one; they are
// shared with the caller and must be treated as read-only). Unknown keys
// were refused at load, so they are ignored here.
func (d *Definition) DecodeParams(with map[string]any) (any, error) {
	p := reflect.New(d.ParamsType())
	if len(with) == 0 {
		return p.Interface(), nil
	}
	plans := d.plans
	if plans == nil { // a Definition used outside a Registry
		plans = &paramPlans{}
	}
	ok, err := plans.plan(d.ParamsType()).decodeFast(with, p.Elem())
	if err != nil {
		return nil, fmt.Errorf("decode with of %s: %w", d.Name, err)
	}
	if ok {
		return p.Interface(), nil
	}
	b, err := json.Marshal(with)
	if err != nil {
		return nil, fmt.Errorf("encode with of %s: %w", d.Name, err)
	}
	if err := json.Unmarshal(b, p.Interface()); err != nil {
		return nil, fmt.Errorf("decode with of %s: %w", d.Name, err)
	}
	return p.Interface(), nil
}

// Registry holds the actions that uses: may name. Build one with
// NewRegistry and Add, one line per action; there is no global registry.
type Registry struct {
	defs map[string]*Definition
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{defs: map[string]*Definition{}} }

// Add registers an action. It panics when the name is empty or taken, or
// when Params is not a struct: both are programming errors.
func (r *Registry) Add(d Definition) *Registry {
	if d.Name == "" || r.defs[d.Name] != nil {
		panic(fmt.Sprintf("engine: action name %q empty or registered twice", d.Name))
	}
	if d.Params == nil || reflect.TypeOf(d.Params).Kind() != reflect.Struct {
		panic(fmt.Sprintf("engine: action %q: Params must be a struct value", d.Name))
	}
	d.plans = &paramPlans{}
	r.defs[d.Name] = &d
	return r
}

// Lookup returns the action named name.
func (r *Registry) Lookup(name string) (*Definition, bool) {
	d, ok := r.defs[name]
	return d, ok
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.defs))
	for n := range r.defs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// With returns a copy of r in which the named actions are replaced; tests use
// it to swap in mocks without touching the original.
func (r *Registry) With(replace map[string]Action) *Registry {
	out := NewRegistry()
	for n, d := range r.defs {
		c := *d
		if a, ok := replace[n]; ok {
			c.Action = a
		}
		out.defs[n] = &c
	}
	return out
}

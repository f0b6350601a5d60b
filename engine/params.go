package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
)

// paramPlan says how to fill one parameter struct type from an evaluated
// with: map: the field for each json name.
type paramPlan struct {
	fields map[string]int // json name → field index
}

// paramPlans caches plans by type; types are few and never change.
type paramPlans struct {
	m sync.Map // reflect.Type → *paramPlan
}

func (pp *paramPlans) plan(t reflect.Type) *paramPlan {
	if p, ok := pp.m.Load(t); ok {
		return p.(*paramPlan)
	}
	p := &paramPlan{fields: map[string]int{}}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || f.Anonymous {
			continue
		}
		if name == "" {
			name = f.Name
		}
		p.fields[name] = i
	}
	pp.m.Store(t, p)
	return p
}

// decodeFast fills dst (a struct) from with the way a JSON round trip
// would, without the round trip: values that JSON would pass through
// unchanged (text, booleans, float64 numbers, and maps and lists of those)
// are assigned directly; any other field goes through JSON on its own. It
// reports false, having changed nothing, when a key names no field (the
// caller then takes the JSON path, which knows every rule).
func (p *paramPlan) decodeFast(with map[string]any, dst reflect.Value) (bool, error) {
	for k := range with {
		if _, ok := p.fields[k]; !ok {
			return false, nil
		}
	}
	for k, v := range with {
		if v == nil {
			continue // JSON null leaves the zero value
		}
		f := dst.Field(p.fields[k])
		if assign(f, v) {
			continue
		}
		b, err := json.Marshal(v)
		if err == nil {
			err = json.Unmarshal(b, f.Addr().Interface())
		}
		if err != nil {
			return true, fmt.Errorf("field %s: %w", k, err)
		}
	}
	return true, nil
}

// assign sets f to v when JSON would give f exactly v, and reports whether
// it did.
func assign(f reflect.Value, v any) bool {
	if reflect.PointerTo(f.Type()).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return false
	}
	switch f.Kind() {
	case reflect.String:
		s, ok := v.(string)
		if ok {
			f.SetString(s)
		}
		return ok
	case reflect.Bool:
		b, ok := v.(bool)
		if ok {
			f.SetBool(b)
		}
		return ok
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, ok := v.(float64)
		if !ok || n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return false
		}
		f.SetInt(int64(n))
		return true
	case reflect.Float64:
		n, ok := v.(float64)
		if ok {
			f.SetFloat(n)
		}
		return ok
	case reflect.Interface, reflect.Map, reflect.Slice:
		rv := reflect.ValueOf(v)
		if !jsonNative(v) || !rv.Type().AssignableTo(f.Type()) {
			return false
		}
		f.Set(rv)
		return true
	}
	return false
}

// jsonNative reports whether v is made only of what encoding/json decodes
// into an interface: string, float64, bool, nil, map[string]any, []any.
func jsonNative(v any) bool {
	switch x := v.(type) {
	case nil, string, float64, bool:
		return true
	case map[string]any:
		for _, e := range x {
			if !jsonNative(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !jsonNative(e) {
				return false
			}
		}
		return true
	}
	return false
}

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
	fields  map[string]int // json name → field index
	secrets []int          // string fields tagged secret:"true"
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
		if f.Tag.Get("secret") == "true" && f.Type.Kind() == reflect.String {
			p.secrets = append(p.secrets, i)
		}
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
		nv, ok := jsonNative(v)
		if !ok {
			return false
		}
		rv := reflect.ValueOf(nv)
		if !rv.Type().AssignableTo(f.Type()) {
			return false
		}
		f.Set(rv)
		return true
	}
	return false
}

// jsonNative returns v as encoding/json would decode it into an interface
// after encoding it (string, float64, bool, nil, map[string]any, []any),
// and false when that takes JSON's own rules (a time, a struct, a typed
// list). Integers become float64, as JSON makes them; v itself is
// returned, uncopied, when it is native already.
func jsonNative(v any) (any, bool) {
	switch x := v.(type) {
	case nil, string, float64, bool:
		return v, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case map[string]any:
		return nativeMap(x)
	case []any:
		return nativeList(x)
	}
	return nil, false
}

// nativeMap is jsonNative for a map: copied only when an element changes.
func nativeMap(m map[string]any) (any, bool) {
	var out map[string]any
	for k, e := range m {
		ne, ok := jsonNative(e)
		if !ok {
			return nil, false
		}
		if out == nil && !same(ne, e) {
			out = make(map[string]any, len(m))
			for k2, e2 := range m {
				out[k2] = e2
			}
		}
		if out != nil {
			out[k] = ne
		}
	}
	if out == nil {
		return m, true
	}
	return out, true
}

// nativeList is jsonNative for a list: copied only when an element
// changes.
func nativeList(l []any) (any, bool) {
	var out []any
	for i, e := range l {
		ne, ok := jsonNative(e)
		if !ok {
			return nil, false
		}
		if out == nil && !same(ne, e) {
			out = append(make([]any, 0, len(l)), l...)
		}
		if out != nil {
			out[i] = ne
		}
	}
	if out == nil {
		return l, true
	}
	return out, true
}

// same reports whether jsonNative left e as it was (a converted number, or
// a copied map or list, is not the same).
func same(ne, e any) bool {
	switch e.(type) {
	case int, int64:
		return false
	case map[string]any:
		return reflect.ValueOf(ne).UnsafePointer() == reflect.ValueOf(e).UnsafePointer()
	case []any:
		nl, l := ne.([]any), e.([]any)
		return len(l) == 0 || &nl[0] == &l[0]
	}
	return true
}

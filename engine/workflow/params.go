package workflow

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/hookflow/hookflow/engine"
)

// maxParamDepth bounds the reflection of nested parameter structs, so that
// a recursive type ends as "any value".
const maxParamDepth = 8

// paramsDecl declares an action's with: from its parameter struct: each
// field's `json` name, `doc`, `required:"true"` and `enum:"a,b"` tags.
// Every value in with: may be an expression, checked when the step runs.
func paramsDecl(def *engine.Definition) *field {
	f := typeDecl(def.ParamsType(), 0)
	f.doc = def.Summary
	return f
}

// typeDecl declares the values of Go type t.
func typeDecl(t reflect.Type, depth int) *field {
	f := &field{kind: kindAny, templ: true}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[engine.Duration]() {
		f.kind = kindDuration
		return f
	}
	if depth > maxParamDepth {
		return f
	}
	if customDecoder(t) {
		f.goType = t
		return f
	}
	switch t.Kind() {
	case reflect.String:
		f.kind = kindString
	case reflect.Bool:
		f.kind = kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f.kind = kindInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		f.kind, f.min = kindInt, intp(0)
	case reflect.Float32, reflect.Float64:
		f.kind = kindNumber
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			f.kind = kindString // JSON writes bytes as base64 text
			break
		}
		f.kind, f.elem = kindList, typeDecl(t.Elem(), depth+1)
	case reflect.Map:
		if t.Key().Kind() == reflect.String {
			f.kind, f.elem = kindDict, typeDecl(t.Elem(), depth+1)
		}
	case reflect.Struct:
		f.kind, f.fields = kindMap, structFields(t, depth+1)
	}
	return f
}

// customDecoder reports whether t decodes itself from JSON or text, so that
// its fields say nothing about what it accepts.
func customDecoder(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(reflect.TypeFor[json.Unmarshaler]()) ||
		p.Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

// structFields declares the fields of a parameter struct as encoding/json
// sees them: `json:"-"` is skipped, embedded structs are flattened.
func structFields(t reflect.Type, depth int) []*field {
	var out []*field
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if sf.Anonymous && name == "" && derefType(sf.Type).Kind() == reflect.Struct {
			out = append(out, structFields(derefType(sf.Type), depth)...)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f := typeDecl(sf.Type, depth)
		f.name = name
		f.doc = sf.Tag.Get("doc")
		f.required = sf.Tag.Get("required") == "true"
		if e := sf.Tag.Get("enum"); e != "" {
			f.enum = strings.Split(e, ",")
		}
		f.secret = sf.Tag.Get("secret") == "true"
		if d := sf.Tag.Get("default"); d != "" {
			f.def = typedDefault(d, derefType(sf.Type).Kind())
		}
		out = append(out, f)
	}
	return out
}

// typedDefault turns a default tag into a value of the field's kind, so
// the schema says "default": 200, not "200".
func typedDefault(tag string, k reflect.Kind) any {
	var v any
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.Bool:
		if json.Unmarshal([]byte(tag), &v) == nil {
			return v
		}
	}
	return tag
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// decodes checks that a literal value decodes into a parameter whose type
// decodes itself.
func (l *linter) decodes(n, k *node, f *field, w where) {
	b, err := json.Marshal(n.plain())
	if err == nil {
		err = json.Unmarshal(b, reflect.New(f.goType).Interface())
	}
	if err != nil {
		l.c.at(n, k, "%s: %v", w.label(), err)
	}
}

// lintWith checks the with: of step st against its action's parameters.
// A with: that is itself an expression is checked when the step runs. When
// the whole with: is literal and passed, it is decoded as the executor will,
// to catch what the declarations cannot say.
func (l *linter) lintWith(st *node, def *engine.Definition, w where) {
	decl := paramsDecl(def)
	with, k := st.get("with")
	if with == nil || with.kind == nodeNull {
		at := st
		if k != nil {
			at = k
		}
		l.mapping(&node{kind: nodeMap, pos: at.pos}, nil, decl, w)
		return
	}
	if with.kind != nodeMap {
		return // an expression, checked when it runs, or reported by the step's lint
	}
	before := len(l.c.list)
	l.value(with, k, decl, w)
	if len(l.c.list) > before || with.hasExpr() {
		return
	}
	m, _ := with.plain().(map[string]any)
	if _, err := def.DecodeParams(m); err != nil {
		l.c.at(with, k, "%s: %v", w.label(), err)
	}
}

package workflow

import (
	"fmt"
	"reflect"

	"github.com/hookflow/hookflow/engine"
)

// KeyDoc documents one key of a workflow file, or of an action's with:, as
// the declarations that validation and the JSON Schema use state it. The
// reference pages in docs/ are generated from it, so they cannot drift
// from what Parse accepts.
type KeyDoc struct {
	// Action is "" for a key of the workflow file, or the name of the
	// action whose with: holds the key.
	Action string
	// Path is the key's place from the top of the file (or of with:),
	// with "." between keys, "[]" for the items of a list and "*" for the
	// free keys of a map: "on.webhook.verify.scheme", "steps[].retry.delay",
	// "upsert.table".
	Path string
	// Kind says in words what the value must be: "string", "boolean",
	// "integer", "number", "duration", "size", "expression", "mapping",
	// "map of string", "list of string", "string or list of string",
	// "any".
	Kind string
	// Required is true when the key must be present.
	Required bool
	// Default is the value used when the key is absent, as text; "" when
	// there is none.
	Default string
	// Enum lists the only values allowed, when there is such a list; for
	// a list, the only values each item may take.
	Enum []string
	// Secret is true when the value is never recorded or shown (***).
	Secret bool
	// Template is true when the value (or, for a list or map, each of its
	// items) may hold `${{ }}` expressions, evaluated when the run reads
	// it; an expression key is always one.
	Template bool
	// Rules are further constraints in words, such as "not empty" or
	// "above zero", in a fixed order.
	Rules []string
	// Doc is the key's one-sentence description.
	Doc string
}

// Reference returns the documentation of every key: first the workflow
// file's own keys, depth first in declaration order (the order in which
// a file usually writes them), then the with: keys of each action in reg,
// actions sorted by name and keys in the order of their parameter struct.
// The result is the same on every call for the same registry. The keys
// of steps[].with are those of the action that uses: names; steps[].uses
// lists reg's names as its Enum. A nil reg documents the file's keys only.
func Reference(reg *engine.Registry) []KeyDoc {
	if reg == nil {
		reg = engine.NewRegistry()
	}
	r := &referrer{}
	r.fields("", "", workflowDecl())
	for i := range r.out {
		if r.out[i].Path == "steps[].uses" || r.out[i].Path == "on_error[].uses" {
			r.out[i].Enum = reg.Names()
		}
	}
	for _, name := range reg.Names() {
		def, _ := reg.Lookup(name)
		r.fields(name, "", paramsDecl(def))
	}
	return r.out
}

// referrer collects KeyDocs while walking declarations.
type referrer struct {
	out []KeyDoc
}

// fields documents the keys of map declaration f, whose own path is
// prefix ("" at the top).
func (r *referrer) fields(action, prefix string, f *field) {
	for _, c := range f.fields {
		path := joinPath(prefix, c.name)
		r.out = append(r.out, keyDoc(action, path, c))
		r.children(action, path, c)
	}
	if f.extensions {
		r.out = append(r.out, KeyDoc{Action: action, Path: joinPath(prefix, "x-*"), Kind: "any",
			Doc: "Ignored, as in Compose files: a place for YAML anchors (&name) to merge with <<."})
	}
}

// children documents what lies below key f at path: the keys of a
// mapping, of a list's items or of a map's values.
func (r *referrer) children(action, path string, f *field) {
	switch {
	case f.kind == kindMap:
		r.fields(action, path, f)
	case f.kind == kindList && f.elem != nil && f.elem.kind == kindMap:
		r.fields(action, path+"[]", f.elem)
	case f.kind == kindDict && f.elem != nil && f.elem.kind == kindMap:
		r.fields(action, path+".*", f.elem)
	}
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// keyDoc documents one declared key.
func keyDoc(action, path string, f *field) KeyDoc {
	d := KeyDoc{
		Action:   action,
		Path:     path,
		Kind:     kindWords(f),
		Required: f.required,
		Enum:     enumOf(f),
		Secret:   f.secret,
		Template: f.templ || f.kind == kindExpr || (f.elem != nil && f.elem.templ),
		Rules:    rules(f),
		Doc:      f.doc,
	}
	if f.def != nil {
		d.Default = fmt.Sprint(f.def)
	}
	return d
}

// enumOf returns the values f, or each item of list f, may take.
func enumOf(f *field) []string {
	e := f.enum
	if f.kind == kindList && f.elem != nil {
		e = f.elem.enum
	}
	if len(e) == 0 {
		return nil
	}
	return append([]string(nil), e...)
}

// kindWords names what a declaration accepts.
func kindWords(f *field) string {
	if f.goType != nil {
		return goTypeWords(f.goType)
	}
	var s string
	switch f.kind {
	case kindString:
		s = "string"
	case kindBool:
		s = "boolean"
	case kindInt:
		s = "integer"
	case kindNumber:
		s = "number"
	case kindDuration:
		s = "duration"
	case kindSize:
		s = "size"
	case kindExpr:
		s = "expression"
	case kindMap:
		s = "mapping"
	case kindDict:
		s = "map of " + elemWords(f.elem)
	case kindList:
		s = "list of " + elemWords(f.elem)
		if f.oneOrList {
			s = elemWords(f.elem) + " or " + s
		}
	default:
		s = "any"
	}
	return s
}

func elemWords(f *field) string {
	if f == nil {
		return "any"
	}
	return kindWords(f)
}

// goTypeWords names a parameter type that decodes itself by its
// underlying Go type: a string type is "string", a []string type "list
// of string", and so on.
func goTypeWords(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "list of " + goTypeWords(t.Elem())
	case reflect.Map:
		return "map of " + goTypeWords(t.Elem())
	case reflect.Struct:
		return "mapping"
	case reflect.Pointer:
		return goTypeWords(t.Elem())
	}
	return "any"
}

// rules lists f's constraints beyond its kind and enum, in words.
func rules(f *field) []string {
	var out []string
	add := func(ok bool, s string) {
		if ok {
			out = append(out, s)
		}
	}
	add(f.nonEmpty, "not empty")
	add(f.positive, "above zero")
	if f.min != nil {
		out = append(out, fmt.Sprintf("at least %d", *f.min))
	}
	add(f.help != "", f.help)
	add(f.enumFold, "any case")
	add(f.keyHelp != "", "keys: "+f.keyHelp)
	if e := f.elem; e != nil && f.kind == kindList {
		add(e.nonEmpty, "items not empty")
		add(e.enumFold, "items in any case")
	}
	add(f.byAction, "the keys of the action that uses: names")
	add(f.text, "free text: `${{` in it is not evaluated")
	return out
}

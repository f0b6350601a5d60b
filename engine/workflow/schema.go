package workflow

import (
	"encoding/json"
	"strings"

	"github.com/hookflow/hookflow/engine"
)

// Patterns of the schema, in the syntax shared by Go and ECMAScript.
const (
	durationPattern = `^(0|([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))*)$`
	sizePattern     = `^[0-9]+(\.[0-9]+)? ?([KkMmGg][Ii]?)?[Bb]?$`
	exprPattern     = `\$\{\{`
)

// schemaDraft is the JSON Schema dialect of Schema's output.
const schemaDraft = "https://json-schema.org/draft/2020-12/schema"

// Schema returns the JSON Schema (draft 2020-12) of a workflow file, for
// `hookflow schema` and the editor's completion. It is generated from the
// declarations that validation uses: the file's own keys, and each action's
// with: from its parameter struct, chosen by uses: with if/then. Wherever
// a value may be an expression, a string holding `${{` is allowed too.
//
// The schema checks shapes; Parse checks more (expressions, step
// references, cycles, cron specs), so a file the schema accepts may still
// have diagnostics.
func Schema(reg *engine.Registry) ([]byte, error) {
	if reg == nil {
		reg = engine.NewRegistry()
	}
	root := schemaOf(workflowDecl())
	props := root["properties"].(map[string]any)
	for _, k := range []string{"steps", "on_error"} {
		list := props[k].(map[string]any)
		list["items"] = map[string]any{"$ref": "#/$defs/step"}
	}
	root["$schema"] = schemaDraft
	root["title"] = "hookflow workflow"
	root["$defs"] = map[string]any{"step": stepSchema(reg)}
	return json.MarshalIndent(root, "", "  ")
}

// stepSchema is the schema of a step: uses: names a registered action, and
// an if/then per action checks with: against that action's parameters.
func stepSchema(reg *engine.Registry) map[string]any {
	s := schemaOf(stepDecl())
	props := s["properties"].(map[string]any)
	names := reg.Names()
	uses := props["uses"].(map[string]any)
	if len(names) > 0 {
		uses["enum"] = names
	}
	props["with"] = withExpr(map[string]any{"type": "object"}, "The action's parameters.")
	var cases []any
	for _, n := range names {
		def, _ := reg.Lookup(n)
		decl := paramsDecl(def)
		then := map[string]any{"properties": map[string]any{"with": schemaOf(decl)}}
		for _, p := range decl.fields {
			if p.required {
				then["required"] = []string{"with"}
				break
			}
		}
		cases = append(cases, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"uses": map[string]any{"const": n}}, "required": []string{"uses"}},
			"then": then,
		})
	}
	if len(cases) > 0 {
		s["allOf"] = cases
	}
	return s
}

// schemaOf turns one declaration into a schema.
func schemaOf(f *field) map[string]any {
	s := shapeOf(f)
	if f.templ && needsExprAlternative(f) {
		s = withExpr(s, "")
	}
	if f.doc != "" {
		s["description"] = f.doc
	}
	if f.def != nil {
		s["default"] = f.def
	}
	if f.secret {
		s["writeOnly"] = true
	}
	return s
}

// needsExprAlternative reports whether a value that may be an expression
// needs an explicit string alternative: anything but free strings and
// values of any kind.
func needsExprAlternative(f *field) bool {
	if f.kind == kindAny {
		return false
	}
	return f.kind != kindString || f.enum != nil || f.pattern != nil || f.nonEmpty
}

// withExpr allows a `${{ }}` string besides the values s allows.
func withExpr(s map[string]any, doc string) map[string]any {
	out := map[string]any{"anyOf": []any{s, map[string]any{"type": "string", "pattern": exprPattern}}}
	if doc != "" {
		out["description"] = doc
	}
	return out
}

// shapeOf is the schema of a declaration's kind and constraints.
func shapeOf(f *field) map[string]any {
	switch f.kind {
	case kindString:
		return stringSchema(f)
	case kindBool:
		return map[string]any{"type": "boolean"}
	case kindInt:
		s := map[string]any{"type": "integer"}
		if f.min != nil {
			s["minimum"] = *f.min
		}
		return s
	case kindNumber:
		return map[string]any{"type": "number"}
	case kindDuration:
		num := map[string]any{"type": "number", "minimum": 0}
		if f.positive {
			num = map[string]any{"type": "number", "exclusiveMinimum": 0}
		}
		return map[string]any{"anyOf": []any{map[string]any{"type": "string", "pattern": durationPattern}, num}}
	case kindSize:
		return map[string]any{"anyOf": []any{
			map[string]any{"type": "integer", "minimum": 1},
			map[string]any{"type": "string", "pattern": sizePattern},
		}}
	case kindExpr:
		return map[string]any{"type": []string{"string", "boolean"}}
	case kindMap:
		return mapSchema(f)
	case kindDict:
		return dictSchema(f)
	case kindList:
		return listSchema(f)
	}
	return map[string]any{}
}

func stringSchema(f *field) map[string]any {
	s := map[string]any{"type": "string"}
	if f.nonEmpty {
		s["minLength"] = 1
	}
	if f.pattern != nil {
		s["pattern"] = f.pattern.String()
	}
	if f.enum != nil {
		enum := append([]string(nil), f.enum...)
		if f.enumFold {
			for _, e := range f.enum {
				enum = append(enum, strings.ToLower(e))
			}
		}
		s["enum"] = enum
	}
	return s
}

func mapSchema(f *field) map[string]any {
	props := map[string]any{}
	var required []string
	for _, c := range f.fields {
		props[c.name] = schemaOf(c)
		if c.required {
			required = append(required, c.name)
		}
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if f.extensions {
		s["patternProperties"] = map[string]any{"^x-": map[string]any{}}
	}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func dictSchema(f *field) map[string]any {
	s := map[string]any{"type": "object"}
	if f.elem != nil && f.elem.kind != kindAny {
		s["additionalProperties"] = schemaOf(f.elem)
	}
	if f.keyPattern != nil {
		s["propertyNames"] = map[string]any{"pattern": f.keyPattern.String()}
	}
	return s
}

func listSchema(f *field) map[string]any {
	s := map[string]any{"type": "array", "items": schemaOf(f.elem)}
	if f.nonEmpty {
		s["minItems"] = 1
	}
	if f.oneOrList {
		return map[string]any{"anyOf": []any{s, schemaOf(f.elem)}}
	}
	return s
}

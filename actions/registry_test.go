package actions

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// equalJSON compares two values by their JSON encoding.
func equalJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

func TestRegistryNames(t *testing.T) {
	t.Parallel()
	got := Registry(Deps{}).Names()
	want := []string{"delay", "discord", "email", "emit", "http", "log", "respond", "slack", "sql", "store", "teams", "transform"}
	if !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
}

// TestEveryActionDeclaresItsParams keeps the schema and docs complete: every
// action decodes an empty with: into its params struct, and every field has
// a json name and a doc sentence.
func TestEveryActionDeclaresItsParams(t *testing.T) {
	t.Parallel()
	r := Registry(Deps{})
	for _, name := range r.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			def, _ := r.Lookup(name)
			if def.Summary == "" || def.Output == "" || def.Action == nil {
				t.Errorf("%s: Summary, Output and Action are required", name)
			}
			p, err := def.DecodeParams(map[string]any{})
			if err != nil {
				t.Fatalf("DecodeParams(empty): %v", err)
			}
			v := reflect.ValueOf(p)
			if v.Kind() != reflect.Pointer || v.Elem().Type() != def.ParamsType() || def.ParamsType().Kind() != reflect.Struct {
				t.Fatalf("DecodeParams returned %T, want *%v (a struct)", p, def.ParamsType())
			}
			typ := def.ParamsType()
			if typ.NumField() == 0 {
				t.Fatalf("%v has no fields", typ)
			}
			for f := range typ.Fields() {
				json, doc := f.Tag.Get("json"), f.Tag.Get("doc")
				if json == "" || json == "-" || strings.Contains(json, ",") {
					t.Errorf("%v.%s: json tag %q, want a plain key", typ, f.Name, json)
				}
				if !strings.HasSuffix(doc, ".") || len(doc) < 10 {
					t.Errorf("%v.%s: doc tag %q, want a sentence", typ, f.Name, doc)
				}
				if enum, def := f.Tag.Get("enum"), f.Tag.Get("default"); enum != "" && def != "" &&
					!slices.Contains(strings.Split(enum, ","), def) {
					t.Errorf("%v.%s: default %q is not in enum %q", typ, f.Name, def, enum)
				}
			}
		})
	}
}

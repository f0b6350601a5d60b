package workflow

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
)

// schemaKeys lists the key paths that a schema describes, written as
// KeyDoc.Path writes them: "." between keys, "[]" for list items and
// "x-*" for the extension keys. It follows $ref into $defs and the
// alternatives of anyOf, and leaves out the if/then of allOf (the actions'
// with:, checked separately).
func schemaKeys(s map[string]any, defs map[string]any, prefix string, out map[string]bool) {
	if ref, ok := s["$ref"].(string); ok {
		schemaKeys(defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any), defs, prefix, out)
		return
	}
	alts := asList(s["anyOf"])
	if slices.ContainsFunc(alts, func(a any) bool { return a.(map[string]any)["type"] == "array" }) {
		// a list that may be written as its single item: the item's keys
		// are the items' keys, documented once under "[]".
		alts = slices.DeleteFunc(slices.Clone(alts), func(a any) bool { return a.(map[string]any)["type"] != "array" })
	}
	for _, alt := range alts {
		schemaKeys(alt.(map[string]any), defs, prefix, out)
	}
	if items, ok := s["items"].(map[string]any); ok {
		schemaKeys(items, defs, prefix+"[]", out)
	}
	if pp, ok := s["patternProperties"].(map[string]any); ok && pp["^x-"] != nil {
		out[joinPath(prefix, "x-*")] = true
	}
	props, _ := s["properties"].(map[string]any)
	for k, v := range props {
		p := joinPath(prefix, k)
		out[p] = true
		schemaKeys(v.(map[string]any), defs, p, out)
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestReferenceMatchesSchema checks that Reference documents exactly the
// keys that Schema describes: the file's own keys, and each action's with:.
func TestReferenceMatchesSchema(t *testing.T) {
	t.Parallel()
	reg := testRegistry()
	b, err := Schema(reg)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	defs := root["$defs"].(map[string]any)
	byAction := map[string]map[string]bool{"": {}}
	for _, k := range Reference(reg) {
		if byAction[k.Action] == nil {
			byAction[k.Action] = map[string]bool{}
		}
		byAction[k.Action][k.Path] = true
	}
	tests := []struct {
		name   string
		action string
		schema map[string]any
	}{{name: "file", schema: root}}
	for _, c := range asList(defs["step"].(map[string]any)["allOf"]) {
		c := c.(map[string]any)
		name := c["if"].(map[string]any)["properties"].(map[string]any)["uses"].(map[string]any)["const"].(string)
		with := c["then"].(map[string]any)["properties"].(map[string]any)["with"].(map[string]any)
		tests = append(tests, struct {
			name   string
			action string
			schema map[string]any
		}{name: name, action: name, schema: with})
	}
	if len(tests) != len(reg.Names())+1 {
		t.Fatalf("schema has %d actions, registry %d", len(tests)-1, len(reg.Names()))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := map[string]bool{}
			schemaKeys(tt.schema, defs, "", want)
			got := byAction[tt.action]
			if !slices.Equal(sortedKeys(got), sortedKeys(want)) {
				t.Errorf("Reference documents\n  %v\nthe schema describes\n  %v", sortedKeys(got), sortedKeys(want))
			}
		})
	}
}

// TestReference checks a few documented keys in full, and that the
// result does not change between calls.
func TestReference(t *testing.T) {
	t.Parallel()
	reg := testRegistry()
	ref := Reference(reg)
	find := func(action, path string) *KeyDoc {
		for i := range ref {
			if ref[i].Action == action && ref[i].Path == path {
				return &ref[i]
			}
		}
		return nil
	}
	tests := []struct {
		action, path string
		check        func(k KeyDoc) bool
	}{
		{"", "name", func(k KeyDoc) bool { return k.Kind == "string" && k.Required && len(k.Rules) == 1 }},
		{"", "on.webhook.methods", func(k KeyDoc) bool {
			return k.Kind == "list of string" && slices.Contains(k.Enum, "POST") && slices.Contains(k.Rules, "items in any case")
		}},
		{"", "on.schedule", func(k KeyDoc) bool { return k.Kind == "mapping or list of mapping" }},
		{"", "on.webhook.max_body", func(k KeyDoc) bool { return k.Kind == "size" && k.Default == "1MiB" }},
		{"", "vars", func(k KeyDoc) bool { return k.Kind == "map of any" && k.Template }},
		{"", "steps[].retry.max_attempts", func(k KeyDoc) bool { return k.Default == "3" && slices.Equal(k.Rules, []string{"at least 1"}) }},
		{"", "steps[].uses", func(k KeyDoc) bool { return slices.Equal(k.Enum, reg.Names()) }},
		{"", "steps[].if", func(k KeyDoc) bool { return k.Kind == "expression" && k.Template }},
		{"", "tests[].expect.outputs", func(k KeyDoc) bool { return k.Kind == "map of any" }},
		{"", "x-*", func(k KeyDoc) bool { return k.Kind == "any" }},
		{"http", "url", func(k KeyDoc) bool { return k.Required && k.Kind == "string" && k.Template }},
		{"http", "secret", func(k KeyDoc) bool { return k.Secret }},
		{"http", "timeout", func(k KeyDoc) bool { return k.Kind == "duration" }},
		{"http", "expect", func(k KeyDoc) bool { return k.Kind == "list of integer" }},
		{"log", "message", func(k KeyDoc) bool { return k.Kind == "string" }}, // decodes itself; a string underneath
	}
	for _, tt := range tests {
		t.Run(tt.action+"/"+tt.path, func(t *testing.T) {
			t.Parallel()
			k := find(tt.action, tt.path)
			if k == nil {
				t.Fatalf("no KeyDoc for %s %s", tt.action, tt.path)
			}
			if !tt.check(*k) {
				t.Errorf("unexpected KeyDoc: %+v", *k)
			}
		})
	}
	again := Reference(reg)
	if len(again) != len(ref) {
		t.Fatalf("second call gave %d keys, first %d", len(again), len(ref))
	}
	for i := range ref {
		if ref[i].Path != again[i].Path || ref[i].Action != again[i].Action {
			t.Fatalf("key %d: %s/%s then %s/%s", i, ref[i].Action, ref[i].Path, again[i].Action, again[i].Path)
		}
	}
}

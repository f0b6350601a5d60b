package workflow

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// compileSchema generates the schema for the test registry and compiles it.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := Schema(testRegistry())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("workflow.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("workflow.schema.json")
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return sch
}

// instance reads a YAML file as the JSON value the schema checks.
func instance(t *testing.T, path string) any {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{file: path}
	root := parseYAML(src, c)
	if len(c.list) > 0 || root == nil {
		t.Fatalf("YAML: %v", c.list)
	}
	b, err := json.Marshal(root.plain())
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSchemaAcceptsValidWorkflows validates testdata/valid and the repo's
// example workflows (../../workflows, when it exists) against the schema.
func TestSchemaAcceptsValidWorkflows(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	var files []string
	for _, pattern := range []string{"testdata/valid/*.yaml", "../../workflows/*.yaml", "../../workflows/*.yml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no workflow was checked against the schema")
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			if err := sch.Validate(instance(t, f)); err != nil {
				t.Errorf("schema refuses %s:\n%v", f, err)
			}
		})
	}
}

// TestSchemaRefusesStructuralMistakes checks that the schema refuses what
// validation refuses for its shape.
func TestSchemaRefusesStructuralMistakes(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	for _, name := range []string{
		"unknown-key-did-you-mean", "retry-yes", "missing-uses", "missing-name", "missing-required-param",
		"unknown-uses", "unknown-with-param", "bad-duration", "bad-method", "bad-scheme", "bad-name",
		"steps-not-list", "needs-number", "param-kinds", "top-level-kinds", "webhook-fields",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := sch.Validate(instance(t, filepath.Join("testdata", "invalid", name+".yaml"))); err == nil {
				t.Errorf("schema accepts %s", name)
			}
		})
	}
}

func TestSchemaShape(t *testing.T) {
	t.Parallel()
	raw, err := Schema(testRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", s["$schema"])
	}
	for _, want := range []string{`"The URL to call."`, `"const": "http"`, `"\\$\\{\\{"`, `"The step's unique id; expressions read it as steps.ID."`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("schema lacks %s", want)
		}
	}
	again, _ := Schema(testRegistry())
	if !bytes.Equal(raw, again) {
		t.Error("schema output is not stable")
	}
}

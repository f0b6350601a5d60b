package docs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/hookflow/hookflow/engine/workflow"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// block is one fenced code block of a Markdown file.
type block struct {
	file string // as the failure names it, like docs/guides/writing-workflows.md
	line int    // the line of the opening fence
	lang string // the first word of the info string
	info []string
	text string
}

// wholeWorkflow reports whether a yaml block is a whole workflow file: its
// info string does not say fragment, and its first key is name:.
func (b block) wholeWorkflow() bool {
	if b.lang != "yaml" && b.lang != "yml" {
		return false
	}
	if slices.Contains(b.info, "fragment") {
		return false
	}
	for _, l := range strings.Split(b.text, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") || t == "---" {
			continue
		}
		return strings.HasPrefix(l, "name:")
	}
	return false
}

// at names a line inside the block: line n of its text is the n-th line
// after the opening fence.
func (b block) at(n, col int) string {
	return fmt.Sprintf("%s:%d:%d", b.file, b.line+n, col)
}

var fence = regexp.MustCompile("^```+\\s*([A-Za-z0-9_+-]*)(.*)$")

// markdownBlocks returns the fenced code blocks of a Markdown file.
func markdownBlocks(path, name string) ([]block, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		out  []block
		cur  *block
		body []string
		n    int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		l := sc.Text()
		switch {
		case cur == nil:
			if m := fence.FindStringSubmatch(l); m != nil {
				cur = &block{file: name, line: n, lang: strings.ToLower(m[1]), info: strings.Fields(m[2])}
				body = nil
			}
		case strings.HasPrefix(strings.TrimSpace(l), "```") && strings.Trim(strings.TrimSpace(l), "`") == "":
			cur.text = strings.Join(body, "\n") + "\n"
			out = append(out, *cur)
			cur = nil
		default:
			body = append(body, l)
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: code block is not closed", name, cur.line)
	}
	return out, sc.Err()
}

// markdownFiles lists the Markdown files whose examples are linted: every
// one under docs/, and the README.
func markdownFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{"../README.md": "README.md"}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			files[p] = filepath.ToSlash(filepath.Join("docs", p))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// schema compiles the JSON Schema that `hookflow schema` prints (and that
// reference/schema.json holds when it is not stale), so that examples are
// also checked against what editors see.
func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := schemaFile(registry())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return s
}

// schemaProblem validates YAML text against the schema and returns the
// problem, or "".
func schemaProblem(s *jsonschema.Schema, text []byte) string {
	var v any
	if err := yaml.Unmarshal(text, &v); err != nil {
		return "not YAML: " + err.Error()
	}
	j, err := json.Marshal(v)
	if err != nil {
		return "not JSON-shaped: " + err.Error()
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		return err.Error()
	}
	if err := s.Validate(inst); err != nil {
		return strings.Join(strings.Fields(err.Error()), " ")
	}
	return ""
}

// TestExamples validates every whole workflow in the docs' ```yaml blocks
// with workflow.Parse and the real registry, and against the schema; a
// fragment must at least be valid YAML.
func TestExamples(t *testing.T) {
	t.Parallel()
	reg := registry()
	sch := schema(t)
	files := markdownFiles(t)
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, path := range paths {
		blocks, err := markdownBlocks(path, files[path])
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range blocks {
			if b.lang != "yaml" && b.lang != "yml" {
				continue
			}
			t.Run(fmt.Sprintf("%s:%d", b.file, b.line), func(t *testing.T) {
				t.Parallel()
				if !b.wholeWorkflow() {
					var v any
					if err := yaml.Unmarshal([]byte(b.text), &v); err != nil {
						t.Errorf("%s: fragment is not valid YAML: %v", b.at(1, 1), err)
					}
					return
				}
				_, diags := workflow.Parse(b.file, []byte(b.text), reg)
				for _, d := range diags {
					t.Errorf("%s: %s", b.at(d.Line, d.Col), d.Message)
				}
				if p := schemaProblem(sch, []byte(b.text)); p != "" {
					t.Errorf("%s: the schema refuses the example: %s", b.at(1, 1), p)
				}
			})
		}
	}
}

// TestWorkflows validates every file in workflows/ as `hookflow validate`
// does, and against the schema.
func TestWorkflows(t *testing.T) {
	t.Parallel()
	reg := registry()
	sch := schema(t)
	ws, diags := workflow.LoadDir("../workflows", reg)
	for _, d := range diags {
		t.Errorf("workflows/%s:%d:%d: %s", filepath.Base(d.File), d.Line, d.Col, d.Message)
	}
	if len(ws) == 0 && len(diags) == 0 {
		t.Fatal("no workflow in workflows/")
	}
	for _, w := range ws {
		if p := schemaProblem(sch, w.Source); p != "" {
			t.Errorf("workflows/%s: the schema refuses it: %s", filepath.Base(w.File), p)
		}
	}
}

var (
	mdLink  = regexp.MustCompile(`\]\(([^)#\s]*)(#[^)\s]*)?\)`)
	heading = regexp.MustCompile(`^#{1,6}\s+(.*)$`)
	unslug  = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
)

// anchors returns the anchors of a Markdown file's headings, made as
// GitHub makes them: lower case, punctuation dropped, spaces as hyphens.
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	inCode := false
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "```") {
			inCode = !inCode
		}
		if m := heading.FindStringSubmatch(l); m != nil && !inCode {
			s := unslug.ReplaceAllString(strings.ToLower(strings.TrimSpace(m[1])), "")
			out[strings.ReplaceAll(s, " ", "-")] = true
		}
	}
	return out
}

// TestLinks checks that every relative link in docs/ names a file that
// exists and, with a #fragment into a Markdown file, one of its headings.
func TestLinks(t *testing.T) {
	t.Parallel()
	for path, name := range markdownFiles(t) {
		if name == "README.md" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(string(b), "\n") {
			for _, m := range mdLink.FindAllStringSubmatch(l, -1) {
				target, frag := m[1], strings.TrimPrefix(m[2], "#")
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				file := path
				if target != "" {
					file = filepath.Join(filepath.Dir(path), target)
				}
				text, err := os.ReadFile(file)
				if err != nil {
					t.Errorf("%s:%d: link to %s: no such file", name, i+1, target)
					continue
				}
				if frag != "" && strings.HasSuffix(file, ".md") && !anchors(string(text))[frag] {
					t.Errorf("%s:%d: link to %s#%s: no such heading", name, i+1, target, frag)
				}
			}
		}
	}
}

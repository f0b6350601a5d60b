package docs

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"regexp"
	"strings"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/expr"
)

// exprName is one name that expressions see.
type exprName struct {
	name    string
	doc     string
	foreach bool         // only inside a foreach step
	fields  reflect.Type // its fixed fields, documented by their Go comments; nil when dynamic
	file    string       // the Go file that declares fields
	prefix  string       // how a field is read: "event." or "steps.ID."
}

// exprNames are the names of SPEC 3.1. Each is compiled by expressionsPage,
// so a name the compiler does not know fails the generation.
func exprNames() []exprName {
	return []exprName{
		{name: "event", doc: "The event that started the run.",
			fields: reflect.TypeFor[engine.Event](), file: "../engine/event.go", prefix: "event."},
		{name: "vars", doc: "The workflow's `vars:`, evaluated once per run before any step: `vars.NAME`."},
		{name: "env", doc: "The server's environment, less the variables whose names start with `HOOKFLOW_`: `env.NAME` " +
			"(a missing variable is empty). In `hookflow test`, a test's `env:` is laid over it."},
		{name: "steps", doc: "The steps of the run, by id: `steps.ID` or `steps[\"ID\"]`, with a constant id. " +
			"Reading a step makes the reading step wait for it (an inferred need).",
			fields: reflect.TypeFor[expr.StepState](), file: "../engine/expr/env.go", prefix: "steps.ID."},
		{name: "run", doc: "The run itself.",
			fields: reflect.TypeFor[expr.RunInfo](), file: "../engine/expr/env.go", prefix: "run."},
		{name: "item", doc: "The current item of a `foreach` step.", foreach: true},
		{name: "index", doc: "The current item's index (from 0) in a `foreach` step.", foreach: true},
	}
}

// expressionsPage renders reference/expressions.md: the names, their
// fields (from the Go declarations and their doc comments), the helper
// functions from expr.Functions, and the limits.
func expressionsPage() ([]byte, error) {
	var p page
	p.WriteString(generated)
	p.line("")
	p.line("# Expressions")
	p.line("")
	p.line("Expressions are [expr-lang](https://expr-lang.org/docs/language-definition) expressions (hookflow uses")
	p.line("expr %s). They appear in two forms:", exprVersion())
	p.line("")
	p.line("- `if:` (of the workflow and of a step) and `on.webhook.dedupe` are whole expressions:")
	p.line("  `if: event.body.total > 0`. They may also be wrapped in `${{ }}`, as in GitHub Actions.")
	p.line("- Anywhere a value may hold them (`vars`, `with`, `foreach`, `on.webhook.verify.secret`,")
	p.line("  `on.webhook.verify_token`), `${{ … }}` inside a string is an expression. A string that is exactly one")
	p.line("  `${{ … }}` keeps the value's type (number, map, list); inside other text the value is formatted into")
	p.line("  the text: strings as they are, null as nothing, numbers in plain decimal (`12`, `0.5`), booleans as")
	p.line("  `true`/`false`, times in RFC 3339, and lists and maps as compact JSON. There is no escape for a")
	p.line("  literal `${{`.")
	p.line("")
	p.line("Every expression is compiled when the file loads. A syntax error, an unknown name or field (with a")
	p.line("\"did you mean\"), a header name with capitals, or a step that does not exist is a validation error at")
	p.line("its line and column. At run time an expression error fails the step, naming the expression.")
	p.line("")
	if err := namesSection(&p); err != nil {
		return nil, err
	}
	p.line("## Where each name can be read")
	p.line("")
	p.table([]string{"place", "reads"}, [][]string{
		{"workflow `if:`", "`event`, `vars`, `env`, `run` (not `steps`: no step has run)"},
		{"`vars:`", "`event`, `env`, `run` (not `steps`, not other vars)"},
		{"`on.webhook.dedupe`", "`event` and `env`: it is evaluated when the request arrives, before there is a run"},
		{"`on.webhook.verify.secret`, `on.webhook.verify_token`", "`env`: they are evaluated when the workflow loads"},
		{"a step's `if:`, `with:`, `foreach:`", "everything; `item` and `index` only in a `foreach` step"},
		{"an `on_error` step", "everything, and `run.error`; reading a main step adds no need (the main steps are done)"},
	})
	p.line("## Functions")
	p.line("")
	p.line("Every expr builtin works as expr documents it: `len`, `upper`, `lower`, `trim`, `split`, `filter`, `map`,")
	p.line("`any`, `all`, `date`, `duration`, … Predicates take the `.field` shorthand:")
	p.line("`any(steps.inventory.output, .body.stock < 5)`. hookflow adds the functions below, and replaces a few")
	p.line("builtins with versions that check the memory budget before they allocate.")
	p.line("")
	var rows [][]string
	for _, f := range expr.Functions() {
		rows = append(rows, []string{code(f.Name), code(f.Signature), f.Doc})
	}
	p.table([]string{"function", "signature", "description"}, rows)
	p.line("## Limits")
	p.line("")
	p.line("A careless or hostile expression cannot exhaust the server. Past a limit, compilation fails or the")
	p.line("evaluation fails the step.")
	p.line("")
	p.table([]string{"limit", "value"}, [][]string{
		{"source length of one expression", fmt.Sprintf("%d bytes", expr.MaxSourceLen)},
		{"syntax nodes of one expression", fmt.Sprint(expr.MaxNodes)},
		{"list elements, map entries and range items created by one evaluation", fmt.Sprint(expr.MaxElements)},
		{"bytes of strings, lists and maps produced by one evaluation", fmt.Sprintf("%d MiB", expr.MaxBytes>>20)},
		{"runs of predicate bodies (`any`, `all`, `map`, `filter`, …) in one evaluation", fmt.Sprint(expr.MaxIterations)},
	})
	return p.Bytes(), nil
}

// namesSection writes the names and their fields, after checking that each
// one compiles where the page says it can be read.
func namesSection(p *page) error {
	p.line("## Names")
	p.line("")
	var rows [][]string
	for _, n := range exprNames() {
		probe := n.name
		if n.name == "steps" {
			probe = "steps.x" // steps is read with a constant id only
		}
		if err := compiles(probe, n.foreach); err != nil {
			return err
		}
		if n.foreach {
			if compiles(probe, false) == nil {
				return fmt.Errorf("%s compiles outside foreach", n.name)
			}
		}
		rows = append(rows, []string{code(n.name), n.doc})
	}
	p.table([]string{"name", "what it is"}, rows)
	for _, n := range exprNames() {
		if n.fields == nil {
			continue
		}
		docs, err := fieldDocs(n.file, n.fields.Name())
		if err != nil {
			return err
		}
		p.line("### %s", code(n.name))
		p.line("")
		var rows [][]string
		for i := range n.fields.NumField() {
			f := n.fields.Field(i)
			tag := f.Tag.Get("expr")
			if tag == "" || tag == "-" {
				continue
			}
			if err := compiles(strings.ReplaceAll(n.prefix, "ID", "x")+tag, false); err != nil {
				return err
			}
			doc := docs[f.Name]
			if doc == "" {
				return fmt.Errorf("%s.%s has no doc comment in %s", n.fields.Name(), f.Name, n.file)
			}
			rows = append(rows, []string{code(n.prefix + tag), sentence(doc, f.Name, tag)})
		}
		p.table([]string{"field", "what it is"}, rows)
	}
	p.line("Below `event.body`, `vars.NAME` and `steps.ID.output`, values are whatever the JSON (or the action) gave:")
	p.line("read them with `.` or `[\"key\"]`, and with `?.` where a key may be missing. `event.headers` has lower-case")
	p.line("names: `event.headers[\"x-github-event\"]`.")
	p.line("")
	return nil
}

// compiles compiles src as a whole expression.
func compiles(src string, foreach bool) error {
	if _, err := expr.Compile(src, expr.Options{Foreach: foreach}); err != nil {
		return fmt.Errorf("compile %q: %w", src, err)
	}
	return nil
}

// sentence turns a Go field comment ("Status is the step's …") into one
// about the expression field ("`status` is the step's …").
func sentence(doc, goName, exprName string) string {
	if rest, ok := strings.CutPrefix(doc, goName+" "); ok {
		return code(exprName) + " " + rest
	}
	return doc
}

// fieldDocs reads the doc comments of the fields of struct typeName in
// file, each on one line, by Go field name.
func fieldDocs(file, typeName string) (map[string]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != typeName {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			return false
		}
		found = true
		for _, fl := range st.Fields.List {
			text := strings.Join(strings.Fields(fl.Doc.Text()), " ")
			for _, name := range fl.Names {
				out[name.Name] = text
			}
		}
		return false
	})
	if !found {
		return nil, fmt.Errorf("no struct %s in %s", typeName, file)
	}
	return out, nil
}

// exprVersion is the version of expr-lang that go.mod requires.
func exprVersion() string {
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		return "(unknown version)"
	}
	m := regexp.MustCompile(`github\.com/expr-lang/expr (v\S+)`).FindSubmatch(b)
	if m == nil {
		return "(unknown version)"
	}
	return string(m[1])
}

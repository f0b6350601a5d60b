package docs

import (
	"strings"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/workflow"
)

// actionsPage renders reference/actions.md: an index, then one section per
// registered action (sorted by name) with its summary, output and a table
// of its parameters from the Params struct's tags.
func actionsPage(reg *engine.Registry) []byte {
	params := map[string][]workflow.KeyDoc{}
	for _, k := range workflow.Reference(reg) {
		if k.Action != "" {
			params[k.Action] = append(params[k.Action], k)
		}
	}
	var p page
	p.WriteString(generated)
	p.line("")
	p.line("# Actions")
	p.line("")
	p.line("A step's `uses:` names one of these actions; its `with:` gives the parameters below, generated from each")
	p.line("action's parameter struct (the same declarations drive validation, [schema.json](schema.json) and the")
	p.line("editor's completion). Unknown keys are errors. Every value in `with:` may hold `${{ }}`")
	p.line("[expressions](expressions.md): literal values are checked when the file loads, values computed by")
	p.line("expressions when the step runs. A step's result is `steps.<id>.output`. Parameters marked *secret* are")
	p.line("shown as `***` in run records, logs and API answers.")
	p.line("")
	p.line("Under `hookflow test`, a step whose action has an outside effect runs in dry-run mode (nothing is sent)")
	p.line("unless the test mocks it; an action without one runs for real. Each section says which.")
	p.line("")
	var index [][]string
	for _, name := range reg.Names() {
		def, _ := reg.Lookup(name)
		index = append(index, []string{"[" + code(name) + "](#" + name + ")", def.Summary})
	}
	p.table([]string{"action", "what it does"}, index)
	for _, name := range reg.Names() {
		def, _ := reg.Lookup(name)
		p.line("## %s", name)
		p.line("")
		p.line("%s", def.Summary)
		p.line("")
		p.line("**Output** (`steps.<id>.output`): %s", def.Output)
		p.line("")
		if def.Pure {
			p.line("**In `hookflow test`:** runs for real unless mocked: it has no outside effect.")
		} else {
			p.line("**In `hookflow test`:** runs in dry-run mode unless mocked: it has an outside effect.")
		}
		p.line("")
		if len(params[name]) == 0 {
			p.line("No parameters.")
			p.line("")
			continue
		}
		var rows [][]string
		for _, k := range params[name] {
			rows = append(rows, []string{code(k.Path), k.Kind, yes(k.Required), code(k.Default),
				codeList(k.Enum), yes(k.Secret), paramDescription(k)})
		}
		p.table([]string{"parameter", "type", "required", "default", "enum", "secret", "description"}, rows)
	}
	return p.Bytes()
}

// paramDescription is a parameter's doc and the rules that its type adds.
func paramDescription(k workflow.KeyDoc) string {
	parts := []string{k.Doc}
	if r := newRules(k); len(r) > 0 {
		parts = append(parts, "Rules: "+strings.Join(r, "; ")+".")
	}
	return strings.Join(nonEmpty(parts), " ")
}

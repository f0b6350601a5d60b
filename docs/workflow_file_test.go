package docs

import (
	"slices"
	"strings"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/workflow"
)

// workflowFilePage renders reference/workflow-file.md from
// workflow.Reference: one table per mapping of the file, in the order the
// keys are declared.
func workflowFilePage(reg *engine.Registry) []byte {
	var keys []workflow.KeyDoc
	for _, k := range workflow.Reference(reg) {
		if k.Action == "" {
			keys = append(keys, k)
		}
	}
	var p page
	p.WriteString(generated)
	p.line("")
	p.line("# Workflow file reference")
	p.line("")
	p.line("Every key of a workflow file, generated from the declarations that `hookflow validate` checks and that")
	p.line("`hookflow schema` ([schema.json](schema.json)) describes. The actions' `with:` keys are in")
	p.line("[actions.md](actions.md); what expressions can read is in [expressions.md](expressions.md).")
	p.line("")
	p.line("A workflow file is one YAML document, read as YAML 1.2: `yes`, `no`, `on` and `off` are strings, so a key")
	p.line("that wants a boolean refuses them. The server loads the files ending in `.yaml` or `.yml` directly inside")
	p.line("the workflows folder (not in sub-folders, and not those whose name starts with a dot). Unknown keys are")
	p.line("errors with a \"did you mean\" suggestion, and every problem is reported at once as `FILE:LINE:COL: message`.")
	p.line("")
	p.line("Kinds:")
	p.line("")
	p.line("- **duration**: a Go duration such as `30s`, `5m` or `1h30m`, or a number of seconds.")
	p.line("- **size**: a number of bytes, or a size such as `512KiB` or `2MiB` (`K`/`KB` = 1000, `Ki`/`KiB` = 1024; any case).")
	p.line("- **expression**: an [expr-lang](expressions.md) expression, evaluated to a boolean or a value; it may be")
	p.line("  wrapped in `${{ }}` as in GitHub Actions, and `true` and `false` are expressions too.")
	p.line("- **A or list of A**: a list, or its single item written alone.")
	p.line("")
	p.line("Values marked *may hold `${{ }}`* are templates evaluated when the run reads them. Every other key is")
	p.line("read when the file loads and refuses `${{`.")
	p.line("")
	sections, rows := groupByParent(keys)
	collapsed := sameSteps(sections, rows)
	for _, s := range sections {
		if collapsed && strings.HasPrefix(s, "on_error[].") {
			continue
		}
		p.line("## %s", sectionTitle(s))
		p.line("")
		if collapsed && s == "on_error[]" {
			p.line("Each `on_error` step has the same keys as a step in `steps` above. `on_error` steps run only when the")
			p.line("run failed; they may read the main steps (`steps.ID`, without waiting on them) and need each other.")
			p.line("")
			continue
		}
		var body [][]string
		for _, k := range rows[s] {
			body = append(body, []string{code(lastKey(k.Path)), k.Kind, yes(k.Required), code(k.Default), keyDescription(k)})
		}
		p.table([]string{"key", "kind", "required", "default", "description"}, body)
	}
	return p.Bytes()
}

// groupByParent groups keys by the path of the mapping that holds them,
// in the order the mappings first appear.
func groupByParent(keys []workflow.KeyDoc) ([]string, map[string][]workflow.KeyDoc) {
	var order []string
	rows := map[string][]workflow.KeyDoc{}
	for _, k := range keys {
		parent := parentPath(k.Path)
		if _, ok := rows[parent]; !ok {
			order = append(order, parent)
		}
		rows[parent] = append(rows[parent], k)
	}
	return order, rows
}

// parentPath is the path of the mapping that holds the key at path.
func parentPath(path string) string {
	i := strings.LastIndex(path, ".")
	if i < 0 {
		return ""
	}
	return path[:i]
}

func lastKey(path string) string { return path[strings.LastIndex(path, ".")+1:] }

func sectionTitle(parent string) string {
	if parent == "" {
		return "Top-level keys"
	}
	return code(parent)
}

// sameSteps reports whether every section below on_error[] documents the
// same keys as its counterpart below steps[], so that the page can say so
// instead of repeating them.
func sameSteps(sections []string, rows map[string][]workflow.KeyDoc) bool {
	found := false
	for _, s := range sections {
		rest, ok := strings.CutPrefix(s, "on_error[]")
		if !ok {
			continue
		}
		found = true
		if !sameKeys(rows["steps[]"+rest], rows[s], "steps[]", "on_error[]") {
			return false
		}
	}
	return found
}

// sameKeys reports whether two sections document the same keys, once
// their paths are read from their own prefix.
func sameKeys(a, b []workflow.KeyDoc, prefixA, prefixB string) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		x.Path = strings.TrimPrefix(x.Path, prefixA)
		y.Path = strings.TrimPrefix(y.Path, prefixB)
		if x.Path != y.Path || x.Kind != y.Kind || x.Required != y.Required || x.Default != y.Default ||
			x.Doc != y.Doc || x.Secret != y.Secret || x.Template != y.Template ||
			!slices.Equal(x.Enum, y.Enum) || !slices.Equal(x.Rules, y.Rules) {
			return false
		}
	}
	return true
}

// keyDescription is the description cell of a key: its doc, then its
// allowed values, rules and whether it may hold expressions.
func keyDescription(k workflow.KeyDoc) string {
	parts := []string{k.Doc}
	if len(k.Enum) > 0 {
		what := "One of"
		if strings.HasPrefix(k.Kind, "list of") || strings.Contains(k.Kind, " or list of") {
			what = "Each one of"
		}
		parts = append(parts, what+": "+codeList(k.Enum)+".")
	}
	if r := newRules(k); len(r) > 0 {
		parts = append(parts, "Rules: "+strings.Join(r, "; ")+".")
	}
	if k.Secret {
		parts = append(parts, "Secret: shown as `***`.")
	}
	if k.Template && k.Kind != "expression" {
		parts = append(parts, "May hold `${{ }}`.")
	}
	return strings.Join(nonEmpty(parts), " ")
}

// newRules are the rules of k that its doc does not already say.
func newRules(k workflow.KeyDoc) []string {
	var out []string
	for _, r := range k.Rules {
		if !strings.Contains(k.Doc, strings.TrimPrefix(r, "use ")) {
			out = append(out, r)
		}
	}
	return out
}

func nonEmpty(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

package server

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/workflow"
)

// checkExpect compares a finished run with a test's expectations and
// returns one line per mismatch, each with what was wanted and what came.
func checkExpect(want workflow.TestExpect, res *shotResult) []string {
	var problems []string
	if want.Status != "" && want.Status != res.Run.Status {
		problems = append(problems, fmt.Sprintf("status: want %s, got %s%s", want.Status, res.Run.Status, errSuffix(res.Run.Error)))
	}
	byStatus := map[string][]string{}
	outputs := map[string]any{}
	for _, s := range res.Steps {
		if s.Phase > 0 && s.Status == store.StatusSkipped {
			continue // an on_error step of a run that did not fail
		}
		key := s.Status
		if s.Status == store.StatusSucceeded || s.Status == store.StatusFailed {
			byStatus["ran"] = append(byStatus["ran"], s.StepID)
		}
		byStatus[key] = append(byStatus[key], s.StepID)
		outputs[s.StepID] = s.Output
	}
	problems = append(problems, compareSet("ran", want.HasRan, want.Ran, byStatus["ran"])...)
	problems = append(problems, compareSet("skipped", want.HasSkipped, want.Skipped, byStatus[store.StatusSkipped])...)
	problems = append(problems, compareSet("failed", want.HasFailed, want.Failed, byStatus[store.StatusFailed])...)
	keys := make([]string, 0, len(want.Outputs))
	for k := range want.Outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		got, ok := lookupPath(outputs, k)
		if !ok {
			problems = append(problems, fmt.Sprintf("outputs.%s: want %s, got nothing", k, render(want.Outputs[k])))
			continue
		}
		if !sameJSON(want.Outputs[k], got) {
			problems = append(problems, fmt.Sprintf("outputs.%s: want %s, got %s", k, render(want.Outputs[k]), render(got)))
		}
	}
	return problems
}

func errSuffix(e string) string {
	if e == "" {
		return ""
	}
	return " (" + e + ")"
}

// compareSet compares step lists as sets, since parallel steps finish in
// any order.
func compareSet(name string, present bool, want, got []string) []string {
	if !present && want == nil {
		return nil
	}
	w, g := sortedCopy(want), sortedCopy(got)
	if reflect.DeepEqual(w, g) {
		return nil
	}
	return []string{fmt.Sprintf("%s: want [%s]\n      %s  got  [%s]", name, strings.Join(w, " "), strings.Repeat(" ", len(name)), strings.Join(g, " "))}
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

// lookupPath follows "step.a.b.0" through maps and lists.
func lookupPath(root map[string]any, path string) (any, bool) {
	var cur any = root
	for _, part := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// sameJSON compares two values as their JSON forms, so 200 equals 200.0.
func sameJSON(a, b any) bool {
	var x, y any
	ab, err1 := json.Marshal(a)
	bb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return reflect.DeepEqual(a, b)
	}
	_ = json.Unmarshal(ab, &x)
	_ = json.Unmarshal(bb, &y)
	return reflect.DeepEqual(x, y)
}

func render(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

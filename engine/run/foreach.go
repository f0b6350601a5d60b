package run

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/expr"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/workflow"
)

// partialKey marks the output that a failed foreach attempt leaves for the
// next one: the items that succeeded are not run again.
const partialKey = "_foreach_partial"

// runForeach runs the step once per item, at most ForeachLimit at a time.
// Its output is the list of the items' outputs in item order. When some
// items fail, the output is a partial record so that a retry runs only the
// failed items; the error is permanent only when every failure is.
func (e *Engine) runForeach(ctx context.Context, w *workflow.Workflow, st *workflow.Step, job *store.Job, env *expr.Env) (any, []*store.AttemptRecord, error) {
	v, err := st.Foreach.Eval(env)
	if err != nil {
		return nil, nil, engine.Permanent(fmt.Errorf("foreach: %w", err))
	}
	items, ok := v.([]any)
	if !ok && v != nil {
		return nil, nil, engine.Permanent(fmt.Errorf("foreach: want a list, got %T", v))
	}
	outputs, done := restorePartial(job.Output, len(items))
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		records []*store.AttemptRecord
		errs    = map[int]error{}
		sem     = make(chan struct{}, e.cfg.ForeachLimit)
	)
	for i, it := range items {
		if done[i] {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			ie := *env
			ie.Item, ie.Index = it, i
			out, rec, err := e.runItem(ctx, w, st, job, &ie, i)
			mu.Lock()
			defer mu.Unlock()
			records = append(records, rec)
			if err != nil {
				errs[i] = err
				return
			}
			outputs[i], done[i] = out, true
		}()
	}
	wg.Wait()
	sort.Slice(records, func(a, b int) bool { return records[a].Item < records[b].Item })
	if len(errs) == 0 {
		return outputs, records, nil
	}
	partial := map[string]any{partialKey: true, "outputs": outputs, "done": done}
	return partial, records, joinItemErrors(errs)
}

// joinItemErrors names the failed items; the result is permanent only when
// every item's error is.
func joinItemErrors(errs map[int]error) error {
	idx := make([]int, 0, len(errs))
	for i := range errs {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	parts := make([]string, 0, len(idx))
	permanent := true
	for _, i := range idx {
		parts = append(parts, fmt.Sprintf("item %d: %v", i, errs[i]))
		permanent = permanent && engine.IsPermanent(errs[i])
	}
	err := errors.New(strings.Join(parts, "; "))
	if permanent {
		return engine.Permanent(err)
	}
	return err
}

// restorePartial reads what an earlier attempt left; a missing or
// mismatched record means nothing is done yet.
func restorePartial(prev any, n int) ([]any, []bool) {
	outputs, done := make([]any, n), make([]bool, n)
	m, ok := prev.(map[string]any)
	if !ok || m[partialKey] != true {
		return outputs, done
	}
	outs, _ := m["outputs"].([]any)
	flags, _ := m["done"].([]any)
	if len(outs) != n || len(flags) != n {
		return outputs, done
	}
	for i := range n {
		if f, _ := flags[i].(bool); f {
			outputs[i], done[i] = outs[i], true
		}
	}
	return outputs, done
}

// finalOutput turns a partial foreach record into the plain list of
// outputs (nil for failed items) when the step fails for good.
func finalOutput(out any) any {
	if m, ok := out.(map[string]any); ok && m[partialKey] == true {
		return m["outputs"]
	}
	return out
}

package run

import (
	"context"
	"errors"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/expr"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/workflow"
)

// errNotInline abandons running a run's steps before the commit.
var errNotInline = errors.New("step is not run inline")

// runInline runs, before the commit that accepts the event, the steps of
// a new run whose action is Inline (pure and quick: transform, log) and
// whose needs were all run inline too, and records their outcomes in rc:
// the store keeps them finished, and a run made only of such steps is
// stored succeeded in the same transaction as its event, with no job,
// claim or completion. The outcomes are those the job path would record
// (the same expression environment, vars and run id), as of the moment
// of dispatch.
//
// Only success is kept inline. When an inline step fails, rc is left as
// it was and every step goes through the job path, which retries,
// records and reports the failure as usual (a pure step fails the same
// way again).
func (e *Engine) runInline(ctx context.Context, t Target, ev *engine.Event, rc *store.RunCreate) {
	w := t.Workflow
	if e.cfg.NoInline || rc.Status != store.StatusQueued || !anyInline(w) {
		return
	}
	env, err := e.baseEnv(w, ev, rc.ID, t.Version)
	if err != nil {
		return
	}
	env.Steps = make(map[string]*expr.StepState, len(w.Steps))
	job := &store.Job{RunID: rc.ID, Attempt: 1, Workflow: w.Name, Version: t.Version, EventID: ev.ID, Owner: e.cfg.Owner}
	done := make([]*store.StepDone, len(w.Steps))
	for progress := true; progress; {
		progress = false
		for i, st := range w.Steps {
			if done[i] != nil || !inlinable(st) || !allIn(st.Needs, env.Steps) {
				continue
			}
			d, err := e.inlineStep(ctx, w, st, job, env)
			if err != nil {
				return
			}
			done[i], progress = d, true
			env.Steps[st.ID] = &expr.StepState{Status: d.Status, Output: d.Output, Attempts: 1}
		}
	}
	all := true
	for i := range w.Steps {
		rc.Steps[i].Done = done[i]
		all = all && done[i] != nil
	}
	if !all {
		// Steps left to the job path read these outcomes from memory.
		e.outcomes.put(completions(rc.ID, w, done))
	}
}

// completions are the outcomes of the steps done inline, as the job path
// would have recorded them.
func completions(runID string, w *workflow.Workflow, done []*store.StepDone) []store.Completion {
	var out []store.Completion
	for i, d := range done {
		if d != nil {
			out = append(out, store.Completion{RunID: runID, StepID: w.Steps[i].ID, Attempt: 1, Status: d.Status, Output: d.Output})
		}
	}
	return out
}

// inlineStep runs one step inline: its if:, then its action once.
func (e *Engine) inlineStep(ctx context.Context, w *workflow.Workflow, st *workflow.Step, job *store.Job, env *expr.Env) (*store.StepDone, error) {
	d := &store.StepDone{Status: store.StatusSucceeded, Started: e.cfg.Now()}
	if st.If != nil {
		ok, err := st.If.Bool(env)
		if err != nil {
			return nil, err
		}
		if !ok {
			d.Status, d.Finished = store.StatusSkipped, e.cfg.Now()
			e.observeInline(st, d)
			return d, nil
		}
	}
	j := *job
	j.StepID = st.ID
	out, rec, err := e.runItem(ctx, w, st, &j, env, -1)
	if err != nil || rec.Error != "" || len(rec.Exchanges) > 0 {
		return nil, errNotInline
	}
	d.Output, d.Finished = out, e.cfg.Now()
	e.observeInline(st, d)
	return d, nil
}

// observeInline reports an inline step to Config.Observe.
func (e *Engine) observeInline(st *workflow.Step, d *store.StepDone) {
	if e.cfg.Observe != nil {
		e.cfg.Observe(st.Uses, d.Status, d.Finished.Sub(d.Started))
	}
}

// anyInline reports whether w has a step that could run inline.
func anyInline(w *workflow.Workflow) bool {
	for _, st := range w.Steps {
		if inlinable(st) {
			return true
		}
	}
	return false
}

// inlinable reports whether st may run inline: an Inline action, once
// (foreach steps run their items in parallel on the job path).
func inlinable(st *workflow.Step) bool {
	return st.Def != nil && st.Def.Inline && st.Foreach == nil
}

// allIn reports whether every id has an outcome in steps.
func allIn(ids []string, steps map[string]*expr.StepState) bool {
	for _, id := range ids {
		if _, ok := steps[id]; !ok {
			return false
		}
	}
	return true
}

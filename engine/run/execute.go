package run

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"

	"github.com/google/uuid"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/expr"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/workflow"
)

// deliveryNamespace derives stable delivery ids from run, step and item.
var deliveryNamespace = uuid.MustParse("6f2a4a1e-9c1b-4b8e-9a57-3f1c2d7e8b90")

// execute runs one attempt of a leased step and returns its outcome.
func (e *Engine) execute(ctx context.Context, job *store.Job) store.Completion {
	c := store.Completion{RunID: job.RunID, StepID: job.StepID, Attempt: job.Attempt, Owner: e.cfg.Owner, Started: e.cfg.Now()}
	w, st, env, err := e.prepare(ctx, job)
	if err != nil {
		return e.failed(c, st, engine.Permanent(err))
	}
	if st.If != nil {
		ok, err := st.If.Bool(env)
		if err != nil {
			return e.failed(c, st, engine.Permanent(fmt.Errorf("if: %w", err)))
		}
		if !ok {
			c.Status, c.Finished = store.StatusSkipped, e.cfg.Now()
			return c
		}
	}
	var out any
	if st.Foreach != nil {
		out, c.Attempts, err = e.runForeach(ctx, w, st, job, env)
	} else {
		var rec *store.AttemptRecord
		out, rec, err = e.runItem(ctx, w, st, job, env, -1)
		if rec.Error != "" || len(rec.Exchanges) > 0 || job.Attempt > 1 {
			// An attempt that sent nothing and failed in nothing adds no
			// information to the step's own record; keeping it would cost
			// a row per pure step (transform, log) on the hot path.
			c.Attempts = []*store.AttemptRecord{rec}
		}
	}
	if err == nil {
		c.Status, c.Output, c.Finished = store.StatusSucceeded, out, e.cfg.Now()
		return c
	}
	if until, state, ok := engine.Deferred(err); ok {
		c.Status, c.RunAt, c.Output, c.Finished = store.StatusQueued, until, state, e.cfg.Now()
		return c
	}
	c.Output = out
	if retry, delay := nextAttempt(st.Retry, job.Attempt, err, e.cfg.RandN); retry {
		c.Status, c.RunAt, c.Error = store.StatusQueued, e.cfg.Now().Add(delay), e.redactor.text(err.Error())
		c.Finished = e.cfg.Now()
		return c
	}
	c.Output = finalOutput(out)
	return e.failed(c, st, err)
}

// failed finishes c as a failed step; without continue_on_error it fails
// the run and skips the steps that need it.
func (e *Engine) failed(c store.Completion, st *workflow.Step, err error) store.Completion {
	c.Status, c.Finished = store.StatusFailed, e.cfg.Now()
	c.Error = e.redactor.text(err.Error())
	if st == nil || !st.ContinueOnError {
		c.Blocks, c.FailsRun = true, true
		c.RunError = fmt.Sprintf("step %s: %s", c.StepID, c.Error)
	}
	return c
}

// prepare finds the job's workflow and step and builds the expression
// environment: event, env, vars, run, and the finished steps it reads.
func (e *Engine) prepare(ctx context.Context, job *store.Job) (*workflow.Workflow, *workflow.Step, *expr.Env, error) {
	w, err := e.cfg.Catalog.Get(ctx, job.Workflow, job.Version)
	if err != nil {
		return nil, nil, nil, err
	}
	st := w.Step(job.StepID)
	if st == nil {
		return nil, nil, nil, fmt.Errorf("workflow %s version %d has no step %s", w.Name, job.Version, job.StepID)
	}
	ev, ok := e.events.get(job.EventID)
	if !ok {
		if ev, err = e.cfg.Store.EventGet(ctx, job.EventID); err != nil {
			return nil, st, nil, fmt.Errorf("load event %s: %w", job.EventID, err)
		}
		e.events.put(ev)
	}
	env, err := e.baseEnv(w, ev, job.RunID, job.Version)
	if err != nil {
		return nil, st, nil, err
	}
	if job.Phase == 0 && len(st.Needs) > 0 {
		env.Steps, _ = e.outcomes.get(job.RunID, st.Needs)
	}
	if env.Steps == nil && (len(st.Needs) > 0 || job.Phase > 0) {
		if err := e.loadSteps(ctx, env, job); err != nil {
			return nil, st, nil, err
		}
	}
	return w, st, env, nil
}

// loadSteps fills env.Steps with the run's finished steps (and run.error
// for on_error steps).
func (e *Engine) loadSteps(ctx context.Context, env *expr.Env, job *store.Job) error {
	steps, err := e.cfg.Store.StepList(ctx, job.RunID)
	if err != nil {
		return fmt.Errorf("load steps of run %s: %w", job.RunID, err)
	}
	env.Steps = make(map[string]*expr.StepState, len(steps))
	for _, s := range steps {
		env.Steps[s.StepID] = &expr.StepState{Status: s.Status, Output: s.Output, Error: s.Error, Attempts: s.Attempts}
	}
	if job.Phase > 0 {
		r, err := e.cfg.Store.RunGet(ctx, job.RunID)
		if err != nil {
			return fmt.Errorf("load run %s: %w", job.RunID, err)
		}
		env.Run.Error = r.Error
	}
	return nil
}

// runItem performs one attempt of a step (or of one foreach item) and
// returns its output and its record.
func (e *Engine) runItem(ctx context.Context, w *workflow.Workflow, st *workflow.Step, job *store.Job, env *expr.Env, item int) (any, *store.AttemptRecord, error) {
	start := e.cfg.Now()
	rec := &store.AttemptRecord{RunID: job.RunID, StepID: st.ID, Item: item, Attempt: job.Attempt, StartedAt: start}
	step := &engine.Step{
		RunID: job.RunID, StepID: st.ID, Workflow: w.Name, Attempt: job.Attempt, Item: item,
		DryRun: e.cfg.DryRun || (e.cfg.Mocks != nil && !st.Def.Pure),
		Resume: job.Output,
		Log:    stepLogger(e.cfg.Logger, job.RunID, st.ID),
	}
	if !st.Def.Inline {
		step.DeliveryID = deliveryID(job.RunID, st.ID, item)
	}
	if ev := env.Event; ev != nil && ev.BodyIsRaw {
		step.SetRawJSON(ev.Body, ev.Raw)
	}
	out, secrets, err := e.callAction(ctx, st, step, env)
	rec.DurationMS = e.cfg.Now().Sub(start).Milliseconds()
	if _, _, waiting := engine.Deferred(err); err != nil && !waiting {
		rec.Error = e.redactor.with(secrets).text(err.Error())
	}
	rec.Exchanges = e.redactor.with(secrets).exchanges(step.Exchanges())
	elideEventBody(rec.Exchanges, env.Event)
	return out, rec, err
}

// elideEventBody marks the requests that sent the event's raw body (as
// recorded, after redaction) so the store keeps that body only once.
func elideEventBody(xs []engine.Exchange, ev *engine.Event) {
	if ev == nil || len(ev.Raw) == 0 {
		return
	}
	for _, x := range xs {
		if x.Request != nil && x.Request.Body == string(ev.Raw) {
			x.Request.Body, x.Request.BodyFromEvent = "", true
		}
	}
}

// callAction evaluates with:, decodes the parameters and calls the action
// (or its mock) under the step's timeout, turning a panic into an error. It
// also returns the values of the parameters declared secret.
func (e *Engine) callAction(ctx context.Context, st *workflow.Step, step *engine.Step, env *expr.Env) (out any, secrets []string, err error) {
	if mock, ok := e.cfg.Mocks[st.ID]; ok {
		return mockOutcome(mock)
	}
	var with map[string]any
	if st.With != nil {
		v, err := st.With.Eval(env)
		if err != nil {
			return nil, nil, engine.Permanent(fmt.Errorf("with: %w", err))
		}
		with, _ = v.(map[string]any)
	}
	params, err := st.Def.DecodeParams(with)
	if err != nil {
		return nil, nil, engine.Permanent(err)
	}
	step.Params = params
	secrets = st.Def.SecretValues(params)
	if !st.Def.Inline { // Inline actions are quick and never wait
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, st.Timeout)
		defer cancel()
	}
	defer func() {
		if p := recover(); p != nil {
			step.Log.Error("action panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			out, err = nil, engine.Permanent(fmt.Errorf("action %s panicked: %v", st.Uses, p))
		}
	}()
	out, err = st.Def.Action.Run(ctx, step)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && !engine.IsPermanent(err) {
		err = fmt.Errorf("timed out after %s: %w", st.Timeout, err)
	}
	return out, secrets, err
}

// mockOutcome turns a test's mock into an output, or into an error when it
// is a map with the single key "error".
func mockOutcome(mock any) (any, []string, error) {
	if m, ok := mock.(map[string]any); ok && len(m) == 1 {
		if msg, ok := m["error"]; ok {
			return nil, nil, engine.Permanent(fmt.Errorf("%v", msg))
		}
	}
	return mock, nil, nil
}

func deliveryID(runID, stepID string, item int) string {
	name := runID + "/" + stepID
	if item >= 0 {
		name += "/" + strconv.Itoa(item)
	}
	return "msg_" + uuid.NewSHA1(deliveryNamespace, []byte(name)).String()
}

package run

import (
	"context"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/expr"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/workflow"
)

// maxAcceptBatch caps how many events share one transaction.
const maxAcceptBatch = 256

type acceptReq struct {
	item   store.EventWithRuns
	done   chan acceptResp
	queued time.Time // when it was handed to the writer
}

type acceptResp struct {
	res store.AcceptResult
	err error
}

// Dispatch stores ev and one run per target, and returns after the commit.
// Each target's if: filter is evaluated first: a run the filter refuses is
// stored as skipped. Concurrent calls share one transaction. ev.ID and
// ev.ReceivedAt are set when empty.
func (e *Engine) Dispatch(ctx context.Context, ev *engine.Event, targets []Target) (engine.AcceptResult, error) {
	return e.DispatchWith(ctx, ev, targets, nil)
}

// DispatchWith is Dispatch that also stores the event's subscription
// deliveries in the same transaction (none when the event is a duplicate).
func (e *Engine) DispatchWith(ctx context.Context, ev *engine.Event, targets []Target, deliveries []store.DeliveryCreate) (engine.AcceptResult, error) {
	if ev.ReceivedAt.IsZero() {
		ev.ReceivedAt = e.cfg.Now().UTC()
	}
	if ev.ID == "" {
		ev.ID = engine.NewID(ev.ReceivedAt)
	}
	item := store.EventWithRuns{Event: ev, Deliveries: deliveries}
	for _, t := range targets {
		item.Runs = append(item.Runs, e.newRun(ctx, t, ev))
	}
	// Checked and encoded here, beside the other callers, rather than in
	// the commit, which serves one batch at a time.
	if err := item.Prepare(e.cfg.Owner, e.cfg.Now()); err != nil {
		return engine.AcceptResult{}, fmt.Errorf("accept event: %w", err)
	}
	req := &acceptReq{item: item, done: make(chan acceptResp, 1), queued: time.Now()}
	// Cached before the commit: the commit hands the first steps to the
	// workers at once, and they must not read the event back. Runs whose
	// steps all ran inline need no worker, and their events stay out.
	if hasJobs(item.Runs) {
		e.events.put(ev)
	}
	select {
	case e.accepts <- req:
	case <-ctx.Done():
		return engine.AcceptResult{}, fmt.Errorf("accept event: %w", ctx.Err())
	}
	select {
	case r := <-req.done:
		if r.err != nil {
			return engine.AcceptResult{}, r.err
		}
		return engine.AcceptResult{EventID: r.res.EventID, Duplicate: r.res.Duplicate, RunIDs: r.res.RunIDs}, nil
	case <-ctx.Done():
		return engine.AcceptResult{}, fmt.Errorf("accept event: %w", ctx.Err())
	}
}

// hasJobs reports whether any of runs has a step left for the workers.
func hasJobs(runs []store.RunCreate) bool {
	for _, rc := range runs {
		for _, sc := range rc.Steps {
			if sc.Phase == 0 && sc.Done == nil {
				return true
			}
		}
	}
	return false
}

// Replay starts a new run of t for a stored event, linked to the run it
// replays, and returns its id ("" when that run was replayed before).
func (e *Engine) Replay(ctx context.Context, ev *engine.Event, t Target, replayOf string) (string, error) {
	rc := e.newRun(ctx, t, ev)
	rc.ReplayOf = replayOf
	req := &acceptReq{item: store.EventWithRuns{Event: ev, Runs: []store.RunCreate{rc}}, done: make(chan acceptResp, 1), queued: time.Now()}
	select {
	case e.accepts <- req:
	case <-ctx.Done():
		return "", fmt.Errorf("replay: %w", ctx.Err())
	}
	select {
	case r := <-req.done:
		if r.err != nil {
			return "", r.err
		}
		if len(r.res.RunIDs) == 0 {
			return "", nil
		}
		return r.res.RunIDs[0], nil
	case <-ctx.Done():
		return "", fmt.Errorf("replay: %w", ctx.Err())
	}
}

// newRun builds the stored form of a run of t for ev, with the steps it
// could run before the commit already done (runInline).
func (e *Engine) newRun(ctx context.Context, t Target, ev *engine.Event) store.RunCreate {
	w := t.Workflow
	now := e.cfg.Now()
	rc := store.RunCreate{ID: engine.NewID(now), CreatedAt: now, Workflow: w.Name, Version: t.Version, Status: store.StatusQueued}
	if w.If == nil && len(w.VarNames) > 0 {
		// Fix the run's vars now, before its steps start in parallel; an
		// error shows again, with the step, when a step reads them.
		_, _ = e.baseEnv(w, ev, rc.ID, t.Version)
	}
	if w.If != nil {
		env, err := e.baseEnv(w, ev, rc.ID, t.Version)
		pass := false
		if err == nil {
			pass, err = w.If.Bool(env)
		}
		if err != nil {
			// An expression error fails the run, visibly, rather than
			// skipping it (SPEC 3.1).
			rc.Status, rc.Error = store.StatusFailed, "if: "+e.redactor.text(err.Error())
			return rc
		}
		if !pass {
			rc.Status = store.StatusSkipped
			return rc
		}
	}
	for _, s := range w.Steps {
		rc.Steps = append(rc.Steps, store.StepCreate{StepID: s.ID, Phase: 0, Needs: s.Needs})
	}
	for _, s := range w.OnError {
		rc.Steps = append(rc.Steps, store.StepCreate{StepID: s.ID, Phase: 1, Needs: s.Needs})
	}
	e.runInline(ctx, t, ev, &rc)
	return rc
}

// baseEnv is the expression environment before any step ran: event, env,
// vars and run. Vars are computed once per run on this node and kept (the
// filter's computation is the run's), so now() or uuid() in a var gives
// every step the same value; after a restart they are computed again.
func (e *Engine) baseEnv(w *workflow.Workflow, ev *engine.Event, runID string, version int) (*expr.Env, error) {
	env := &expr.Env{
		Event: ev,
		Env:   e.cfg.Env,
		Run:   expr.RunInfo{ID: runID, Workflow: w.Name, Version: version},
	}
	if len(w.VarNames) == 0 {
		return env, nil
	}
	if vars, ok := e.vars.get(runID); ok {
		env.Vars = vars
		return env, nil
	}
	env.Vars = make(map[string]any, len(w.VarNames))
	for _, name := range w.VarNames {
		v, err := w.Vars[name].Eval(env)
		if err != nil {
			return nil, fmt.Errorf("vars.%s: %w", name, err)
		}
		env.Vars[name] = v
	}
	env.Vars = e.vars.put(runID, env.Vars)
	return env, nil
}

// writeLoop is the group-commit writer: it takes every accept waiting (up
// to maxAcceptBatch, gathering until BatchWindow after the first was
// queued) into one transaction. The window counts from the queueing, not
// from the writer's turn: accepts that waited through the previous commit
// go at once, with whatever else is waiting, and under load the writer
// commits back to back instead of idling a window between batches.
func (e *Engine) writeLoop(ctx context.Context) {
	batch := make([]*acceptReq, 0, maxAcceptBatch)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return
		case r := <-e.accepts:
			batch = append(batch, r)
		}
		batch = gather(e.accepts, batch, maxAcceptBatch, e.cfg.BatchWindow-time.Since(batch[0].queued))
		e.commitAccepts(ctx, batch)
	}
}

// gather appends to batch whatever arrives on ch within window, up to max;
// with no window left it takes only what is already waiting.
func gather[T any](ch <-chan T, batch []T, max int, window time.Duration) []T {
	if window <= 0 {
		return drain(ch, batch, max)
	}
	timer := time.NewTimer(window)
	defer timer.Stop()
	for len(batch) < max {
		select {
		case r := <-ch:
			batch = append(batch, r)
		case <-timer.C:
			return batch
		}
	}
	return batch
}

// drain appends to batch what is waiting on ch, up to max.
func drain[T any](ch <-chan T, batch []T, max int) []T {
	for len(batch) < max {
		select {
		case r := <-ch:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

func (e *Engine) commitAccepts(ctx context.Context, batch []*acceptReq) {
	p := store.AcceptParams{Owner: e.cfg.Owner, Lease: e.cfg.Lease, Now: e.cfg.Now()}
	for _, r := range batch {
		p.Events = append(p.Events, r.item)
	}
	res, err := e.cfg.Store.Accept(ctx, p)
	if err == nil && len(res) != len(batch) {
		err = fmt.Errorf("store answered %d results for %d events", len(res), len(batch))
	}
	for i, r := range batch {
		if err != nil {
			r.done <- acceptResp{err: fmt.Errorf("store event: %w", err)}
			continue
		}
		e.enqueue(res[i].Jobs)
		r.done <- acceptResp{res: res[i]}
	}
}

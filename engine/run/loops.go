package run

import (
	"context"
	"time"

	"github.com/hookflow/hookflow/engine/store"
)

// maxCompleteBatch caps how many outcomes share one transaction.
const maxCompleteBatch = 512

// workLoop runs leased steps one at a time until ctx ends. A step in hand
// when ctx ends is finished first: its action runs under its own timeout,
// not under ctx.
func (e *Engine) workLoop(ctx context.Context) {
	for {
		job, ok := e.queue.pop(ctx)
		if !ok {
			return
		}
		e.busy.Add(1)
		c := e.execute(context.WithoutCancel(ctx), job)
		e.observe(job, c)
		e.completions <- c
		e.busy.Add(-1)
	}
}

// observe reports a finished attempt to Config.Observe.
func (e *Engine) observe(job *store.Job, c store.Completion) {
	if e.cfg.Observe == nil {
		return
	}
	action := "unknown"
	if w, err := e.cfg.Catalog.Get(context.Background(), job.Workflow, job.Version); err == nil {
		if st := w.Step(job.StepID); st != nil {
			action = st.Uses
		}
	}
	e.cfg.Observe(action, c.Status, c.Finished.Sub(c.Started))
}

// completeLoop commits outcomes in batches, together with the steps they
// make ready, which come back leased to this node and go straight to the
// local queue. After ctx ends it commits what the workers still hand in.
func (e *Engine) completeLoop(ctx context.Context) {
	batch := make([]store.Completion, 0, maxCompleteBatch)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			e.drainCompletions()
			return
		case c := <-e.completions:
			batch = append(batch, c)
		}
		batch = gather(e.completions, batch, maxCompleteBatch, e.cfg.BatchWindow)
		e.commitCompletions(ctx, batch)
	}
}

// commitCompletions retries a failed commit until it succeeds or ctx ends:
// the outcomes exist only in memory until then.
func (e *Engine) commitCompletions(ctx context.Context, batch []store.Completion) {
	wait := 10 * time.Millisecond
	for {
		jobs, err := e.cfg.Store.JobComplete(ctx, store.JobCompleteParams{
			Completions: batch, Owner: e.cfg.Owner, Lease: e.cfg.Lease, Now: e.cfg.Now(),
		})
		if err == nil {
			e.outcomes.put(batch)
			e.enqueue(jobs)
			e.pending.Add(-int64(len(batch)))
			return
		}
		if ctx.Err() != nil {
			return
		}
		e.cfg.Logger.Error("commit step outcomes; retrying", "steps", len(batch), "err", err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return
		}
		wait = min(2*wait, time.Second)
	}
}

// drainCompletions commits, with a short deadline of its own, the outcomes
// that workers finish after the engine was told to stop.
func (e *Engine) drainCompletions() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		select {
		case c := <-e.completions:
			e.commitCompletions(ctx, []store.Completion{c})
		case <-time.After(50 * time.Millisecond):
			if e.busy.Load() == 0 && len(e.completions) == 0 {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// claimLoop keeps the local queue fed with queued steps from the store:
// retries that came due, runs accepted by other nodes, rescued steps.
func (e *Engine) claimLoop(ctx context.Context) {
	tick := time.NewTicker(e.cfg.PollInterval)
	defer tick.Stop()
	for {
		for e.queue.len() < e.cfg.Workers {
			limit := 2*e.cfg.Workers - e.queue.len()
			jobs, err := e.cfg.Store.JobClaim(ctx, store.JobClaimParams{
				Owner: e.cfg.Owner, Limit: limit, Lease: e.cfg.Lease, Now: e.cfg.Now(),
			})
			if err != nil {
				if ctx.Err() == nil {
					e.cfg.Logger.Error("claim steps", "err", err)
				}
				break
			}
			e.enqueue(jobs)
			if len(jobs) < limit {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		case <-tick.C:
		}
	}
}

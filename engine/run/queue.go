package run

import (
	"context"
	"sync"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/expr"
	"github.com/hookflow/hookflow/engine/store"
)

// jobQueue holds the steps leased to this node that no worker has taken
// yet. It is unbounded on purpose: everything in it is already leased (and
// the heartbeat keeps those leases), so refusing a job would only delay it
// by a lease period. Ingest is bounded upstream instead.
type jobQueue struct {
	mu    sync.Mutex
	items []*store.Job
	avail chan struct{}
}

func newJobQueue() *jobQueue { return &jobQueue{avail: make(chan struct{}, 1)} }

func (q *jobQueue) push(jobs ...*store.Job) {
	if len(jobs) == 0 {
		return
	}
	q.mu.Lock()
	q.items = append(q.items, jobs...)
	q.mu.Unlock()
	q.signal()
}

func (q *jobQueue) signal() {
	select {
	case q.avail <- struct{}{}:
	default:
	}
}

// pop returns the oldest job, waiting for one until ctx ends; once ctx
// has ended it returns nothing, so jobs left in the queue keep their lease
// and are rescued.
func (q *jobQueue) pop(ctx context.Context) (*store.Job, bool) {
	for {
		if ctx.Err() != nil {
			return nil, false
		}
		q.mu.Lock()
		if len(q.items) > 0 {
			j := q.items[0]
			q.items[0] = nil
			q.items = q.items[1:]
			more := len(q.items) > 0
			q.mu.Unlock()
			if more {
				q.signal()
			}
			return j, true
		}
		q.mu.Unlock()
		select {
		case <-q.avail:
		case <-ctx.Done():
			return nil, false
		}
	}
}

func (q *jobQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// eventCache keeps recently accepted events so that their steps need not
// read them back from the store. It is bounded; a miss reads the store.
type eventCache struct {
	mu    sync.Mutex
	max   int
	items map[string]*engine.Event
	order []string
}

func newEventCache(max int) *eventCache {
	return &eventCache{max: max, items: make(map[string]*engine.Event, max)}
}

func (c *eventCache) put(ev *engine.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[ev.ID]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
	c.items[ev.ID] = ev
	c.order = append(c.order, ev.ID)
}

func (c *eventCache) get(id string) (*engine.Event, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ev, ok := c.items[id]
	return ev, ok
}

// stepCache keeps the outcomes this node committed, by run, so that a step
// whose needs all finished here reads them from memory instead of the
// store. It is bounded by runs; a miss reads the store.
type stepCache struct {
	mu    sync.Mutex
	max   int
	runs  map[string]map[string]*expr.StepState
	order []string
}

func newStepCache(max int) *stepCache {
	return &stepCache{max: max, runs: make(map[string]map[string]*expr.StepState, max)}
}

// put records committed outcomes.
func (c *stepCache) put(cs []store.Completion) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range cs {
		done := &cs[i]
		if done.Status == store.StatusQueued {
			continue
		}
		steps, ok := c.runs[done.RunID]
		if !ok {
			if len(c.order) >= c.max {
				delete(c.runs, c.order[0])
				c.order = c.order[1:]
			}
			steps = map[string]*expr.StepState{}
			c.runs[done.RunID] = steps
			c.order = append(c.order, done.RunID)
		}
		steps[done.StepID] = &expr.StepState{Status: done.Status, Output: done.Output, Error: done.Error, Attempts: done.Attempt}
	}
}

// get returns the states of the named steps if every one is known.
func (c *stepCache) get(runID string, ids []string) (map[string]*expr.StepState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	steps, ok := c.runs[runID]
	if !ok {
		return nil, false
	}
	out := make(map[string]*expr.StepState, len(ids))
	for _, id := range ids {
		st, ok := steps[id]
		if !ok {
			return nil, false
		}
		out[id] = st
	}
	return out, true
}

// varsCache keeps each run's computed vars, bounded by runs.
type varsCache struct {
	mu    sync.Mutex
	max   int
	runs  map[string]map[string]any
	order []string
}

func newVarsCache(max int) *varsCache {
	return &varsCache{max: max, runs: make(map[string]map[string]any, max)}
}

// put keeps vars for the run unless another step got there first, and
// returns the values every step must use.
func (c *varsCache) put(runID string, vars map[string]any) map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	if first, ok := c.runs[runID]; ok {
		return first
	}
	if len(c.order) >= c.max {
		delete(c.runs, c.order[0])
		c.order = c.order[1:]
	}
	c.runs[runID] = vars
	c.order = append(c.order, runID)
	return vars
}

func (c *varsCache) get(runID string) (map[string]any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.runs[runID]
	return v, ok
}

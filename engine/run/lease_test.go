package run_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/store"
)

// deadNode is a node that accepted work and then went silent: it never
// extends a lease, never commits an outcome and never claims again, as a
// process killed with SIGKILL would.
type deadNode struct{ store.Store }

func (deadNode) JobExtend(context.Context, string, time.Time) error { return nil }
func (deadNode) JobComplete(context.Context, store.JobCompleteParams) ([]*store.Job, error) {
	return nil, nil
}
func (deadNode) JobClaim(context.Context, store.JobClaimParams) ([]*store.Job, error) {
	return nil, nil
}

func TestStepOfDeadNodeRunsAgainAfterLease(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	h := newHarness(t, map[string]engine.ActionFunc{"count": func(_ context.Context, s *engine.Step) (any, error) {
		calls.Add(1)
		return s.Attempt, nil
	}})
	tg := h.load(`
name: lease
steps:
  - { id: a, uses: count }
  - { id: b, uses: echo, needs: [a], with: { value: "${{ steps.a.output }}" } }
`)
	dead, err := run.New(run.Config{Store: deadNode{h.store}, Registry: h.reg, Catalog: h.cat, Owner: "dead",
		Lease: 60 * time.Millisecond, PollInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); dead.Wait() }()
	if err := dead.Start(ctx); err != nil {
		t.Fatal(err)
	}
	runID := h.dispatch(dead, tg, nil)
	deadline := time.Now().Add(5 * time.Second)
	for calls.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	// A live node takes over once the dead node's lease has expired.
	h.start(func(c *run.Config) { c.Owner, c.SingleNode, c.Lease = "live", false, 60*time.Millisecond })
	r, steps := h.wait(runID)
	if r.Status != store.StatusSucceeded {
		t.Fatalf("run %s: %s", r.Status, r.Error)
	}
	if calls.Load() != 2 || steps["a"].Attempts != 2 {
		t.Errorf("calls = %d, attempts = %d; want the lost attempt run once more", calls.Load(), steps["a"].Attempts)
	}
	if steps["b"].Output != float64(2) {
		t.Errorf("b read %v, want the second attempt's output", steps["b"].Output)
	}
}

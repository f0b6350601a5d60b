package run_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/store"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestDeferWaitsInTheStore: a step that waits an hour holds no worker; it
// sits queued in the store and runs when the (injected) clock says so.
func TestDeferWaitsInTheStore(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	var calls atomic.Int32
	h := newHarness(t, map[string]engine.ActionFunc{"wait": func(_ context.Context, s *engine.Step) (any, error) {
		calls.Add(1)
		if s.Resume == nil {
			return nil, engine.Defer(clock.Now().Add(time.Hour), map[string]any{"since": "first"})
		}
		return s.Resume, nil
	}})
	tg := h.load(`
name: waits
steps:
  - { id: wait, uses: wait }
  - id: after
    uses: echo
    with: { value: "${{ steps.wait.output.since }}" }
`)
	e := h.start(func(c *run.Config) { c.Now = clock.Now })
	runID := h.dispatch(e, tg, nil)
	deadline := time.Now().Add(5 * time.Second)
	for calls.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // several claim polls: nothing may run early
	steps, err := h.store.StepList(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 || steps[0].Status != store.StatusQueued {
		t.Fatalf("calls = %d, wait step %s; want one call and a queued step", calls.Load(), steps[0].Status)
	}
	clock.Add(time.Hour)
	r, got := h.wait(runID)
	if r.Status != store.StatusSucceeded || got["after"].Output != "first" {
		t.Fatalf("run %s, after = %v", r.Status, got["after"].Output)
	}
	if calls.Load() != 2 {
		t.Errorf("calls = %d, want 2 (the wait, then the wake-up)", calls.Load())
	}
}

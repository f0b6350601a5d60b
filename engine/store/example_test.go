package store_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

// A node accepts an event that starts a run of two steps, b needing a;
// the accepting node is leased the ready step at once, and completing it
// leases the next one.
func Example() {
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite://:memory:", store.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	res, err := s.Accept(ctx, store.AcceptParams{
		Events: []store.EventWithRuns{{
			Event: &engine.Event{ID: "ev1", Type: "webhook", ReceivedAt: now},
			Runs: []store.RunCreate{{ID: "run1", Workflow: "deploy", Version: 1, Status: store.StatusQueued,
				Steps: []store.StepCreate{{StepID: "a"}, {StepID: "b", Needs: []string{"a"}}}}},
		}},
		Owner: "node1", Lease: 30 * time.Second, Now: now,
	})
	if err != nil {
		panic(err)
	}
	jobs := res[0].Jobs
	for len(jobs) > 0 {
		j := jobs[0]
		fmt.Println("run", j.StepID, "attempt", j.Attempt)
		jobs, err = s.JobComplete(ctx, store.JobCompleteParams{
			Completions: []store.Completion{{RunID: j.RunID, StepID: j.StepID, Attempt: j.Attempt,
				Status: store.StatusSucceeded, Output: map[string]any{"ok": true}}},
			Owner: "node1", Now: now,
		})
		if err != nil {
			panic(err)
		}
	}
	run, err := s.RunGet(ctx, "run1")
	if err != nil {
		panic(err)
	}
	fmt.Println(run.Workflow, run.Status)
	// Output:
	// run a attempt 1
	// run b attempt 1
	// deploy succeeded
}

package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/store"
)

// jobCases cover claims, retries, leases, rescue and cancellation.
func jobCases() []testCase {
	return []testCase{
		{"ClaimOldestFirst", testClaimOrder},
		{"RetryNotClaimableBeforeRunAt", testRetry},
		{"StaleCompletionDropped", testStaleCompletion},
		{"FinishedStepNeverChanges", testFinishedNeverChanges},
		{"LeaseExpiryRescue", testLeaseExpiry},
		{"RescueAnyOwnerBut", testAnyOwnerBut},
		{"Cancel", testCancel},
		{"CancelledRunRetryAndRescue", testCancelledRetry},
		{"LargeBatches", testLargeBatches},
	}
}

// testLargeBatches pushes batches past the statements' chunk sizes: one
// Accept of 600 events (2,400 steps), claims and a completion of 1,000
// jobs, a rescue of as many.
func testLargeBatches(t *testing.T, s store.Store) {
	const runs = 600
	evs := make([]store.EventWithRuns, runs)
	for i := range evs {
		evs[i] = store.EventWithRuns{Event: newEvent(t0()), Runs: []store.RunCreate{{
			ID: newID(), Workflow: "wf", Version: 1, Status: store.StatusQueued, Steps: steps("a", "b", "c", "d:a,b,c"),
		}}}
	}
	_, err := s.Accept(context.Background(), store.AcceptParams{Events: evs, Now: t0()})
	must(t, err, "Accept")
	jobs := claim(t, s, "n", 1000, t0())
	if len(jobs) != 1000 {
		t.Fatalf("claimed %d, want 1000", len(jobs))
	}
	cs := make([]store.Completion, len(jobs))
	for i, j := range jobs {
		cs[i] = withAttempt(outcome(j, store.StatusSucceeded, t0()))
	}
	complete(t, s, "", t0(), cs...)
	held := len(claim(t, s, "n", 1000, t0()))
	n, err := s.JobRescue(context.Background(), store.JobRescueParams{Now: at(time.Hour)})
	must(t, err, "JobRescue")
	if n != held || held < 800 {
		t.Fatalf("rescued %d of %d held jobs", n, held)
	}
	if got := drain(t, s, "m", at(time.Hour)); got != 4*runs-1000 {
		t.Fatalf("drained %d steps, want %d", got, 4*runs-1000)
	}
	list, _, err := s.RunList(context.Background(), store.RunListParams{Status: store.StatusSucceeded, Limit: 500})
	must(t, err, "RunList")
	if len(list) != 500 {
		t.Fatalf("%d succeeded runs on the first page, want 500", len(list))
	}
}

func testClaimOrder(t *testing.T, s store.Store) {
	late := acceptRun(t, s, at(2*time.Second), "", "a")
	early := acceptRun(t, s, at(time.Second), "", "a")
	jobs := claim(t, s, "n", 1, at(time.Minute))
	if len(jobs) != 1 || jobs[0].RunID != early.runID {
		t.Fatalf("claimed %+v, want the step of the earlier run %s", jobs, early.runID)
	}
	jobs = claim(t, s, "n", 5, at(time.Minute))
	if len(jobs) != 1 || jobs[0].RunID != late.runID {
		t.Fatalf("claimed %+v, want the step of run %s", jobs, late.runID)
	}
	if jobs := claim(t, s, "n", 5, t0()); len(jobs) != 0 {
		t.Fatalf("claimed %d jobs before they were queued", len(jobs))
	}
}

func testRetry(t *testing.T, s store.Store) {
	f := acceptRun(t, s, t0(), "n", "a", "b:a")
	retry := outcome(f.jobs[0], store.StatusQueued, t0())
	retry.Error, retry.RunAt, retry.Output = "503", at(10*time.Second), map[string]any{"done": []any{1.0}}
	wantJobs(t, complete(t, s, "n", t0(), retry), "")
	wantStatuses(t, s, f.runID, "a=queued b=waiting")
	wantJobs(t, claim(t, s, "n", 10, at(5*time.Second)), "")
	jobs := claim(t, s, "m", 10, at(10*time.Second))
	wantJobs(t, jobs, "a")
	if j := jobs[0]; j.Attempt != 2 || !reflect.DeepEqual(j.Output, retry.Output) {
		t.Fatalf("retried job = %+v, want attempt 2 with output %v", j, retry.Output)
	}
	recs, err := s.StepList(context.Background(), f.runID)
	must(t, err, "StepList")
	if recs[0].Error != "503" || recs[0].Attempts != 2 || recs[0].StartedAt == nil || !recs[0].StartedAt.Equal(t0()) {
		t.Fatalf("step = %+v, want error 503, 2 attempts, started at t0", recs[0])
	}
	// A retry without output keeps the one stored.
	retry = outcome(jobs[0], store.StatusQueued, at(10*time.Second))
	retry.RunAt = at(20 * time.Second)
	complete(t, s, "", at(10*time.Second), retry)
	jobs = claim(t, s, "m", 10, at(20*time.Second))
	if len(jobs) != 1 || !reflect.DeepEqual(jobs[0].Output, map[string]any{"done": []any{1.0}}) {
		t.Fatalf("jobs = %+v, want a with the first output", jobs)
	}
	wantJobs(t, complete(t, s, "m", at(20*time.Second), outcome(jobs[0], store.StatusSucceeded, at(20*time.Second))), "b")
}

func testStaleCompletion(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := acceptRun(t, s, t0(), "", "a", "b:a")
	old := claim(t, s, "A", 1, t0())
	n, err := s.JobRescue(ctx, store.JobRescueParams{Now: at(31 * time.Second)})
	must(t, err, "JobRescue")
	if n != 1 {
		t.Fatalf("rescued %d, want 1", n)
	}
	taken := claim(t, s, "B", 1, at(31*time.Second))
	if len(taken) != 1 || taken[0].Attempt != 2 {
		t.Fatalf("reclaimed %+v, want attempt 2", taken)
	}
	stale := outcome(old[0], store.StatusSucceeded, at(32*time.Second))
	stale.Attempts = []*store.AttemptRecord{{Item: -1, Attempt: 1, StartedAt: t0()}}
	wantJobs(t, complete(t, s, "A", at(32*time.Second), stale), "")
	wantStatuses(t, s, f.runID, "a=running b=waiting")
	// Same owner, old attempt: dropped as well.
	stale.Owner = "B"
	wantJobs(t, complete(t, s, "B", at(32*time.Second), stale), "")
	wantStatuses(t, s, f.runID, "a=running b=waiting")
	fresh := outcome(taken[0], store.StatusSucceeded, at(33*time.Second))
	fresh.Attempts = []*store.AttemptRecord{{Item: -1, Attempt: 2, StartedAt: at(31 * time.Second)}}
	wantJobs(t, complete(t, s, "B", at(33*time.Second), fresh), "b")
	atts, err := s.AttemptList(ctx, f.runID)
	must(t, err, "AttemptList")
	if len(atts) != 1 || atts[0].Attempt != 2 {
		t.Fatalf("attempts = %+v, want only attempt 2", atts)
	}
}

func testFinishedNeverChanges(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := acceptRun(t, s, t0(), "n", "a", "b")
	done := outcome(byStep(t, f.jobs, "a"), store.StatusSucceeded, t0())
	done.Output = "first"
	complete(t, s, "n", t0(), done)
	late := outcome(byStep(t, f.jobs, "a"), store.StatusFailed, at(time.Second))
	late.Output, late.Blocks, late.FailsRun = "second", true, true
	complete(t, s, "n", at(time.Second), late)
	n, err := s.JobRescue(ctx, store.JobRescueParams{AnyOwnerBut: "other"})
	must(t, err, "JobRescue")
	if n != 1 {
		t.Fatalf("rescued %d, want 1 (b)", n)
	}
	recs, err := s.StepList(ctx, f.runID)
	must(t, err, "StepList")
	if recs[0].Status != store.StatusSucceeded || recs[0].Output != "first" || !recs[0].FinishedAt.Equal(t0()) {
		t.Fatalf("step a = %+v, want succeeded with output first at t0", recs[0])
	}
	wantRun(t, s, f.runID, store.StatusRunning, "")
}

func testLeaseExpiry(t *testing.T, s store.Store) {
	ctx := context.Background()
	acceptRun(t, s, t0(), "", "a")
	claim(t, s, "A", 1, t0())
	rescue := func(now time.Time) int {
		n, err := s.JobRescue(ctx, store.JobRescueParams{Now: now})
		must(t, err, "JobRescue")
		return n
	}
	if n := rescue(at(10 * time.Second)); n != 0 {
		t.Fatalf("rescued %d before the lease ended", n)
	}
	must(t, s.JobExtend(ctx, "A", at(60*time.Second)), "JobExtend")
	if n := rescue(at(40 * time.Second)); n != 0 {
		t.Fatalf("rescued %d within the extended lease", n)
	}
	if n := rescue(at(61 * time.Second)); n != 1 {
		t.Fatalf("rescued %d after the lease, want 1", n)
	}
	jobs := claim(t, s, "B", 1, at(61*time.Second))
	if len(jobs) != 1 || jobs[0].Attempt != 2 || jobs[0].Owner != "B" {
		t.Fatalf("reclaimed %+v, want attempt 2 for B", jobs)
	}
}

func testAnyOwnerBut(t *testing.T, s store.Store) {
	acceptRun(t, s, t0(), "", "a", "b")
	mine := claim(t, s, "A", 1, t0())
	theirs := claim(t, s, "B", 1, t0())
	n, err := s.JobRescue(context.Background(), store.JobRescueParams{Now: t0(), AnyOwnerBut: "A"})
	must(t, err, "JobRescue")
	if n != 1 {
		t.Fatalf("rescued %d, want 1", n)
	}
	jobs := claim(t, s, "A", 5, t0())
	if len(jobs) != 1 || jobs[0].StepID != theirs[0].StepID || jobs[0].StepID == mine[0].StepID {
		t.Fatalf("claimed %+v, want B's step %s", jobs, theirs[0].StepID)
	}
}

func testCancel(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := acceptRun(t, s, t0(), "", "a", "b:a", "c", "!h")
	jobs := claim(t, s, "n", 1, t0())
	wantJobs(t, jobs, "a")
	changed, err := s.RunCancel(ctx, f.runID)
	must(t, err, "RunCancel")
	if !changed {
		t.Fatal("RunCancel reported no change")
	}
	wantRun(t, s, f.runID, store.StatusCancelled, "")
	wantStatuses(t, s, f.runID, "a=running b=cancelled c=cancelled h=cancelled")
	if changed, err := s.RunCancel(ctx, f.runID); err != nil || changed {
		t.Fatalf("second RunCancel = %v, %v; want false, nil", changed, err)
	}
	wantJobs(t, complete(t, s, "n", t0(), outcome(jobs[0], store.StatusSucceeded, t0())), "")
	wantStatuses(t, s, f.runID, "a=succeeded b=cancelled c=cancelled h=cancelled")
	wantRun(t, s, f.runID, store.StatusCancelled, "")
	wantJobs(t, claim(t, s, "n", 10, t0()), "")
	_, err = s.RunCancel(ctx, newID())
	wantNotFound(t, "RunCancel(unknown)", err)
}

func testCancelledRetry(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := acceptRun(t, s, t0(), "n", "a", "b")
	_, err := s.RunCancel(ctx, f.runID)
	must(t, err, "RunCancel")
	retry := outcome(byStep(t, f.jobs, "a"), store.StatusQueued, t0())
	retry.RunAt = t0()
	complete(t, s, "n", t0(), retry)
	n, err := s.JobRescue(ctx, store.JobRescueParams{Now: at(time.Hour)})
	must(t, err, "JobRescue")
	if n != 0 {
		t.Fatalf("rescued %d steps of a cancelled run", n)
	}
	wantStatuses(t, s, f.runID, "a=cancelled b=cancelled")
	wantJobs(t, claim(t, s, "n", 10, at(time.Hour)), "")
}

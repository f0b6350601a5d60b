package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hookflow/hookflow/engine/store"
)

// dagCases cover JobComplete's bookkeeping: joins, blocking, phases.
func dagCases() []testCase {
	return []testCase{
		{"JoinQueuedOnceUnderConcurrency", testJoinOnce},
		{"JoinInOneBatch", testJoinOneBatch},
		{"FailureBlocksTransitively", testFailureBlocks},
		{"ContinueOnError", testContinueOnError},
		{"IfSkippedDoesNotBlock", testIfSkipped},
		{"OnErrorOnlyOnFailure", testOnError},
		{"FailureWithoutOnError", testFailureWithoutOnError},
	}
}

// testJoinOnce completes the parents of a join from several owners at once
// (one goroutine each): exactly one completion must hand out the join.
func testJoinOnce(t *testing.T, s store.Store) {
	const runs, parents = 6, 8
	specs := []string{}
	join := "j:"
	for i := range parents {
		specs = append(specs, fmt.Sprintf("p%d", i))
		join += fmt.Sprintf("p%d,", i)
	}
	specs = append(specs, join[:len(join)-1])
	ids := make([]string, runs)
	for i := range ids {
		ids[i] = acceptRun(t, s, t0(), "", specs...).runID
	}
	var all []*store.Job
	for i := range runs * parents {
		jobs := claim(t, s, fmt.Sprintf("owner%d", i), 1, t0())
		if len(jobs) != 1 {
			t.Fatalf("claim %d: %d jobs", i, len(jobs))
		}
		all = append(all, jobs...)
	}
	var mu sync.Mutex
	var joins []*store.Job
	var wg sync.WaitGroup
	for _, j := range all {
		wg.Go(func() {
			got, err := s.JobComplete(context.Background(), store.JobCompleteParams{
				Completions: []store.Completion{outcome(j, store.StatusSucceeded, t0())}, Owner: j.Owner, Now: t0(),
			})
			if err != nil {
				t.Errorf("JobComplete: %v", err)
			}
			mu.Lock()
			joins = append(joins, got...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(joins) != runs {
		t.Fatalf("%d joins handed out, want %d", len(joins), runs)
	}
	seen := map[string]bool{}
	for _, j := range joins {
		if j.StepID != "j" || seen[j.RunID] || j.Attempt != 1 {
			t.Fatalf("join job %+v (seen %v)", j, seen[j.RunID])
		}
		seen[j.RunID] = true
		complete(t, s, "", t0(), outcome(j, store.StatusSucceeded, t0()))
	}
	for _, id := range ids {
		wantRun(t, s, id, store.StatusSucceeded, "")
	}
}

// testJoinOneBatch completes all parents of a join in one batch.
func testJoinOneBatch(t *testing.T, s store.Store) {
	f := acceptRun(t, s, t0(), "", "a", "b", "c:a,b", "d:c")
	jobs := claim(t, s, "n", 10, t0())
	got := complete(t, s, "n", t0(), outcome(jobs[0], store.StatusSucceeded, t0()), outcome(jobs[1], store.StatusSucceeded, t0()))
	wantJobs(t, got, "c")
	wantStatuses(t, s, f.runID, "a=succeeded b=succeeded c=running d=waiting")
}

func testFailureBlocks(t *testing.T, s store.Store) {
	f := acceptRun(t, s, t0(), "", "a", "b:a", "c:b", "x:a,d", "d", "e:d")
	jobs := claim(t, s, "n", 10, t0())
	wantJobs(t, jobs, "a,d")
	fail := outcome(byStep(t, jobs, "a"), store.StatusFailed, t0())
	fail.Error, fail.Blocks, fail.FailsRun, fail.RunError = "boom", true, true, "step a: boom"
	got := complete(t, s, "n", t0(), fail)
	wantJobs(t, got, "")
	wantStatuses(t, s, f.runID, "a=failed b=skipped c=skipped x=waiting d=running e=waiting")
	wantRun(t, s, f.runID, store.StatusRunning, "step a: boom")
	got = complete(t, s, "n", t0(), outcome(byStep(t, jobs, "d"), store.StatusSucceeded, t0()))
	wantJobs(t, got, "e")
	wantStatuses(t, s, f.runID, "a=failed b=skipped c=skipped x=skipped d=succeeded e=running")
	complete(t, s, "n", t0(), outcome(got[0], store.StatusSucceeded, t0()))
	wantRun(t, s, f.runID, store.StatusFailed, "step a: boom")
}

func testContinueOnError(t *testing.T, s store.Store) {
	f := acceptRun(t, s, t0(), "n", "a", "b:a")
	fail := outcome(f.jobs[0], store.StatusFailed, t0())
	fail.Error = "tolerated"
	got := complete(t, s, "n", t0(), fail)
	wantJobs(t, got, "b")
	complete(t, s, "n", t0(), outcome(got[0], store.StatusSucceeded, t0()))
	wantStatuses(t, s, f.runID, "a=failed b=succeeded")
	wantRun(t, s, f.runID, store.StatusSucceeded, "")
}

func testIfSkipped(t *testing.T, s store.Store) {
	f := acceptRun(t, s, t0(), "n", "a", "b:a")
	got := complete(t, s, "n", t0(), outcome(f.jobs[0], store.StatusSkipped, t0()))
	wantJobs(t, got, "b")
	complete(t, s, "n", t0(), outcome(got[0], store.StatusSucceeded, t0()))
	wantStatuses(t, s, f.runID, "a=skipped b=succeeded")
	wantRun(t, s, f.runID, store.StatusSucceeded, "")
}

func testOnError(t *testing.T, s store.Store) {
	t.Run("success", func(t *testing.T) {
		f := acceptRun(t, s, t0(), "n", "a", "!h", "!i:h")
		got := complete(t, s, "n", t0(), outcome(f.jobs[0], store.StatusSucceeded, t0()))
		wantJobs(t, got, "")
		wantStatuses(t, s, f.runID, "a=succeeded h=skipped i=skipped")
		r := wantRun(t, s, f.runID, store.StatusSucceeded, "")
		if r.Phase != 0 {
			t.Fatalf("phase %d, want 0", r.Phase)
		}
	})
	t.Run("failure", func(t *testing.T) {
		f := acceptRun(t, s, t0(), "n", "a", "b:a", "!h", "!i:h")
		fail := outcome(f.jobs[0], store.StatusFailed, t0())
		fail.Blocks, fail.FailsRun, fail.RunError = true, true, "a failed"
		got := complete(t, s, "n", t0(), fail)
		wantJobs(t, got, "h")
		wantStatuses(t, s, f.runID, "a=failed b=skipped h=running i=waiting")
		if r := wantRun(t, s, f.runID, store.StatusRunning, "a failed"); r.Phase != 1 {
			t.Fatalf("phase %d, want 1", r.Phase)
		}
		got = complete(t, s, "n", t0(), outcome(got[0], store.StatusSucceeded, t0()))
		wantJobs(t, got, "i")
		complete(t, s, "n", t0(), outcome(got[0], store.StatusSucceeded, t0()))
		wantStatuses(t, s, f.runID, "a=failed b=skipped h=succeeded i=succeeded")
		wantRun(t, s, f.runID, store.StatusFailed, "a failed")
	})
	t.Run("queued without owner", func(t *testing.T) {
		f := acceptRun(t, s, t0(), "", "a", "!h")
		jobs := claim(t, s, "n", 10, t0())
		fail := outcome(jobs[0], store.StatusFailed, t0())
		fail.FailsRun = true
		wantJobs(t, complete(t, s, "", t0(), fail), "")
		wantStatuses(t, s, f.runID, "a=failed h=queued")
		wantJobs(t, claim(t, s, "n", 10, t0()), "h")
	})
}

func testFailureWithoutOnError(t *testing.T, s store.Store) {
	f := acceptRun(t, s, t0(), "n", "a", "b")
	fail := outcome(byStep(t, f.jobs, "a"), store.StatusFailed, t0())
	fail.Blocks, fail.FailsRun, fail.RunError = true, true, "first"
	complete(t, s, "n", t0(), fail)
	fail = outcome(byStep(t, f.jobs, "b"), store.StatusFailed, t0())
	fail.Blocks, fail.FailsRun, fail.RunError = true, true, "second"
	complete(t, s, "n", t0(), fail)
	wantRun(t, s, f.runID, store.StatusFailed, "first")
}

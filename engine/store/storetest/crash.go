package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/store"
)

// CrashRuns is how many runs CrashBefore starts.
const CrashRuns = 40

// RunCrash checks recovery: a store accepts runs, leases and claims jobs,
// completes a few, and goes away without completing the rest (the node
// died); a store opened again on the same database rescues the jobs and
// finishes every run, and no step completes twice. open must return a
// store on the same database each time it is called.
func RunCrash(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	zombie := CrashBefore(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	CrashAfter(t, open(t), zombie)
}

// CrashBefore is the first half of RunCrash, for a backend that kills a
// process instead of closing the store: it accepts CrashRuns runs of
// three steps (a, b:a, c:a) as owner "dead", claims the rest, completes
// some, and returns a job still leased to "dead".
func CrashBefore(t *testing.T, s store.Store) *store.Job {
	t.Helper()
	var leased []*store.Job
	for i := range CrashRuns {
		owner := ""
		if i%2 == 0 {
			owner = "dead"
		}
		leased = append(leased, acceptRun(t, s, t0(), owner, "a", "b:a", "c:a").jobs...)
	}
	leased = append(leased, claim(t, s, "dead", CrashRuns, t0())...)
	var cs []store.Completion
	for _, j := range leased[:CrashRuns/4] {
		cs = append(cs, withAttempt(outcome(j, store.StatusSucceeded, t0())))
	}
	// The jobs made ready here stay leased to the dead node too.
	complete(t, s, "dead", t0(), cs...)
	return leased[len(leased)-1]
}

// CrashAfter is the second half of RunCrash: on a store opened again, it
// rescues the dead node's jobs, drops a late completion from it, finishes
// every run and checks that each step has exactly one attempt.
func CrashAfter(t *testing.T, s store.Store, zombie *store.Job) {
	t.Helper()
	ctx := context.Background()
	now := at(time.Minute)
	n, err := s.JobRescue(ctx, store.JobRescueParams{Now: now, AnyOwnerBut: "alive"})
	must(t, err, "JobRescue")
	if n == 0 {
		t.Fatal("nothing rescued")
	}
	for {
		jobs := claim(t, s, "alive", 64, now)
		if len(jobs) == 0 {
			break
		}
		if zombie != nil {
			// The dead node's last word arrives after the rescue: dropped.
			wantJobs(t, complete(t, s, "dead", now, withAttempt(outcome(zombie, store.StatusFailed, now))), "")
			zombie = nil
		}
		for len(jobs) > 0 {
			cs := make([]store.Completion, len(jobs))
			for i, j := range jobs {
				cs[i] = withAttempt(outcome(j, store.StatusSucceeded, now))
			}
			jobs = complete(t, s, "alive", now, cs...)
		}
	}
	runs, _, err := s.RunList(ctx, store.RunListParams{Limit: 500})
	must(t, err, "RunList")
	if len(runs) != CrashRuns {
		t.Fatalf("%d runs, want %d", len(runs), CrashRuns)
	}
	for _, r := range runs {
		if r.Status != store.StatusSucceeded {
			t.Fatalf("run %s is %s", r.ID, r.Status)
		}
		checkOnce(t, s, r.ID)
	}
}

// withAttempt adds the attempt record of a plain step to c.
func withAttempt(c store.Completion) store.Completion {
	c.Attempts = []*store.AttemptRecord{{Item: -1, Attempt: c.Attempt, StartedAt: c.Started}}
	return c
}

// checkOnce fails unless every step of the run succeeded with exactly one
// recorded attempt.
func checkOnce(t *testing.T, s store.Store, runID string) {
	t.Helper()
	atts, err := s.AttemptList(context.Background(), runID)
	must(t, err, "AttemptList")
	count := map[string]int{}
	for _, a := range atts {
		count[a.StepID]++
	}
	if got := fmt.Sprint(count); got != "map[a:1 b:1 c:1]" {
		t.Fatalf("run %s: attempts per step %s, want one each", runID, got)
	}
	wantStatuses(t, s, runID, "a=succeeded b=succeeded c=succeeded")
}

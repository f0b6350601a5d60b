package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hookflow/hookflow/engine/store"
)

// RunTwoNodes runs worker loops on two stores that share one database (two
// nodes): each claims a few jobs at a time and completes them, leasing what
// they make ready. Every run must finish with each step completed once,
// the join of each run handed out exactly once.
func RunTwoNodes(t *testing.T, a, b store.Store) {
	const runs = 30
	ids := make([]string, runs)
	for i := range ids {
		ids[i] = acceptRun(t, a, t0(), "", "a", "b", "c", "d", "j:a,b,c,d", "k:j").runID
	}
	var wg sync.WaitGroup
	for i, s := range []store.Store{a, b, a, b} {
		wg.Go(func() { workLoop(t, s, fmt.Sprintf("node%d", i)) })
	}
	wg.Wait()
	for _, id := range ids {
		wantRun(t, a, id, store.StatusSucceeded, "")
		atts, err := b.AttemptList(context.Background(), id)
		must(t, err, "AttemptList")
		if len(atts) != 6 {
			t.Fatalf("run %s: %d attempts, want 6", id, len(atts))
		}
	}
}

// workLoop claims two jobs at a time and completes them until no job is
// left; it reports errors with t.Errorf (it runs in a goroutine).
func workLoop(t *testing.T, s store.Store, owner string) {
	ctx := context.Background()
	for {
		jobs, err := s.JobClaim(ctx, store.JobClaimParams{Owner: owner, Limit: 2, Now: t0()})
		if err != nil || len(jobs) == 0 {
			if err != nil {
				t.Errorf("JobClaim: %v", err)
			}
			return
		}
		for len(jobs) > 0 {
			cs := make([]store.Completion, len(jobs))
			for i, j := range jobs {
				cs[i] = withAttempt(outcome(j, store.StatusSucceeded, t0()))
			}
			jobs, err = s.JobComplete(ctx, store.JobCompleteParams{Completions: cs, Owner: owner, Now: t0()})
			if err != nil {
				t.Errorf("JobComplete: %v", err)
				return
			}
		}
	}
}

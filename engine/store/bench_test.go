package store_test

import (
	"context"
	"fmt"
	"github.com/hookflow/hookflow/engine/store/storetest"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

// benchBatch is how many events an Accept, and how many jobs a claim or a
// completion batch, carries, as the engine's batching loops would.
const benchBatch = 256

func BenchmarkFanout3SQLite(b *testing.B) {
	benchFanout3(b, openSQLite(b, filepath.Join(b.TempDir(), "bench.db")))
}

func BenchmarkFanout3Postgres(b *testing.B) {
	benchFanout3(b, openPostgres(b, storetest.PostgresDSN(b)))
}

func BenchmarkChain3SQLite(b *testing.B) {
	benchChain3(b, openSQLite(b, filepath.Join(b.TempDir(), "bench.db")))
}

func BenchmarkChain3Postgres(b *testing.B) {
	benchChain3(b, openPostgres(b, storetest.PostgresDSN(b)))
}

// benchFanout3 accepts b.N/3 runs of three independent steps, then claims
// and completes them in batches. ns/op is per step, Accept included;
// steps/s counts the claim-and-complete phase alone.
func benchFanout3(b *testing.B, s store.Store) {
	ctx := context.Background()
	runs := max(b.N/3, 1)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	acceptRuns(b, s, runs, "", "a", "b", "c")
	accepted := time.Now()
	steps := 0
	for {
		jobs, err := s.JobClaim(ctx, store.JobClaimParams{Owner: "bench", Limit: benchBatch})
		if err != nil {
			b.Fatalf("JobClaim: %v", err)
		}
		if len(jobs) == 0 {
			break
		}
		if more := completeJobs(b, s, jobs, ""); len(more) > 0 {
			b.Fatalf("fan-out completion returned %d jobs", len(more))
		}
		steps += len(jobs)
	}
	report(b, runs, steps, start, accepted)
}

// benchChain3 accepts b.N/3 runs of a→b→c with their first steps leased,
// then completes jobs in batches, each completion leasing the next step of
// its run, as a node's completion loop does.
func benchChain3(b *testing.B, s store.Store) {
	runs := max(b.N/3, 1)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	queue := acceptRuns(b, s, runs, "bench", "a", "b:a", "c:b")
	accepted := time.Now()
	steps := 0
	for len(queue) > 0 {
		n := min(len(queue), benchBatch)
		batch := queue[:n]
		queue = append(queue[n:], completeJobs(b, s, batch, "bench")...)
		steps += n
	}
	report(b, runs, steps, start, accepted)
}

// acceptRuns accepts runs events, one run each, in batches; with owner
// set it returns the leased jobs.
func acceptRuns(b *testing.B, s store.Store, runs int, owner string, specs ...string) []*store.Job {
	ctx := context.Background()
	var stepCreates []store.StepCreate
	for _, spec := range specs {
		sc := store.StepCreate{StepID: spec[:1]}
		if len(spec) > 2 {
			sc.Needs = []string{spec[2:]}
		}
		stepCreates = append(stepCreates, sc)
	}
	var jobs []*store.Job
	for done := 0; done < runs; {
		n := min(benchBatch, runs-done)
		evs := make([]store.EventWithRuns, n)
		for i := range evs {
			now := time.Now()
			evs[i] = store.EventWithRuns{
				Event: &engine.Event{ID: uuid.Must(uuid.NewV7()).String(), Type: "webhook", Method: "POST", Path: "bench",
					Headers: map[string]string{"content-type": "application/json"}, Body: map[string]any{"n": done + i},
					Raw: []byte(fmt.Sprintf(`{"n":%d}`, done+i)), ReceivedAt: now},
				Runs: []store.RunCreate{{ID: uuid.Must(uuid.NewV7()).String(), Workflow: "bench", Version: 1,
					Status: store.StatusQueued, Steps: stepCreates}},
			}
		}
		res, err := s.Accept(ctx, store.AcceptParams{Events: evs, Owner: owner})
		if err != nil {
			b.Fatalf("Accept: %v", err)
		}
		for _, r := range res {
			jobs = append(jobs, r.Jobs...)
		}
		done += n
	}
	return jobs
}

// completeJobs completes jobs, succeeded with a small output and one
// attempt record each, and returns the jobs made ready for owner.
func completeJobs(b *testing.B, s store.Store, jobs []*store.Job, owner string) []*store.Job {
	now := time.Now()
	cs := make([]store.Completion, len(jobs))
	for i, j := range jobs {
		cs[i] = store.Completion{
			RunID: j.RunID, StepID: j.StepID, Attempt: j.Attempt, Owner: j.Owner,
			Status: store.StatusSucceeded, Output: map[string]any{"status": 200},
			Started: now, Finished: now,
			Attempts: []*store.AttemptRecord{{Item: -1, Attempt: j.Attempt, StartedAt: now, DurationMS: 1}},
		}
	}
	more, err := s.JobComplete(context.Background(), store.JobCompleteParams{Completions: cs, Owner: owner})
	if err != nil {
		b.Fatalf("JobComplete: %v", err)
	}
	return more
}

// report checks the step count and reports throughput.
func report(b *testing.B, runs, steps int, start, accepted time.Time) {
	b.StopTimer()
	if steps != 3*runs {
		b.Fatalf("completed %d steps, want %d", steps, 3*runs)
	}
	end := time.Now()
	b.ReportMetric(float64(steps)/end.Sub(accepted).Seconds(), "steps/s")
	b.ReportMetric(float64(runs)/accepted.Sub(start).Seconds(), "accepts/s")
	b.ReportMetric(float64(steps)/end.Sub(start).Seconds(), "total-steps/s")
}

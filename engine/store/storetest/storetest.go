// Package storetest is the conformance suite for store.Store: every
// backend runs the same cases, so SQLite and PostgreSQL cannot drift apart.
//
// A backend's test calls Run with a constructor that returns a fresh, empty
// store for each test (and registers its teardown with t.Cleanup), and
// RunCrash with one that opens the same database again on every call. A
// backend that kills a process instead uses CrashBefore and CrashAfter; one
// that serves several nodes runs RunTwoNodes on two stores sharing a
// database.
//
// The cases never sleep: every method that takes a time is given an
// explicit one, starting at a fixed date.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

// t0 is the time the cases start at.
func t0() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) }

// testCase is one conformance case.
type testCase struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

// Run runs every conformance case, in parallel, each against a fresh store
// from newStore.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	var cases []testCase
	cases = append(cases, acceptCases()...)
	cases = append(cases, doneCases()...)
	cases = append(cases, dagCases()...)
	cases = append(cases, jobCases()...)
	cases = append(cases, readCases()...)
	cases = append(cases, stateCases()...)
	cases = append(cases, subscriptionCases()...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newStore(t))
		})
	}
}

// at returns t0 plus d.
func at(d time.Duration) time.Time { return t0().Add(d) }

// newID returns a fresh UUIDv7 for records whose ids need not carry a
// given time; events and runs use engine.NewID of their time.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// steps builds a run's steps from specs: "b:a,c" is step b needing a and
// c; a leading "!" puts the step in phase 1 (on_error).
func steps(specs ...string) []store.StepCreate {
	out := make([]store.StepCreate, 0, len(specs))
	for _, spec := range specs {
		sc := store.StepCreate{}
		if rest, ok := strings.CutPrefix(spec, "!"); ok {
			sc.Phase, spec = 1, rest
		}
		id, needs, _ := strings.Cut(spec, ":")
		sc.StepID = id
		if needs != "" {
			sc.Needs = strings.Split(needs, ",")
		}
		out = append(out, sc)
	}
	return out
}

// newEvent returns an event received at now.
func newEvent(now time.Time) *engine.Event {
	return &engine.Event{ID: engine.NewID(now), Type: "webhook", Method: "POST", Path: "test", ReceivedAt: now}
}

// fixture is one accepted run.
type fixture struct {
	eventID string
	runID   string
	jobs    []*store.Job // leased at Accept when an owner was given
}

// acceptRun accepts one event starting one run of workflow "wf" with the
// given steps, at now, leasing ready steps to owner when set.
func acceptRun(t *testing.T, s store.Store, now time.Time, owner string, specs ...string) fixture {
	t.Helper()
	ev := newEvent(now)
	rc := store.RunCreate{ID: engine.NewID(now), Workflow: "wf", Version: 1, Status: store.StatusQueued, Steps: steps(specs...)}
	res, err := s.Accept(context.Background(), store.AcceptParams{
		Events: []store.EventWithRuns{{Event: ev, Runs: []store.RunCreate{rc}}},
		Owner:  owner, Lease: 30 * time.Second, Now: now,
	})
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	if len(res) != 1 || res[0].Duplicate || len(res[0].RunIDs) != 1 {
		t.Fatalf("Accept = %+v, want one new run", res)
	}
	return fixture{eventID: ev.ID, runID: rc.ID, jobs: res[0].Jobs}
}

// claim claims up to limit jobs for owner at now.
func claim(t *testing.T, s store.Store, owner string, limit int, now time.Time) []*store.Job {
	t.Helper()
	jobs, err := s.JobClaim(context.Background(), store.JobClaimParams{Owner: owner, Limit: limit, Lease: 30 * time.Second, Now: now})
	if err != nil {
		t.Fatalf("JobClaim: %v", err)
	}
	return jobs
}

// outcome is a completion of job with status at now.
func outcome(j *store.Job, status string, now time.Time) store.Completion {
	return store.Completion{
		RunID: j.RunID, StepID: j.StepID, Attempt: j.Attempt, Owner: j.Owner,
		Status: status, Started: now, Finished: now,
	}
}

// complete completes cs at now, leasing ready steps to owner when set.
func complete(t *testing.T, s store.Store, owner string, now time.Time, cs ...store.Completion) []*store.Job {
	t.Helper()
	jobs, err := s.JobComplete(context.Background(), store.JobCompleteParams{
		Completions: cs, Owner: owner, Lease: 30 * time.Second, Now: now,
	})
	if err != nil {
		t.Fatalf("JobComplete: %v", err)
	}
	return jobs
}

// statuses returns "id=status" for every step of a run, in StepList order.
func statuses(t *testing.T, s store.Store, runID string) string {
	t.Helper()
	recs, err := s.StepList(context.Background(), runID)
	if err != nil {
		t.Fatalf("StepList: %v", err)
	}
	parts := make([]string, len(recs))
	for i, r := range recs {
		parts[i] = r.StepID + "=" + r.Status
	}
	return strings.Join(parts, " ")
}

// wantStatuses fails unless the run's steps have the given statuses.
func wantStatuses(t *testing.T, s store.Store, runID, want string) {
	t.Helper()
	if got := statuses(t, s, runID); got != want {
		t.Fatalf("steps:\n got %s\nwant %s", got, want)
	}
}

// runOf returns the stored run.
func runOf(t *testing.T, s store.Store, id string) *store.Run {
	t.Helper()
	r, err := s.RunGet(context.Background(), id)
	if err != nil {
		t.Fatalf("RunGet: %v", err)
	}
	return r
}

// wantRun fails unless the run has the status (and, when set, error).
func wantRun(t *testing.T, s store.Store, id, status, errText string) *store.Run {
	t.Helper()
	r := runOf(t, s, id)
	if r.Status != status || r.Error != errText {
		t.Fatalf("run status %q error %q, want %q %q", r.Status, r.Error, status, errText)
	}
	finished := status != store.StatusQueued && status != store.StatusRunning
	if finished != (r.FinishedAt != nil) {
		t.Fatalf("run %s finished_at = %v", status, r.FinishedAt)
	}
	return r
}

// jobNames returns the step ids of jobs, sorted and joined with commas.
func jobNames(jobs []*store.Job) string {
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.StepID
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

// wantJobs fails unless jobs are exactly the named steps.
func wantJobs(t *testing.T, jobs []*store.Job, want string) {
	t.Helper()
	if got := jobNames(jobs); got != want {
		t.Fatalf("jobs = %q, want %q", got, want)
	}
}

// byStep returns the job of the named step.
func byStep(t *testing.T, jobs []*store.Job, step string) *store.Job {
	t.Helper()
	for _, j := range jobs {
		if j.StepID == step {
			return j
		}
	}
	t.Fatalf("no job for step %s in %q", step, jobNames(jobs))
	return nil
}

// wantNotFound fails unless err wraps store.ErrNotFound.
func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("%s: err = %v, want ErrNotFound", what, err)
	}
}

// drain completes every job the store hands out, succeeded, claiming as
// owner, until none is left; it returns how many steps it completed.
func drain(t *testing.T, s store.Store, owner string, now time.Time) int {
	t.Helper()
	n := 0
	for {
		jobs := claim(t, s, owner, 100, now)
		if len(jobs) == 0 {
			return n
		}
		for len(jobs) > 0 {
			cs := make([]store.Completion, len(jobs))
			for i, j := range jobs {
				cs[i] = outcome(j, store.StatusSucceeded, now)
			}
			n += len(cs)
			jobs = complete(t, s, owner, now, cs...)
		}
	}
}

// must fails the test on err.
func must(t *testing.T, err error, format string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(format, args...), err)
	}
}

package storetest

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/store"
)

// doneCases cover steps stored finished at Accept (run inline by the
// engine before the commit).
func doneCases() []testCase {
	return []testCase{
		{"DoneStepsFinishTheRun", testDoneAll},
		{"DoneStepsReleaseDependents", testDonePartial},
		{"DoneStepsRefusedWhenInvalid", testDoneInvalid},
	}
}

// doneSteps builds steps from specs (as steps does) and marks those named
// in done as finished: "a=succeeded" or "a=skipped".
func doneSteps(now time.Time, specs []string, done ...string) []store.StepCreate {
	out := steps(specs...)
	for _, d := range done {
		id, status, _ := strings.Cut(d, "=")
		for i := range out {
			if out[i].StepID == id {
				out[i].Done = &store.StepDone{Status: status, Output: map[string]any{"step": id}, Started: now, Finished: now.Add(time.Millisecond)}
			}
		}
	}
	return out
}

// acceptDone accepts one run with done steps, leasing to owner when set.
func acceptDone(t *testing.T, s store.Store, owner string, sc []store.StepCreate) (string, []*store.Job, error) {
	t.Helper()
	rc := store.RunCreate{ID: newID(), Workflow: "wf", Version: 1, Status: store.StatusQueued, Steps: sc}
	res, err := s.Accept(context.Background(), store.AcceptParams{
		Events: []store.EventWithRuns{{Event: newEvent(t0()), Runs: []store.RunCreate{rc}}},
		Owner:  owner, Lease: 30 * time.Second, Now: t0(),
	})
	if err != nil {
		return "", nil, err
	}
	return rc.ID, res[0].Jobs, nil
}

func testDoneAll(t *testing.T, s store.Store) {
	sc := doneSteps(t0(), []string{"a", "b", "c:a,b", "!e"}, "a=succeeded", "b=skipped", "c=succeeded")
	runID, jobs, err := acceptDone(t, s, "n1", sc)
	must(t, err, "Accept")
	wantJobs(t, jobs, "")
	wantRun(t, s, runID, store.StatusSucceeded, "")
	wantStatuses(t, s, runID, "a=succeeded b=skipped c=succeeded e=skipped")
	recs, err := s.StepList(context.Background(), runID)
	must(t, err, "StepList")
	if !reflect.DeepEqual(recs[2].Output, map[string]any{"step": "c"}) || recs[2].Attempts != 1 ||
		recs[2].StartedAt == nil || !recs[2].StartedAt.Equal(t0()) || recs[2].FinishedAt == nil {
		t.Fatalf("step c = %+v, want its output, one attempt and its times", recs[2])
	}
	if n := len(claim(t, s, "n2", 10, t0().Add(time.Hour))); n != 0 {
		t.Fatalf("claim found %d jobs in a finished run", n)
	}
}

func testDonePartial(t *testing.T, s store.Store) {
	// a is done; b needs a (ready at once); c needs a and b (waits for b).
	sc := doneSteps(t0(), []string{"a", "b:a", "c:a,b"}, "a=succeeded")
	runID, jobs, err := acceptDone(t, s, "n1", sc)
	must(t, err, "Accept")
	wantJobs(t, jobs, "b")
	wantRun(t, s, runID, store.StatusRunning, "")
	jobs = complete(t, s, "n1", t0(), outcome(jobs[0], store.StatusSucceeded, t0()))
	wantJobs(t, jobs, "c")
	complete(t, s, "n1", t0(), outcome(jobs[0], store.StatusSucceeded, t0()))
	wantRun(t, s, runID, store.StatusSucceeded, "")
	wantStatuses(t, s, runID, "a=succeeded b=succeeded c=succeeded")

	// Without an owner the ready step is queued for a claim.
	runID, jobs, err = acceptDone(t, s, "", doneSteps(t0(), []string{"a", "b:a"}, "a=succeeded"))
	must(t, err, "Accept without owner")
	wantJobs(t, jobs, "")
	wantJobs(t, claim(t, s, "n2", 10, t0()), "b")
	wantStatuses(t, s, runID, "a=succeeded b=running")
}

func testDoneInvalid(t *testing.T, s store.Store) {
	for name, sc := range map[string][]store.StepCreate{
		"failed status":         doneSteps(t0(), []string{"a"}, "a=failed"),
		"on_error step":         doneSteps(t0(), []string{"a", "!e"}, "e=succeeded"),
		"needs a step not done": doneSteps(t0(), []string{"a", "b:a"}, "b=succeeded"),
	} {
		if _, _, err := acceptDone(t, s, "", sc); err == nil {
			t.Errorf("%s: Accept succeeded, want an error", name)
		}
	}
}

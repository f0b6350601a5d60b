package storetest

import (
	"bytes"
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

// acceptCases cover Accept: dedupe, run uniqueness, initial states.
func acceptCases() []testCase {
	return []testCase{
		{"DedupeSequential", testDedupeSequential},
		{"DedupeWithinBatch", testDedupeWithinBatch},
		{"DedupeConcurrent", testDedupeConcurrent},
		{"RunUniqueOnRedispatch", testRunUnique},
		{"FanoutReadyAtOnce", testFanout},
		{"OwnerLeasesAtAccept", testOwnerLeases},
		{"SkippedAndEmptyRuns", testSkippedRuns},
		{"EventRoundTrip", testEventRoundTrip},
		{"EventBodyKeptInRaw", testBodyKeptInRaw},
		{"AcceptRejectsBadGraph", testBadGraph},
		{"PreparedEvents", testPrepared},
	}
}

// keyedEvent accepts an event with a dedupe key and one run of workflow.
func keyedEvent(key, workflow string) store.EventWithRuns {
	ev := newEvent(t0())
	ev.DedupeKey = key
	return store.EventWithRuns{Event: ev, Runs: []store.RunCreate{{
		ID: newID(), Workflow: workflow, Version: 1, Status: store.StatusQueued, Steps: steps("a"),
	}}}
}

// countRuns counts the runs of a workflow.
func countRuns(t *testing.T, s store.Store, workflow string) int {
	t.Helper()
	runs, _, err := s.RunList(context.Background(), store.RunListParams{Workflow: workflow, Limit: 500})
	must(t, err, "RunList")
	return len(runs)
}

func testDedupeSequential(t *testing.T, s store.Store) {
	ctx := context.Background()
	first, second := keyedEvent("k1", "wf"), keyedEvent("k1", "wf")
	r1, err := s.Accept(ctx, store.AcceptParams{Events: []store.EventWithRuns{first}, Now: t0()})
	must(t, err, "Accept first")
	r2, err := s.Accept(ctx, store.AcceptParams{Events: []store.EventWithRuns{second}, Now: t0()})
	must(t, err, "Accept second")
	if r1[0].Duplicate || len(r1[0].RunIDs) != 1 {
		t.Fatalf("first = %+v, want stored with one run", r1[0])
	}
	if !r2[0].Duplicate || r2[0].EventID != first.Event.ID || len(r2[0].RunIDs) != 0 || len(r2[0].Jobs) != 0 {
		t.Fatalf("second = %+v, want duplicate of %s without runs", r2[0], first.Event.ID)
	}
	_, err = s.EventGet(ctx, second.Event.ID)
	wantNotFound(t, "EventGet(duplicate)", err)
	if n := countRuns(t, s, "wf"); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
}

func testDedupeWithinBatch(t *testing.T, s store.Store) {
	evs := []store.EventWithRuns{keyedEvent("k", "wf"), keyedEvent("k", "wf"), keyedEvent("other", "wf"), keyedEvent("k", "wf")}
	res, err := s.Accept(context.Background(), store.AcceptParams{Events: evs, Now: t0()})
	must(t, err, "Accept")
	first := evs[0].Event.ID
	for i, want := range []bool{false, true, false, true} {
		if res[i].Duplicate != want {
			t.Fatalf("result %d = %+v, want Duplicate %v", i, res[i], want)
		}
	}
	if res[1].EventID != first || res[3].EventID != first || len(res[1].RunIDs)+len(res[3].RunIDs) != 0 {
		t.Fatalf("duplicates = %+v %+v, want event %s without runs", res[1], res[3], first)
	}
	if n := countRuns(t, s, "wf"); n != 2 {
		t.Fatalf("%d runs, want 2", n)
	}
}

func testDedupeConcurrent(t *testing.T, s store.Store) {
	const n = 50
	var wg sync.WaitGroup
	res := make([]store.AcceptResult, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			r, err := s.Accept(context.Background(), store.AcceptParams{
				Events: []store.EventWithRuns{keyedEvent("same", "wf")}, Now: t0(),
			})
			errs[i] = err
			if err == nil {
				res[i] = r[0]
			}
		})
	}
	wg.Wait()
	stored := 0
	for i := range n {
		must(t, errs[i], "Accept %d", i)
		if !res[i].Duplicate {
			stored++
		}
		if res[i].EventID != res[0].EventID {
			t.Fatalf("results name events %s and %s", res[0].EventID, res[i].EventID)
		}
	}
	if stored != 1 {
		t.Fatalf("%d events stored, want 1", stored)
	}
	if n := countRuns(t, s, "wf"); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
}

func testRunUnique(t *testing.T, s store.Store) {
	ctx := context.Background()
	ev := newEvent(t0())
	run := func(wf string) store.RunCreate {
		return store.RunCreate{ID: newID(), Workflow: wf, Version: 1, Status: store.StatusQueued, Steps: steps("a")}
	}
	first := run("w1")
	_, err := s.Accept(ctx, store.AcceptParams{Events: []store.EventWithRuns{{Event: ev, Runs: []store.RunCreate{first}}}, Now: t0()})
	must(t, err, "Accept")
	again, other := run("w1"), run("w2")
	res, err := s.Accept(ctx, store.AcceptParams{Events: []store.EventWithRuns{{Event: ev, Runs: []store.RunCreate{again, other}}}, Now: t0()})
	must(t, err, "Accept again")
	if res[0].Duplicate || res[0].EventID != ev.ID || !reflect.DeepEqual(res[0].RunIDs, []string{other.ID}) {
		t.Fatalf("re-dispatch = %+v, want only run %s", res[0], other.ID)
	}
	_, err = s.RunGet(ctx, again.ID)
	wantNotFound(t, "RunGet(second run of w1)", err)
	if got := len(claim(t, s, "n", 10, t0())); got != 2 {
		t.Fatalf("%d jobs, want 2 (one per run)", got)
	}
}

func testFanout(t *testing.T, s store.Store) {
	f := acceptRun(t, s, t0(), "", "a", "b", "c", "d:a,b,c")
	wantStatuses(t, s, f.runID, "a=queued b=queued c=queued d=waiting")
	jobs := claim(t, s, "n1", 10, t0())
	wantJobs(t, jobs, "a,b,c")
	for _, j := range jobs {
		if j.Attempt != 1 || j.Workflow != "wf" || j.Version != 1 || j.EventID != f.eventID || j.Owner != "n1" || j.Output != nil {
			t.Fatalf("job = %+v", j)
		}
	}
	r := wantRun(t, s, f.runID, store.StatusRunning, "")
	if r.StartedAt == nil || !r.StartedAt.Equal(t0()) {
		t.Fatalf("started_at = %v, want %v", r.StartedAt, t0())
	}
	wantJobs(t, claim(t, s, "n2", 10, t0()), "")
}

func testOwnerLeases(t *testing.T, s store.Store) {
	f := acceptRun(t, s, t0(), "me", "a", "b:a", "c:b")
	wantJobs(t, f.jobs, "a")
	if j := f.jobs[0]; j.Attempt != 1 || j.Owner != "me" || j.EventID != f.eventID || j.Workflow != "wf" {
		t.Fatalf("job = %+v", j)
	}
	wantRun(t, s, f.runID, store.StatusRunning, "")
	wantJobs(t, claim(t, s, "other", 10, t0()), "")
	jobs := f.jobs
	for _, want := range []string{"b", "c", ""} {
		jobs = complete(t, s, "me", t0(), outcome(jobs[0], store.StatusSucceeded, t0()))
		wantJobs(t, jobs, want)
	}
	wantRun(t, s, f.runID, store.StatusSucceeded, "")
}

func testSkippedRuns(t *testing.T, s store.Store) {
	ev := newEvent(t0())
	skipped := store.RunCreate{ID: newID(), Workflow: "w1", Version: 1, Status: store.StatusSkipped}
	empty := store.RunCreate{ID: newID(), Workflow: "w2", Version: 1, Status: store.StatusQueued, Steps: steps("!h")}
	_, err := s.Accept(context.Background(), store.AcceptParams{
		Events: []store.EventWithRuns{{Event: ev, Runs: []store.RunCreate{skipped, empty}}}, Owner: "me", Now: t0(),
	})
	must(t, err, "Accept")
	wantRun(t, s, skipped.ID, store.StatusSkipped, "")
	wantStatuses(t, s, skipped.ID, "")
	wantRun(t, s, empty.ID, store.StatusSucceeded, "")
	wantStatuses(t, s, empty.ID, "h=skipped")
	wantJobs(t, claim(t, s, "n", 10, t0()), "")
}

func testEventRoundTrip(t *testing.T, s store.Store) {
	ev := &engine.Event{
		ID: newID(), Type: "webhook", Method: "POST", Path: "github/push",
		Headers:    map[string]string{"content-type": "application/json", "x-sig": "sha256=ab"},
		Query:      map[string]string{"q": "1"},
		Body:       map[string]any{"n": 1.5, "list": []any{"x", true, nil}},
		Raw:        []byte{'{', 0, 0xff, '"', '\n', '}'},
		ReceivedAt: t0().Add(123456 * time.Microsecond),
	}
	_, err := s.Accept(context.Background(), store.AcceptParams{Events: []store.EventWithRuns{{Event: ev}}, Now: t0()})
	must(t, err, "Accept")
	got, err := s.EventGet(context.Background(), ev.ID)
	must(t, err, "EventGet")
	if !bytes.Equal(got.Raw, ev.Raw) || !got.ReceivedAt.Equal(ev.ReceivedAt) {
		t.Fatalf("raw %q at %v, want %q at %v", got.Raw, got.ReceivedAt, ev.Raw, ev.ReceivedAt)
	}
	got.Raw, got.ReceivedAt = ev.Raw, ev.ReceivedAt
	if !reflect.DeepEqual(got, ev) {
		t.Fatalf("EventGet =\n%#v\nwant\n%#v", got, ev)
	}
}

func testBodyKeptInRaw(t *testing.T, s store.Store) {
	ctx := context.Background()
	ev := &engine.Event{
		ID: newID(), Type: "webhook", Method: "POST", Path: "orders",
		Body: map[string]any{"n": 1.5, "s": "x"}, Raw: []byte(`{"n": 1.5, "s": "x"}`), BodyIsRaw: true,
		ReceivedAt: t0(),
	}
	_, err := s.Accept(ctx, store.AcceptParams{Events: []store.EventWithRuns{{Event: ev}}, Now: t0()})
	must(t, err, "Accept")
	got, err := s.EventGet(ctx, ev.ID)
	must(t, err, "EventGet")
	if !reflect.DeepEqual(got.Body, ev.Body) || !bytes.Equal(got.Raw, ev.Raw) || !got.BodyIsRaw {
		t.Fatalf("EventGet body %#v raw %q BodyIsRaw %v, want %#v %q true", got.Body, got.Raw, got.BodyIsRaw, ev.Body, ev.Raw)
	}
	list, _, err := s.EventList(ctx, store.EventListParams{})
	must(t, err, "EventList")
	if len(list) != 1 || !reflect.DeepEqual(list[0].Body, ev.Body) || list[0].Raw != nil {
		t.Fatalf("EventList = %+v, want the body decoded from raw and no raw", list)
	}
}

func testBadGraph(t *testing.T, s store.Store) {
	for _, specs := range [][]string{{"a", "b:x"}, {"a", "a"}, {"a", "!h:a"}} {
		ev := newEvent(t0())
		rc := store.RunCreate{ID: newID(), Workflow: "wf", Status: store.StatusQueued, Steps: steps(specs...)}
		_, err := s.Accept(context.Background(), store.AcceptParams{Events: []store.EventWithRuns{{Event: ev, Runs: []store.RunCreate{rc}}}, Now: t0()})
		if err == nil {
			t.Fatalf("Accept(%v) succeeded, want an error", specs)
		}
		_, err = s.EventGet(context.Background(), ev.ID)
		wantNotFound(t, "EventGet after a failed Accept", err)
	}
}

// testPrepared accepts events prepared ahead (EventWithRuns.Prepare): one
// for the Accept's owner keeps its plan and its time, one for another
// owner is planned again, and dedupe still spans the batch.
func testPrepared(t *testing.T, s store.Store) {
	mine, stale, dup := keyedEvent("k", "wf"), keyedEvent("other", "wf"), keyedEvent("k", "wf")
	mine.Runs[0].Steps = steps("a", "b:a")
	must(t, mine.Prepare("me", t0()), "Prepare mine")
	must(t, stale.Prepare("someone else", t0()), "Prepare stale")
	must(t, dup.Prepare("me", t0()), "Prepare dup")
	res, err := s.Accept(context.Background(), store.AcceptParams{
		Events: []store.EventWithRuns{mine, stale, dup}, Owner: "me", Lease: time.Minute, Now: at(time.Second),
	})
	must(t, err, "Accept")
	wantJobs(t, res[0].Jobs, "a")
	wantJobs(t, res[1].Jobs, "a")
	if !res[2].Duplicate || res[2].EventID != mine.Event.ID {
		t.Fatalf("third = %+v, want a duplicate of the first", res[2])
	}
	for _, c := range []struct {
		run     string
		started time.Time
	}{{mine.Runs[0].ID, t0()}, {stale.Runs[0].ID, at(time.Second)}} {
		r := runOf(t, s, c.run)
		if r.Status != store.StatusRunning || r.StartedAt == nil || !r.StartedAt.Equal(c.started) {
			t.Errorf("run %s: %s, started %v; want running, started %v", c.run, r.Status, r.StartedAt, c.started)
		}
	}
	wantStatuses(t, s, mine.Runs[0].ID, "a=running b=waiting")

	bad := keyedEvent("bad", "wf")
	bad.Runs[0].Steps = steps("a:nope")
	if err := bad.Prepare("me", t0()); err == nil {
		t.Fatal("Prepare accepted a step that needs a missing step")
	}
}

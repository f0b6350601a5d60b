package storetest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

// readCases cover the reads and versions.
func readCases() []testCase {
	return []testCase{
		{"RunListFiltersAndPages", testRunList},
		{"StepListOrder", testStepList},
		{"AttemptsRoundTrip", testAttempts},
		{"AttemptBodyFromEvent", testAttemptBodyFromEvent},
		{"Versions", testVersions},
		{"NotFound", testNotFound},
	}
}

func testRunList(t *testing.T, s store.Store) {
	ctx := context.Background()
	var all []string // newest first
	for i := range 12 {
		ev := newEvent(at(time.Duration(i) * time.Second))
		wf, status := "even", store.StatusQueued
		if i%2 == 1 {
			wf, status = "odd", store.StatusSkipped
		}
		// Two runs share each time, to exercise the cursor's tie-break.
		// The runs were made before the Accept that stores them.
		made := at(time.Duration(i/2) * time.Second)
		rc := store.RunCreate{ID: engine.NewID(made), CreatedAt: made, Workflow: wf, Version: 1, Status: status, Steps: steps("a")}
		if status == store.StatusSkipped {
			rc.Steps = nil
		}
		_, err := s.Accept(ctx, store.AcceptParams{Events: []store.EventWithRuns{{Event: ev, Runs: []store.RunCreate{rc}}}, Now: made.Add(5 * time.Millisecond)})
		must(t, err, "Accept")
		if got := runOf(t, s, rc.ID).CreatedAt; !got.Equal(made) {
			t.Fatalf("run created at %v, want its CreatedAt %v", got, made)
		}
		all = append([]string{rc.ID}, all...)
	}
	list := func(p store.RunListParams) []string {
		var ids []string
		for page := 0; ; page++ {
			runs, next, err := s.RunList(ctx, p)
			must(t, err, "RunList page %d", page)
			for _, r := range runs {
				ids = append(ids, r.ID)
			}
			if next == "" {
				return ids
			}
			p.Cursor = next
		}
	}
	if got := list(store.RunListParams{Limit: 5}); !reflect.DeepEqual(got, sortedNewest(t, s, all)) {
		t.Fatalf("paged list = %v\nwant %v", got, sortedNewest(t, s, all))
	}
	for _, tc := range []struct {
		p    store.RunListParams
		want int
	}{
		{store.RunListParams{Workflow: "odd", Limit: 2}, 6},
		{store.RunListParams{Status: store.StatusSkipped}, 6},
		{store.RunListParams{Workflow: "even", Status: store.StatusSkipped}, 0},
		{store.RunListParams{Since: at(2 * time.Second), Limit: 3}, 8},
		{store.RunListParams{Since: at(2 * time.Second), Until: at(4 * time.Second)}, 4},
	} {
		if got := list(tc.p); len(got) != tc.want {
			t.Fatalf("RunList(%+v) = %d runs, want %d", tc.p, len(got), tc.want)
		}
	}
	// "!!" is not base64; the other is a cursor of the (created_at, id)
	// kind that lists had before they were ordered by id.
	for _, bad := range []string{"!!", base64.RawURLEncoding.EncodeToString([]byte("1740830400000000/" + all[0]))} {
		if _, _, err := s.RunList(ctx, store.RunListParams{Cursor: bad}); !errors.Is(err, store.ErrBadCursor) {
			t.Fatalf("RunList with the bad cursor %q: %v, want ErrBadCursor", bad, err)
		}
		if _, _, err := s.EventList(ctx, store.EventListParams{Cursor: bad}); !errors.Is(err, store.ErrBadCursor) {
			t.Fatalf("EventList with the bad cursor %q: %v, want ErrBadCursor", bad, err)
		}
	}
}

// sortedNewest orders run ids by (created_at, id) descending, as RunList
// promises.
func sortedNewest(t *testing.T, s store.Store, ids []string) []string {
	t.Helper()
	type r struct {
		id string
		at time.Time
	}
	rs := make([]r, len(ids))
	for i, id := range ids {
		rs[i] = r{id, runOf(t, s, id).CreatedAt}
	}
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && (rs[j].at.After(rs[j-1].at) || rs[j].at.Equal(rs[j-1].at) && rs[j].id > rs[j-1].id); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
	out := make([]string, len(rs))
	for i := range rs {
		out[i] = rs[i].id
	}
	return out
}

func testStepList(t *testing.T, s store.Store) {
	f := acceptRun(t, s, t0(), "", "z", "a:z", "m", "!y", "!b:y")
	wantStatuses(t, s, f.runID, "z=queued a=waiting m=queued y=waiting b=waiting")
	recs, err := s.StepList(context.Background(), f.runID)
	must(t, err, "StepList")
	for i, phase := range []int{0, 0, 0, 1, 1} {
		if recs[i].Phase != phase || recs[i].RunID != f.runID {
			t.Fatalf("step %d = %+v, want phase %d", i, recs[i], phase)
		}
	}
}

func testAttempts(t *testing.T, s store.Store) {
	f := acceptRun(t, s, t0(), "n", "a")
	ex := []engine.Exchange{{
		Request:  &engine.RequestRecord{Method: "POST", URL: "http://127.0.0.1/x", Headers: map[string]string{"authorization": "***"}, Body: `{"a":1}`},
		Response: &engine.ResponseRecord{Status: 503, Headers: map[string]string{"retry-after": "1"}, Body: "busy"},
	}, {Request: &engine.RequestRecord{Method: "GET", URL: "http://127.0.0.1/y"}}}
	want := []*store.AttemptRecord{
		{RunID: f.runID, StepID: "a", Item: 0, Attempt: 1, StartedAt: at(time.Millisecond), DurationMS: 12, Error: "503", Exchanges: ex},
		{RunID: f.runID, StepID: "a", Item: 1, Attempt: 1, StartedAt: at(2 * time.Millisecond), DurationMS: 3},
	}
	c := outcome(f.jobs[0], store.StatusSucceeded, t0())
	c.Attempts = []*store.AttemptRecord{want[1], want[0]}
	complete(t, s, "n", t0(), c)
	got, err := s.AttemptList(context.Background(), f.runID)
	must(t, err, "AttemptList")
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("AttemptList =\n%s\nwant\n%s", dump(got), dump(want))
	}
}

func testAttemptBodyFromEvent(t *testing.T, s store.Store) {
	ev := newEvent(t0())
	ev.Raw = []byte(`{"sent": "as received"}`)
	rc := store.RunCreate{ID: newID(), Workflow: "wf", Version: 1, Status: store.StatusQueued, Steps: steps("a")}
	res, err := s.Accept(context.Background(), store.AcceptParams{
		Events: []store.EventWithRuns{{Event: ev, Runs: []store.RunCreate{rc}}}, Owner: "n", Lease: time.Minute, Now: t0(),
	})
	must(t, err, "Accept")
	c := outcome(res[0].Jobs[0], store.StatusSucceeded, t0())
	c.Attempts = []*store.AttemptRecord{{StepID: "a", Item: -1, Attempt: 1, StartedAt: t0(), Exchanges: []engine.Exchange{
		{Request: &engine.RequestRecord{Method: "POST", URL: "http://127.0.0.1/x", BodyFromEvent: true}},
		{Request: &engine.RequestRecord{Method: "POST", URL: "http://127.0.0.1/y", Body: "other"}},
	}}}
	complete(t, s, "n", t0(), c)
	got, err := s.AttemptList(context.Background(), rc.ID)
	must(t, err, "AttemptList")
	if len(got) != 1 || len(got[0].Exchanges) != 2 {
		t.Fatalf("AttemptList = %s", dump(got))
	}
	first, second := got[0].Exchanges[0].Request, got[0].Exchanges[1].Request
	if first.Body != string(ev.Raw) || first.BodyFromEvent || second.Body != "other" {
		t.Fatalf("requests %+v and %+v: want the event's body filled back in, and the other left alone", first, second)
	}
}

// dump formats attempt records for a failure message.
func dump(as []*store.AttemptRecord) string {
	out := ""
	for _, a := range as {
		out += fmt.Sprintf("%+v\n", *a)
	}
	return out
}

func testVersions(t *testing.T, s store.Store) {
	ctx := context.Background()
	save := func(wf, src string, want int) {
		t.Helper()
		v, err := s.VersionSave(ctx, wf, []byte(src))
		must(t, err, "VersionSave")
		if v != want {
			t.Fatalf("VersionSave(%s, %q) = %d, want %d", wf, src, v, want)
		}
	}
	save("w", "one", 1)
	save("w", "one", 1)
	save("w", "two", 2)
	save("w", "one", 3)
	save("other", "one", 1)
	vs, err := s.VersionList(ctx, "w")
	must(t, err, "VersionList")
	if len(vs) != 3 || vs[0].Version != 3 || vs[2].Version != 1 || vs[0].Workflow != "w" {
		t.Fatalf("VersionList = %+v", vs)
	}
	v, err := s.VersionGet(ctx, "w", 2)
	must(t, err, "VersionGet")
	if v.Source != "two" || v.Version != 2 || v.CreatedAt.IsZero() {
		t.Fatalf("VersionGet = %+v", v)
	}
}

func testNotFound(t *testing.T, s store.Store) {
	ctx := context.Background()
	_, err := s.EventGet(ctx, "nope")
	wantNotFound(t, "EventGet", err)
	_, err = s.RunGet(ctx, "nope")
	wantNotFound(t, "RunGet", err)
	_, err = s.StepList(ctx, "nope")
	wantNotFound(t, "StepList", err)
	_, err = s.AttemptList(ctx, "nope")
	wantNotFound(t, "AttemptList", err)
	_, err = s.VersionGet(ctx, "nope", 1)
	wantNotFound(t, "VersionGet", err)
	_, err = s.RunCancel(ctx, "nope")
	wantNotFound(t, "RunCancel", err)
	must(t, s.Ping(ctx), "Ping")
}

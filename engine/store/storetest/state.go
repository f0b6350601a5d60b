package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

// stateCases cover the key-value state, event lists, replays and pruning.
func stateCases() []testCase {
	return []testCase{
		{"kv set get delete and ttl", testKV},
		{"kv incr is atomic under concurrency", testKVIncrConcurrent},
		{"kv incr refuses a non-number", testKVIncrNotNumber},
		{"event list newest first with cursor", testEventList},
		{"replay makes a new run, re-dispatch does not", testReplayUniqueness},
		{"prune deletes old finished runs and events in batches", testPrune},
		{"a run created failed is finished with its error", testRunCreatedFailed},
	}
}

func testKV(t *testing.T, s store.Store) {
	ctx := context.Background()
	k := store.KVKey{Namespace: "orders", Key: "A-1"}
	if _, ok, err := s.KVGet(ctx, k, at(0)); ok || err != nil {
		t.Fatalf("get of a missing key = %v, %v", ok, err)
	}
	if err := s.KVSet(ctx, k, map[string]any{"total": 12.5}, time.Minute, at(0)); err != nil {
		t.Fatal(err)
	}
	v, ok, err := s.KVGet(ctx, k, at(30*time.Second))
	if !ok || err != nil || fmt.Sprint(v) != "map[total:12.5]" {
		t.Fatalf("get = %v, %v, %v", v, ok, err)
	}
	if _, ok, _ := s.KVGet(ctx, k, at(time.Minute)); ok {
		t.Fatal("a key past its ttl must read as missing")
	}
	if err := s.KVSet(ctx, k, "kept", 0, at(0)); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := s.KVGet(ctx, k, at(1000*time.Hour)); !ok || v != "kept" {
		t.Fatalf("a key without ttl = %v, %v", v, ok)
	}
	if other, ok, _ := s.KVGet(ctx, store.KVKey{Namespace: "other", Key: "A-1"}, at(0)); ok {
		t.Fatalf("namespaces leak: %v", other)
	}
	if gone, err := s.KVDelete(ctx, k); !gone || err != nil {
		t.Fatalf("delete = %v, %v", gone, err)
	}
	if gone, _ := s.KVDelete(ctx, k); gone {
		t.Fatal("a second delete must report nothing deleted")
	}
}

func testKVIncrConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	k := store.KVKey{Namespace: "counters", Key: "hits"}
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := s.KVIncr(ctx, k, 1, 0, at(0)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	v, _, err := s.KVGet(ctx, k, at(0))
	if err != nil || v != float64(workers*each) {
		t.Fatalf("count = %v (%v), want %d", v, err, workers*each)
	}
	if n, err := s.KVIncr(ctx, k, -0.5, 0, at(0)); err != nil || n != float64(workers*each)-0.5 {
		t.Fatalf("incr by -0.5 = %v, %v", n, err)
	}
	exp := store.KVKey{Namespace: "counters", Key: "window"}
	s.KVIncr(ctx, exp, 5, time.Minute, at(0))
	if n, _ := s.KVIncr(ctx, exp, 1, time.Minute, at(2*time.Minute)); n != 1 {
		t.Fatalf("an expired counter starts again from 0: got %v", n)
	}
}

func testKVIncrNotNumber(t *testing.T, s store.Store) {
	ctx := context.Background()
	k := store.KVKey{Namespace: "n", Key: "word"}
	if err := s.KVSet(ctx, k, "hello", 0, at(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.KVIncr(ctx, k, 1, 0, at(0)); err == nil {
		t.Fatal("incr of a string must fail")
	}
}

func testEventList(t *testing.T, s store.Store) {
	ctx := context.Background()
	var ids []string
	for i := range 5 {
		f := acceptRun(t, s, at(time.Duration(i)*time.Second), "", "a")
		ids = append(ids, f.eventID)
	}
	var got []string
	cursor := ""
	for page := 0; page < 5; page++ {
		evs, next, err := s.EventList(ctx, store.EventListParams{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Raw != nil {
				t.Errorf("event lists leave out Raw")
			}
			got = append(got, ev.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	want := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pages = %v, want %v", got, want)
	}
	if evs, _, _ := s.EventList(ctx, store.EventListParams{Type: "nothing"}); len(evs) != 0 {
		t.Fatalf("type filter let %d through", len(evs))
	}
}

func testReplayUniqueness(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := acceptRun(t, s, at(0), "", "a")
	ev, err := s.EventGet(ctx, f.eventID)
	if err != nil {
		t.Fatal(err)
	}
	again := func(replayOf string) []string {
		rc := store.RunCreate{ID: newID(), Workflow: "wf", Version: 2, Status: store.StatusQueued, ReplayOf: replayOf, Steps: steps("a")}
		res, err := s.Accept(ctx, store.AcceptParams{Events: []store.EventWithRuns{{Event: ev, Runs: []store.RunCreate{rc}}}, Now: at(time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		return res[0].RunIDs
	}
	if ids := again(""); len(ids) != 0 {
		t.Fatalf("a re-dispatch made runs %v", ids)
	}
	ids := again(f.runID)
	if len(ids) != 1 {
		t.Fatalf("a replay made runs %v, want one", ids)
	}
	if r := runOf(t, s, ids[0]); r.ReplayOf != f.runID || r.Version != 2 {
		t.Fatalf("replay run = %+v", r)
	}
	runs, err := s.RunsOfEvent(ctx, f.eventID)
	if err != nil || len(runs) != 2 || runs[0].ID != f.runID {
		t.Fatalf("runs of the event = %v, %v", runs, err)
	}
}

func testPrune(t *testing.T, s store.Store) {
	ctx := context.Background()
	old := acceptRun(t, s, at(0), "", "a")
	jobs := claim(t, s, "w", 10, at(time.Second))
	complete(t, s, "w", at(time.Second), outcome(jobs[0], store.StatusSucceeded, at(time.Second)))
	running := acceptRun(t, s, at(0), "", "a") // not finished: kept
	lonely := &engine.Event{ID: engine.NewID(at(0)), Type: "x", ReceivedAt: at(0)}
	if _, err := s.Accept(ctx, store.AcceptParams{Events: []store.EventWithRuns{{Event: lonely}}, Now: at(0)}); err != nil {
		t.Fatal(err)
	}
	fresh := acceptRun(t, s, at(48*time.Hour), "", "a")
	total := 0
	for {
		n, err := s.Prune(ctx, store.PruneParams{Before: at(24 * time.Hour), Limit: 1, Now: at(48 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	if total != 3 {
		t.Errorf("pruned %d, want 3 (the old run, its event, the event without runs)", total)
	}
	for _, id := range []string{old.eventID, lonely.ID} {
		if _, err := s.EventGet(ctx, id); err == nil {
			t.Errorf("event %s survived the prune", id)
		}
	}
	for _, id := range []string{running.runID, fresh.runID} {
		runOf(t, s, id)
	}
}

func testRunCreatedFailed(t *testing.T, s store.Store) {
	ctx := context.Background()
	rc := store.RunCreate{ID: newID(), Workflow: "wf", Version: 1, Status: store.StatusFailed, Error: "if: evaluate x > 1: bad"}
	if _, err := s.Accept(ctx, store.AcceptParams{Events: []store.EventWithRuns{{Event: newEvent(at(0)), Runs: []store.RunCreate{rc}}}, Now: at(0)}); err != nil {
		t.Fatal(err)
	}
	r := wantRun(t, s, rc.ID, store.StatusFailed, "if: evaluate x > 1: bad")
	if r.FinishedAt == nil {
		t.Fatal("a run created failed must be finished")
	}
	if jobs := claim(t, s, "w", 10, at(time.Second)); len(jobs) != 0 {
		t.Fatalf("a failed run has jobs: %v", jobNames(jobs))
	}
	if counts, err := s.RunCounts(ctx); err != nil || counts[store.StatusFailed] != 1 || len(counts) != 1 {
		t.Fatalf("run counts = %v, %v", counts, err)
	}
}

package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

// subscriptionCases cover subscriptions, their deliveries as a queue, the
// endpoints' health and the event types seen.
func subscriptionCases() []testCase {
	return []testCase{
		{"subscription create get list update delete", testSubscriptionCRUD},
		{"accept stores deliveries with the event, none for a duplicate", testAcceptDeliveries},
		{"delivery claim is fair across subscriptions and skips inactive ones", testDeliveryClaimFair},
		{"delivery claim never hands one delivery to two claimers", testDeliveryClaimConcurrent},
		{"delivery complete records outcomes and drops stale ones", testDeliveryComplete},
		{"delivery health deactivates after 410 or a failing period", testDeliveryHealth},
		{"delivery rescue hands back expired and released leases", testDeliveryRescue},
		{"delivery retry starts a new series; replay restarts failed ones", testDeliveryRetry},
		{"delivery created leased to an owner", testDeliveryLeasedAtAccept},
		{"delivery list newest first with cursor and status", testDeliveryList},
		{"delivery prune and event types seen", testDeliveryPruneAndTypes},
	}
}

// newSub stores a subscription named name.
func newSub(t *testing.T, s store.Store, name string, active bool) *store.Subscription {
	t.Helper()
	sub := &store.Subscription{
		ID: newID(), Name: name, URL: "https://example.com/" + name, Method: "POST", ContentType: "application/json",
		MaxAttempts: 3, Active: active, Secret: "s3cret-" + name, Events: []string{"post.*"},
		Headers: map[string]string{"X-Team": name}, CreatedAt: at(0), UpdatedAt: at(0),
	}
	must(t, s.SubscriptionCreate(context.Background(), sub), "SubscriptionCreate")
	return sub
}

// publishTo accepts one event of type post.created at now with one
// delivery per subscription and returns the delivery ids in that order.
func publishTo(t *testing.T, s store.Store, now time.Time, subs ...*store.Subscription) []string {
	t.Helper()
	ev := &engine.Event{ID: newID(), Type: "post.created", Body: map[string]any{"n": 1}, Raw: []byte(`{"n":1}`), ReceivedAt: now}
	ew := store.EventWithRuns{Event: ev}
	ids := make([]string, len(subs))
	for i, sub := range subs {
		ids[i] = newID()
		ew.Deliveries = append(ew.Deliveries, store.DeliveryCreate{ID: ids[i], SubscriptionID: sub.ID})
	}
	_, err := s.Accept(context.Background(), store.AcceptParams{Events: []store.EventWithRuns{ew}, Now: now})
	must(t, err, "Accept")
	return ids
}

// claimD claims deliveries for owner at now.
func claimD(t *testing.T, s store.Store, owner string, limit, per int, now time.Time, exclude ...string) []*store.DeliveryJob {
	t.Helper()
	jobs, err := s.DeliveryClaim(context.Background(), store.DeliveryClaimParams{
		Owner: owner, Limit: limit, PerSubscription: per, Exclude: exclude, Lease: 30 * time.Second, Now: now,
	})
	must(t, err, "DeliveryClaim")
	return jobs
}

// result is the outcome of job with status at now.
func result(j *store.DeliveryJob, status string, code int, now time.Time) store.DeliveryResult {
	return store.DeliveryResult{
		ID: j.ID, SubscriptionID: j.Subscription.ID, Attempt: j.Attempt, Owner: j.Owner, Status: status,
		Healthy: status == store.DeliverySucceeded, Gone: code == 410,
		Record: store.DeliveryAttempt{StartedAt: now, DurationMS: 3, Status: code, Response: []byte("ok"), Error: errorFor(status)},
	}
}

func errorFor(status string) string {
	if status == store.DeliverySucceeded {
		return ""
	}
	return "POST https://example.com: 500 Internal Server Error"
}

// completeD records results at now and returns the deactivated
// subscriptions.
func completeD(t *testing.T, s store.Store, now time.Time, disableAfter time.Duration, rs ...store.DeliveryResult) []*store.Subscription {
	t.Helper()
	off, err := s.DeliveryComplete(context.Background(), store.DeliveryCompleteParams{Results: rs, Now: now, DisableAfter: disableAfter})
	must(t, err, "DeliveryComplete")
	return off
}

// getD returns a stored delivery.
func getD(t *testing.T, s store.Store, id string) *store.Delivery {
	t.Helper()
	d, err := s.DeliveryGet(context.Background(), id)
	must(t, err, "DeliveryGet")
	return d
}

// jobSubs returns "name:count" for the subscriptions of jobs, sorted.
func jobSubs(jobs []*store.DeliveryJob) string {
	n := map[string]int{}
	for _, j := range jobs {
		n[j.Subscription.Name]++
	}
	var parts []string
	for name, c := range n {
		parts = append(parts, fmt.Sprintf("%s:%d", name, c))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func testSubscriptionCRUD(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newSub(t, s, "a", true)
	b := newSub(t, s, "b", false)
	got, err := s.SubscriptionGet(ctx, a.ID)
	must(t, err, "SubscriptionGet")
	if got.Secret != a.Secret || !reflect.DeepEqual(got.Events, a.Events) || got.Headers["X-Team"] != "a" ||
		!got.Active || got.MaxAttempts != 3 || got.Version != 1 || !got.CreatedAt.Equal(at(0)) {
		t.Fatalf("got %+v, want %+v", got, a)
	}
	list, next, err := s.SubscriptionList(ctx, store.SubscriptionListParams{Limit: 1})
	must(t, err, "SubscriptionList")
	if len(list) != 1 || next == "" {
		t.Fatalf("first page: %d items, next %q", len(list), next)
	}
	rest, next2, err := s.SubscriptionList(ctx, store.SubscriptionListParams{Limit: 1, Cursor: next})
	must(t, err, "SubscriptionList page 2")
	if len(rest) != 1 || next2 != "" || rest[0].ID == list[0].ID {
		t.Fatalf("second page: %+v next %q", rest, next2)
	}
	yes, no := true, false
	active, _, err := s.SubscriptionList(ctx, store.SubscriptionListParams{Active: &yes})
	must(t, err, "SubscriptionList active")
	inactive, _, err := s.SubscriptionList(ctx, store.SubscriptionListParams{Active: &no})
	must(t, err, "SubscriptionList inactive")
	if len(active) != 1 || active[0].ID != a.ID || len(inactive) != 1 || inactive[0].ID != b.ID {
		t.Fatalf("active = %v, inactive = %v", active, inactive)
	}
	got.Name, got.RateLimit, got.UpdatedAt = "renamed", 2.5, at(time.Minute)
	must(t, s.SubscriptionUpdate(ctx, got), "SubscriptionUpdate")
	stale := *got
	stale.Version = 1
	if err := s.SubscriptionUpdate(ctx, &stale); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a stale update: %v, want ErrConflict", err)
	}
	again, _ := s.SubscriptionGet(ctx, a.ID)
	if again.Name != "renamed" || again.RateLimit != 2.5 || again.Version != 2 {
		t.Fatalf("after update: %+v", again)
	}
	ids := publishTo(t, s, at(0), a, b)
	must(t, s.SubscriptionDelete(ctx, b.ID), "SubscriptionDelete")
	_, err = s.SubscriptionGet(ctx, b.ID)
	wantNotFound(t, "get of a deleted subscription", err)
	_, err = s.DeliveryGet(ctx, ids[1])
	wantNotFound(t, "a delivery of a deleted subscription", err)
	wantNotFound(t, "second delete", s.SubscriptionDelete(ctx, b.ID))
	missing := *got
	missing.ID = newID()
	wantNotFound(t, "update of a missing subscription", s.SubscriptionUpdate(ctx, &missing))
}

func testAcceptDeliveries(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := newSub(t, s, "a", true), newSub(t, s, "b", true)
	first := store.EventWithRuns{Event: &engine.Event{ID: newID(), Type: "post.created", ReceivedAt: at(0), DedupeKey: "k"},
		Deliveries: []store.DeliveryCreate{{ID: newID(), SubscriptionID: a.ID}, {ID: newID(), SubscriptionID: b.ID}}}
	dup := store.EventWithRuns{Event: &engine.Event{ID: newID(), Type: "post.created", ReceivedAt: at(0), DedupeKey: "k"},
		Deliveries: []store.DeliveryCreate{{ID: newID(), SubscriptionID: a.ID}}}
	res, err := s.Accept(ctx, store.AcceptParams{Events: []store.EventWithRuns{first, dup}, Now: at(0)})
	must(t, err, "Accept")
	if res[0].Duplicate || !res[1].Duplicate {
		t.Fatalf("results %+v", res)
	}
	d := getD(t, s, first.Deliveries[0].ID)
	if d.Status != store.DeliveryPending || d.EventID != first.Event.ID || d.EventType != "post.created" ||
		d.Series != 1 || d.Attempts != 0 || d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(at(0)) || d.InFlight {
		t.Fatalf("delivery %+v", d)
	}
	_, err = s.DeliveryGet(ctx, dup.Deliveries[0].ID)
	wantNotFound(t, "the delivery of a duplicate", err)
	jobs := claimD(t, s, "n1", 10, 10, at(0))
	if jobSubs(jobs) != "a:1 b:1" {
		t.Fatalf("claimed %s", jobSubs(jobs))
	}
	j := jobs[0]
	if j.Event == nil || j.Event.Type != "post.created" || !j.Event.ReceivedAt.Equal(at(0)) || j.Attempt != 1 ||
		j.SeriesAttempt != 1 || j.Series != 1 || j.Subscription.Secret == "" {
		t.Fatalf("job %+v event %+v", j, j.Event)
	}
}

func testDeliveryClaimFair(t *testing.T, s store.Store) {
	a, b, off := newSub(t, s, "a", true), newSub(t, s, "b", true), newSub(t, s, "off", false)
	for i := range 10 {
		publishTo(t, s, at(time.Duration(i)*time.Millisecond), a, off)
	}
	publishTo(t, s, at(time.Second), b)
	publishTo(t, s, at(time.Second), b)
	wantSubs := func(got []*store.DeliveryJob, want string) {
		t.Helper()
		if jobSubs(got) != want {
			t.Fatalf("claimed %q, want %q", jobSubs(got), want)
		}
	}
	wantSubs(claimD(t, s, "n1", 4, 2, at(time.Second)), "a:2 b:2")
	wantSubs(claimD(t, s, "n1", 10, 3, at(time.Second), a.ID), "")
	wantSubs(claimD(t, s, "n1", 100, 100, at(2*time.Millisecond)), "a:1")
	wantSubs(claimD(t, s, "n1", 100, 100, at(time.Second)), "a:7")
	wantSubs(claimD(t, s, "n1", 100, 100, at(time.Hour)), "")
}

func testDeliveryClaimConcurrent(t *testing.T, s store.Store) {
	var subs []*store.Subscription
	for i := range 5 {
		subs = append(subs, newSub(t, s, fmt.Sprintf("s%d", i), true))
	}
	for range 20 {
		publishTo(t, s, at(0), subs...)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				jobs, err := s.DeliveryClaim(context.Background(), store.DeliveryClaimParams{
					Owner: fmt.Sprintf("w%d", w), Limit: 7, PerSubscription: 3, Lease: time.Minute, Now: at(0)})
				if err != nil {
					t.Error(err)
					return
				}
				if len(jobs) == 0 {
					return
				}
				mu.Lock()
				for _, j := range jobs {
					seen[j.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 100 {
		t.Fatalf("claimed %d distinct deliveries, want 100", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("delivery %s claimed %d times", id, n)
		}
	}
}

func testDeliveryComplete(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newSub(t, s, "a", true)
	ids := publishTo(t, s, at(0), a)
	ids = append(ids, publishTo(t, s, at(0), a)...)
	ids = append(ids, publishTo(t, s, at(0), a)...)
	jobs := claimD(t, s, "n1", 10, 10, at(0))
	byID := map[string]*store.DeliveryJob{}
	for _, j := range jobs {
		byID[j.ID] = j
	}
	ok, retry, fail := byID[ids[0]], byID[ids[1]], byID[ids[2]]
	r := result(retry, store.DeliveryPending, 503, at(time.Second))
	r.RunAt = at(6 * time.Second)
	stale := result(ok, store.DeliveryFailed, 500, at(time.Second))
	stale.Attempt = 7
	completeD(t, s, at(time.Second), 0, stale)
	if d := getD(t, s, ok.ID); d.Status != store.DeliveryPending || !d.InFlight {
		t.Fatalf("a stale result changed the delivery: %+v", d)
	}
	completeD(t, s, at(time.Second), 0, result(ok, store.DeliverySucceeded, 200, at(time.Second)), r,
		result(fail, store.DeliveryFailed, 400, at(time.Second)))
	if d := getD(t, s, ok.ID); d.Status != store.DeliverySucceeded || d.FinishedAt == nil || d.LastStatus != 200 || d.InFlight {
		t.Fatalf("succeeded: %+v", d)
	}
	if d := getD(t, s, fail.ID); d.Status != store.DeliveryFailed || d.Error == "" || d.LastStatus != 400 {
		t.Fatalf("failed: %+v", d)
	}
	if d := getD(t, s, retry.ID); d.Status != store.DeliveryPending || !d.NextAttemptAt.Equal(at(6*time.Second)) || d.FinishedAt != nil {
		t.Fatalf("retry: %+v", d)
	}
	if got := claimD(t, s, "n1", 10, 10, at(5*time.Second)); len(got) != 0 {
		t.Fatalf("a retry was claimed before it was due: %d", len(got))
	}
	again := claimD(t, s, "n1", 10, 10, at(6*time.Second))
	if len(again) != 1 || again[0].ID != retry.ID || again[0].Attempt != 2 || again[0].SeriesAttempt != 2 {
		t.Fatalf("second attempt: %+v", again)
	}
	completeD(t, s, at(7*time.Second), 0, result(again[0], store.DeliverySucceeded, 204, at(7*time.Second)))
	atts, err := s.DeliveryAttemptList(ctx, retry.ID)
	must(t, err, "DeliveryAttemptList")
	if len(atts) != 2 || atts[0].Attempt != 1 || atts[0].Status != 503 || atts[1].Attempt != 2 ||
		atts[1].Status != 204 || string(atts[1].Response) != "ok" || atts[0].Series != 1 || atts[1].DurationMS != 3 {
		t.Fatalf("attempts %+v", atts)
	}
	_, err = s.DeliveryAttemptList(ctx, newID())
	wantNotFound(t, "attempts of a missing delivery", err)
}

func testDeliveryHealth(t *testing.T, s store.Store) {
	ctx := context.Background()
	const window = 5 * 24 * time.Hour
	a, b := newSub(t, s, "a", true), newSub(t, s, "b", true)
	attempt := func(sub *store.Subscription, now time.Time, status string, code int) []*store.Subscription {
		t.Helper()
		publishTo(t, s, now, sub)
		jobs := claimD(t, s, "n1", 10, 10, now)
		if len(jobs) != 1 {
			t.Fatalf("claimed %d", len(jobs))
		}
		return completeD(t, s, now, window, result(jobs[0], status, code, now))
	}
	attempt(a, at(0), store.DeliveryFailed, 500)
	if got, _ := s.SubscriptionGet(ctx, a.ID); got.FailingSince == nil || !got.FailingSince.Equal(at(0)) {
		t.Fatalf("failing_since = %v, want %v", got.FailingSince, at(0))
	}
	attempt(a, at(time.Hour), store.DeliverySucceeded, 200)
	if got, _ := s.SubscriptionGet(ctx, a.ID); got.FailingSince != nil {
		t.Fatalf("a success left failing_since = %v", got.FailingSince)
	}
	attempt(a, at(2*time.Hour), store.DeliveryFailed, 500)
	if off := attempt(a, at(2*time.Hour+window-time.Second), store.DeliveryFailed, 500); len(off) != 0 {
		t.Fatalf("deactivated too early: %+v", off[0])
	}
	off := attempt(a, at(2*time.Hour+window), store.DeliveryFailed, 500)
	if len(off) != 1 || off[0].ID != a.ID || off[0].Active || !off[0].NoticePending || off[0].DisabledAt == nil ||
		!strings.Contains(off[0].DisabledReason, "failed for 5 days") {
		t.Fatalf("deactivated = %+v", off)
	}
	off = attempt(b, at(0), store.DeliveryFailed, 410)
	if len(off) != 1 || off[0].ID != b.ID || off[0].DisabledReason != "the endpoint answered 410 Gone" {
		t.Fatalf("after 410: %+v", off)
	}
	pending, _, err := s.SubscriptionList(ctx, store.SubscriptionListParams{NoticePending: true})
	must(t, err, "SubscriptionList")
	if len(pending) != 2 {
		t.Fatalf("%d notices pending, want 2", len(pending))
	}
	must(t, s.SubscriptionNoticeDone(ctx, b.ID, *off[0].DisabledAt), "SubscriptionNoticeDone")
	got, _ := s.SubscriptionGet(ctx, b.ID)
	if got.NoticePending {
		t.Fatal("the notice is still pending")
	}
	got.Active, got.DisabledReason, got.DisabledAt = true, "", nil
	must(t, s.SubscriptionUpdate(ctx, got), "reactivate")
	got, _ = s.SubscriptionGet(ctx, b.ID)
	if !got.Active || got.FailingSince != nil || got.DisabledReason != "" {
		t.Fatalf("reactivated: %+v", got)
	}
}

func testDeliveryRescue(t *testing.T, s store.Store) {
	a := newSub(t, s, "a", true)
	publishTo(t, s, at(0), a)
	jobs := claimD(t, s, "n1", 10, 10, at(0))
	if n, err := s.DeliveryRescue(context.Background(), store.DeliveryRescueParams{Now: at(29 * time.Second)}); n != 0 || err != nil {
		t.Fatalf("rescued a live lease: %d %v", n, err)
	}
	must(t, s.DeliveryExtend(context.Background(), "n1", at(90*time.Second)), "DeliveryExtend")
	if n, _ := s.DeliveryRescue(context.Background(), store.DeliveryRescueParams{Now: at(60 * time.Second)}); n != 0 {
		t.Fatal("rescued an extended lease")
	}
	if n, _ := s.DeliveryRescue(context.Background(), store.DeliveryRescueParams{Now: at(91 * time.Second)}); n != 1 {
		t.Fatalf("rescued %d, want 1", n)
	}
	completeD(t, s, at(92*time.Second), 0, result(jobs[0], store.DeliverySucceeded, 200, at(92*time.Second)))
	again := claimD(t, s, "n2", 10, 10, at(92*time.Second))
	if len(again) != 1 || again[0].Attempt != 1 {
		t.Fatalf("after rescue: %+v (the dead worker's result must be dropped, its attempt taken back)", again)
	}
	if n, _ := s.DeliveryRescue(context.Background(), store.DeliveryRescueParams{AnyOwnerBut: "n2"}); n != 0 {
		t.Fatal("AnyOwnerBut rescued its own lease")
	}
	if n, _ := s.DeliveryRescue(context.Background(), store.DeliveryRescueParams{Owner: "n2"}); n != 1 {
		t.Fatal("Owner did not release its lease")
	}
	if d := getD(t, s, again[0].ID); d.InFlight || d.Attempts != 0 {
		t.Fatalf("released: %+v", d)
	}
	jobs = claimD(t, s, "n3", 10, 10, at(100*time.Second))
	rel := result(jobs[0], store.DeliveryPending, 0, at(100*time.Second))
	rel.Release, rel.RunAt = true, at(100*time.Second)
	completeD(t, s, at(100*time.Second), 0, rel)
	d := getD(t, s, jobs[0].ID)
	atts, err := s.DeliveryAttemptList(context.Background(), jobs[0].ID)
	must(t, err, "DeliveryAttemptList")
	if d.InFlight || d.Attempts != 0 || d.Status != store.DeliveryPending || len(atts) != 0 {
		t.Fatalf("handed back with Release: %+v, %d attempts recorded", d, len(atts))
	}
}

func testDeliveryRetry(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newSub(t, s, "a", true)
	old := publishTo(t, s, at(0), a)[0]
	recent := publishTo(t, s, at(time.Hour), a)[0]
	jobs := claimD(t, s, "n1", 10, 10, at(time.Hour))
	var rs []store.DeliveryResult
	for _, j := range jobs {
		rs = append(rs, result(j, store.DeliveryFailed, 500, at(time.Hour)))
	}
	completeD(t, s, at(time.Hour), 0, rs...)
	n, err := s.DeliveryRetry(ctx, store.DeliveryRetryParams{ID: old, Now: at(2 * time.Hour)})
	if n != 1 || err != nil {
		t.Fatalf("retry = %d, %v", n, err)
	}
	d := getD(t, s, old)
	if d.Status != store.DeliveryPending || d.Series != 2 || d.SeriesAttempts != 0 || d.Attempts != 1 || d.Error != "" || d.FinishedAt != nil {
		t.Fatalf("retried: %+v", d)
	}
	jobs = claimD(t, s, "n1", 10, 10, at(2*time.Hour))
	if len(jobs) != 1 || jobs[0].Attempt != 2 || jobs[0].SeriesAttempt != 1 || jobs[0].Series != 2 {
		t.Fatalf("claimed after retry: %+v", jobs)
	}
	if n, _ := s.DeliveryRetry(ctx, store.DeliveryRetryParams{ID: old, Now: at(2 * time.Hour)}); n != 0 {
		t.Fatal("a delivery in flight was retried")
	}
	n, err = s.DeliveryRetry(ctx, store.DeliveryRetryParams{SubscriptionID: a.ID, Since: at(30 * time.Minute), Now: at(2 * time.Hour)})
	if n != 1 || err != nil {
		t.Fatalf("replay = %d, %v", n, err)
	}
	if d := getD(t, s, recent); d.Status != store.DeliveryPending || d.Series != 2 {
		t.Fatalf("replayed: %+v", d)
	}
}

func testDeliveryLeasedAtAccept(t *testing.T, s store.Store) {
	a := newSub(t, s, "a", false)
	ev := &engine.Event{ID: newID(), Type: "test", Raw: []byte(`{}`), ReceivedAt: at(0)}
	id := newID()
	_, err := s.Accept(context.Background(), store.AcceptParams{Now: at(0), Lease: time.Minute,
		Events: []store.EventWithRuns{{Event: ev, Deliveries: []store.DeliveryCreate{{ID: id, SubscriptionID: a.ID, Owner: "api"}}}}})
	must(t, err, "Accept")
	if d := getD(t, s, id); !d.InFlight || d.Attempts != 1 {
		t.Fatalf("leased at accept: %+v", d)
	}
	j := &store.DeliveryJob{ID: id, Subscription: a, Attempt: 1, Owner: "api"}
	completeD(t, s, at(time.Second), 0, result(j, store.DeliverySucceeded, 200, at(time.Second)))
	if d := getD(t, s, id); d.Status != store.DeliverySucceeded {
		t.Fatalf("completed by its owner: %+v", d)
	}
}

func testDeliveryList(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := newSub(t, s, "a", true), newSub(t, s, "b", true)
	var ids []string
	for i := range 5 {
		ids = append(ids, publishTo(t, s, at(time.Duration(i)*time.Second), a, b)[0])
	}
	jobs := claimD(t, s, "n1", 1, 1, at(0), b.ID)
	completeD(t, s, at(time.Second), 0, result(jobs[0], store.DeliveryFailed, 500, at(time.Second)))
	page, next, err := s.DeliveryList(ctx, store.DeliveryListParams{SubscriptionID: a.ID, Limit: 3})
	must(t, err, "DeliveryList")
	page2, next2, err := s.DeliveryList(ctx, store.DeliveryListParams{SubscriptionID: a.ID, Limit: 3, Cursor: next})
	must(t, err, "DeliveryList page 2")
	var got []string
	for _, d := range append(page, page2...) {
		got = append(got, d.ID)
	}
	want := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}
	if !reflect.DeepEqual(got, want) || next == "" || next2 != "" {
		t.Fatalf("pages %v (next %q, %q), want %v", got, next, next2, want)
	}
	failed, _, err := s.DeliveryList(ctx, store.DeliveryListParams{SubscriptionID: a.ID, Status: store.DeliveryFailed})
	must(t, err, "DeliveryList failed")
	if len(failed) != 1 || failed[0].ID != ids[0] {
		t.Fatalf("failed = %+v", failed)
	}
	if _, _, err := s.DeliveryList(ctx, store.DeliveryListParams{SubscriptionID: a.ID, Cursor: "!!"}); err == nil {
		t.Fatal("a bad cursor was accepted")
	}
}

func testDeliveryPruneAndTypes(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newSub(t, s, "a", true)
	done := publishTo(t, s, at(0), a)[0]
	pending := publishTo(t, s, at(0), a)[0]
	jobs := claimD(t, s, "n1", 1, 1, at(0))
	completeD(t, s, at(0), 0, result(jobs[0], store.DeliverySucceeded, 200, at(0)))
	first := jobs[0].ID
	if first != done && first != pending {
		t.Fatalf("claimed %s", first)
	}
	n, err := s.DeliveryPrune(ctx, store.PruneParams{Before: at(time.Hour), Limit: 10})
	if n != 1 || err != nil {
		t.Fatalf("prune = %d, %v", n, err)
	}
	_, err = s.DeliveryGet(ctx, first)
	wantNotFound(t, "a pruned delivery", err)
	if n, _ := s.DeliveryPrune(ctx, store.PruneParams{Before: at(time.Hour)}); n != 0 {
		t.Fatal("a pending delivery was pruned")
	}
	orphan := publishTo(t, s, at(0), &store.Subscription{ID: newID()})[0]
	if n, _ := s.DeliveryPrune(ctx, store.PruneParams{Before: at(time.Hour)}); n != 1 {
		t.Fatalf("pruned %d, want the delivery of a missing subscription", n)
	}
	_, err = s.DeliveryGet(ctx, orphan)
	wantNotFound(t, "an orphan delivery", err)

	must(t, s.EventTypeSeen(ctx, "post.created", at(0)), "EventTypeSeen")
	must(t, s.EventTypeSeen(ctx, "post.created", at(time.Hour)), "EventTypeSeen again")
	must(t, s.EventTypeSeen(ctx, "a.first", at(time.Minute)), "EventTypeSeen")
	types, err := s.EventTypeList(ctx)
	must(t, err, "EventTypeList")
	if len(types) != 2 || types[0].Name != "a.first" || types[1].Name != "post.created" || !types[1].FirstSeen.Equal(at(0)) {
		t.Fatalf("types = %+v %+v", types[0], types[1])
	}
}

package deliver

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/store"
)

// TestSlowSubscriberDoesNotDelayFast: a receiver that takes 5 s per answer
// holds only its own PerSubscription workers; every delivery of a fast
// subscription published at the same time arrives long before the slow
// one answers once.
func TestSlowSubscriberDoesNotDelayFast(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	slow := newReceiver(t, nil)
	slow.delay = 5 * time.Second
	fast := newReceiver(t, nil)
	d := start(t, st, func(c *Config) { c.Workers = 8 })
	slowSub := addSub(t, st, slow.srv.URL, nil)
	fastSub := addSub(t, st, fast.srv.URL, nil)
	const events = 40
	began := time.Now()
	var fastIDs []string
	for i := range events {
		ids := publish(t, st, d, time.Now(), "post.created", i, slowSub, fastSub)
		fastIDs = append(fastIDs, ids[1])
	}
	waitFor(t, 4*time.Second, "every fast delivery", func() bool { return len(fast.got()) == events })
	took := time.Since(began)
	if took > 2*time.Second {
		t.Fatalf("the fast subscriber's %d deliveries took %s", events, took)
	}
	if n := slow.now.Load(); n > 4 {
		t.Fatalf("%d attempts of the slow subscriber in flight, want at most PerSubscription (4)", n)
	}
	waitFor(t, 2*time.Second, "the fast deliveries to be recorded", func() bool {
		_, ok := finished(t, st, fastIDs[events-1])
		return ok
	})
	t.Logf("%d fast deliveries in %s beside a 5 s receiver", events, took)
}

// TestFanOutInParallel: one event to 1,000 subscriptions is delivered by
// every worker at once (a receiver that takes 20 ms per answer sees
// Workers requests in parallel, never more), so it takes a fraction of
// the serial time.
func TestFanOutInParallel(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	rc := newReceiver(t, nil)
	rc.delay = 20 * time.Millisecond
	const workers = 100
	d := start(t, st, func(c *Config) { c.Workers = workers })
	subs := make([]*store.Subscription, 1000)
	for i := range subs {
		subs[i] = addSub(t, st, fmt.Sprintf("%s/s%d", rc.srv.URL, i), nil)
	}
	began := time.Now()
	publish(t, st, d, time.Now(), "post.created", 1, subs...)
	waitFor(t, 20*time.Second, "1000 deliveries", func() bool { return len(rc.got()) == 1000 })
	took := time.Since(began)
	if peak := rc.peak.Load(); peak > workers || peak < workers/2 {
		t.Fatalf("peak of %d requests in parallel, want up to %d", peak, workers)
	}
	if took > 5*time.Second { // serial: 20 s
		t.Fatalf("1000 deliveries took %s", took)
	}
	t.Logf("1000 subscriptions in %s, %d in parallel at most", took, rc.peak.Load())
}

// TestPerSubscriptionLimit: one subscription never has more than
// PerSubscription attempts in flight.
func TestPerSubscriptionLimit(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	rc := newReceiver(t, nil)
	rc.delay = 10 * time.Millisecond
	d := start(t, st, func(c *Config) { c.PerSubscription = 2 })
	sub := addSub(t, st, rc.srv.URL, nil)
	for i := range 30 {
		publish(t, st, d, time.Now(), "post.created", i, sub)
	}
	waitFor(t, 10*time.Second, "30 deliveries", func() bool { return len(rc.got()) == 30 })
	if peak := rc.peak.Load(); peak != 2 {
		t.Fatalf("peak %d in flight, want 2", peak)
	}
}

// TestRateLimitWaits: deliveries over a subscription's rate_limit wait;
// none is dropped.
func TestRateLimitWaits(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	rc := newReceiver(t, nil)
	d := start(t, st, nil)
	// The subscription's limiter cannot exist before begin, and holds at
	// most its burst of 20 then: the 30th delivery cannot leave before
	// begin + 10/20 s. (Measuring from the first delivery's arrival
	// instead failed when that first one waited for its connection.)
	begin := time.Now()
	sub := addSub(t, st, rc.srv.URL, func(s *store.Subscription) { s.RateLimit = 20 })
	const n = 30
	for i := range n {
		publish(t, st, d, time.Now(), "post.created", i, sub)
	}
	waitFor(t, 10*time.Second, "every delivery", func() bool { return len(rc.got()) == n })
	hits := rc.got()
	if last := hits[n-1].at.Sub(begin); last < 500*time.Millisecond {
		t.Fatalf("%d deliveries within %s at 20/s with a burst of 20; want at least 500ms", n, last)
	}
}

// TestCrashedWorkerIsHandedBack: a delivery leased by a worker that died
// (a claim by another owner, never completed) is delivered after restart.
func TestCrashedWorkerIsHandedBack(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	rc := newReceiver(t, nil)
	sub := addSub(t, st, rc.srv.URL, func(s *store.Subscription) { s.MaxAttempts = 1 })
	id := publish(t, st, nil, time.Now(), "post.created", 1, sub)[0]
	jobs, err := st.DeliveryClaim(context.Background(), store.DeliveryClaimParams{Owner: "dead", Limit: 10, Now: time.Now()})
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim = %d, %v", len(jobs), err)
	}
	start(t, st, nil) // SingleNode: hands back every other owner's lease
	var del *store.Delivery
	waitFor(t, 5*time.Second, "the delivery", func() bool { var ok bool; del, ok = finished(t, st, id); return ok })
	if del.Status != store.DeliverySucceeded || del.Attempts != 1 || len(rc.got()) != 1 {
		t.Fatalf("after the crash: %+v, %d requests", del, len(rc.got()))
	}
	_ = http.StatusOK
}

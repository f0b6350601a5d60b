package deliver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

// openStore opens a fresh SQLite store for one test.
func openStore(t testing.TB) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "hookflow.db"), store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// testClient is a client tuned like the server's, without the guard.
func testClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second}}
}

// start runs a deliverer on st until the test ends. mod adjusts the
// configuration, which starts with a retry schedule of one millisecond.
func start(t testing.TB, st store.Store, mod func(*Config)) *Deliverer {
	t.Helper()
	cfg := Config{Store: st, Client: testClient(), Schedule: []time.Duration{time.Millisecond},
		PollInterval: 20 * time.Millisecond, Grace: 100 * time.Millisecond, SingleNode: true}
	if mod != nil {
		mod(&cfg)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return d
}

// hit is one request that reached a receiver.
type hit struct {
	at     time.Time
	header http.Header
	body   []byte
}

// receiver is a loopback endpoint that records requests and answers with
// the status that answer returns (200 when nil). Each request may take
// delay, cut short when the client goes away.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	hits   []hit
	answer func(n int, r *http.Request) int
	delay  time.Duration
	// now and peak count the requests in progress.
	now, peak atomic.Int64
}

func newReceiver(t testing.TB, answer func(n int, r *http.Request) int) *receiver {
	rc := &receiver{answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	cur := rc.now.Add(1)
	defer rc.now.Add(-1)
	for p := rc.peak.Load(); cur > p && !rc.peak.CompareAndSwap(p, cur); p = rc.peak.Load() {
	}
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	n := len(rc.hits)
	rc.hits = append(rc.hits, hit{at: time.Now(), header: r.Header.Clone(), body: body})
	rc.mu.Unlock()
	if rc.delay > 0 {
		select {
		case <-time.After(rc.delay):
		case <-r.Context().Done():
			return
		}
	}
	status := http.StatusOK
	if rc.answer != nil {
		status = rc.answer(n, r)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"ok":true}`)
}

// got returns the requests so far.
func (rc *receiver) got() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hit(nil), rc.hits...)
}

// addSub stores an active subscription to url; mod adjusts it first.
func addSub(t testing.TB, st store.Store, url string, mod func(*store.Subscription)) *store.Subscription {
	t.Helper()
	sub := &store.Subscription{ID: newID(), Name: "sub", URL: url, Method: "POST", ContentType: ContentJSON,
		MaxAttempts: 1, Active: true, Events: []string{"*"}, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if mod != nil {
		mod(sub)
	}
	if err := st.SubscriptionCreate(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	return sub
}

// publish stores one event of type typ with data at now and a delivery to
// each subscription, wakes d, and returns the delivery ids in order.
func publish(t testing.TB, st store.Store, d *Deliverer, now time.Time, typ string, data any, subs ...*store.Subscription) []string {
	t.Helper()
	raw, _ := json.Marshal(data)
	ev := &engine.Event{ID: newID(), Type: typ, Body: data, Raw: raw, ReceivedAt: now}
	ew := store.EventWithRuns{Event: ev}
	ids := make([]string, len(subs))
	for i, sub := range subs {
		ids[i] = newID()
		ew.Deliveries = append(ew.Deliveries, store.DeliveryCreate{ID: ids[i], SubscriptionID: sub.ID})
	}
	if _, err := st.Accept(context.Background(), store.AcceptParams{Events: []store.EventWithRuns{ew}, Now: now}); err != nil {
		t.Fatal(err)
	}
	if d != nil {
		d.Wake()
	}
	return ids
}

// waitFor polls cond (bounded) and fails the test with what when it never
// holds.
func waitFor(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// finished reports whether the delivery is no longer pending.
func finished(t testing.TB, st store.Store, id string) (*store.Delivery, bool) {
	t.Helper()
	d, err := st.DeliveryGet(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d, d.Status != store.DeliveryPending
}

// fakeClock is a clock that tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// eventTo is one post.created event with a delivery to each subscription.
func eventTo(subs []*store.Subscription) store.EventWithRuns {
	ev := &engine.Event{ID: newID(), Type: "post.created", Raw: []byte(`{"title":"Hello","n":1}`), ReceivedAt: time.Now()}
	ew := store.EventWithRuns{Event: ev}
	for _, sub := range subs {
		ew.Deliveries = append(ew.Deliveries, store.DeliveryCreate{ID: newID(), SubscriptionID: sub.ID})
	}
	return ew
}

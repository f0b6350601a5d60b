package deliver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/store/storetest"
)

// benchSetup starts a deliverer on a fresh store of backend ("sqlite" or
// "postgres") with n subscriptions to one loopback receiver, and returns
// it with the count of committed outcomes.
func benchSetup(b *testing.B, backend string, n int) (store.Store, *Deliverer, []*store.Subscription, *atomic.Int64) {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	b.Cleanup(srv.Close)
	st := benchStore(b, backend)
	var done atomic.Int64
	d := start(b, st, func(c *Config) {
		c.Committed = func(batch []store.DeliveryResult) { done.Add(int64(len(batch))) }
	})
	subs := make([]*store.Subscription, n)
	for i := range subs {
		subs[i] = addSub(b, st, fmt.Sprintf("%s/s%d", srv.URL, i), func(s *store.Subscription) {
			s.Secret = "bench-secret"
		})
	}
	return st, d, subs, &done
}

// waitDone waits (bounded) until want outcomes were committed.
func waitDone(b *testing.B, done *atomic.Int64, want int64) {
	b.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for done.Load() < want {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d deliveries after 60s", done.Load(), want)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// BenchmarkFanOut100 publishes one event to 100 subscriptions per
// iteration and waits until all 100 deliveries are committed: ms/event is
// the time from the event's commit to the last delivery's.
func BenchmarkFanOut100(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) { benchFanOut100(b, backend) })
	}
}

func benchFanOut100(b *testing.B, backend string) {
	st, d, subs, done := benchSetup(b, backend, 100)
	var total time.Duration
	var worst time.Duration
	n := int64(0)
	for b.Loop() {
		began := time.Now()
		publish(b, st, d, time.Now(), "post.created", map[string]any{"n": n}, subs...)
		n += int64(len(subs))
		waitDone(b, done, n)
		took := time.Since(began)
		total += took
		worst = max(worst, took)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/event")
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms/event")
	b.ReportMetric(float64(n)/total.Seconds(), "deliveries/s")
}

// BenchmarkSustained keeps publishing: each iteration stores 10 events to
// 100 subscriptions each (1,000 deliveries, one transaction, as the group
// commit would) without waiting; at the end it waits for every delivery.
func BenchmarkSustained(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) { benchSustained(b, backend) })
	}
}

func benchSustained(b *testing.B, backend string) {
	st, d, subs, done := benchSetup(b, backend, 100)
	const events = 10
	began := time.Now()
	want := int64(0)
	for b.Loop() {
		var batch []store.EventWithRuns
		for range events {
			batch = append(batch, eventTo(subs))
		}
		if _, err := st.Accept(b.Context(), store.AcceptParams{Events: batch, Now: time.Now()}); err != nil {
			b.Fatal(err)
		}
		d.Wake()
		want += events * int64(len(subs))
	}
	waitDone(b, done, want)
	b.ReportMetric(float64(want)/time.Since(began).Seconds(), "deliveries/s")
}

// benchStore opens a fresh SQLite file, or a fresh schema of the test
// PostgreSQL (storetest.PostgresDSN).
func benchStore(b *testing.B, backend string) store.Store {
	b.Helper()
	if backend == "sqlite" {
		return openStore(b)
	}
	st, err := store.Open(context.Background(), storetest.PostgresDSN(b), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	return st
}

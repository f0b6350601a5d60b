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

func BenchmarkDeliveriesSQLite(b *testing.B) {
	benchDeliveries(b, openSQLite(b, filepath.Join(b.TempDir(), "bench.db")))
}

func BenchmarkDeliveriesPostgres(b *testing.B) {
	benchDeliveries(b, openPostgres(b, storetest.PostgresDSN(b)))
}

// benchDeliveries runs b.N deliveries through the queue without HTTP:
// Accept (one event to 100 subscriptions per event, 10 events a batch),
// then claims of up to 512 and completions of the same batches. The
// metrics give each stage's cost per delivery.
func benchDeliveries(b *testing.B, s store.Store) {
	ctx := context.Background()
	subs := make([]string, 100)
	for i := range subs {
		sub := &store.Subscription{ID: newUUID(), Name: fmt.Sprint(i), URL: "https://example.com", Method: "POST",
			ContentType: "application/json", MaxAttempts: 3, Active: true, Events: []string{"*"}, Secret: "x",
			CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := s.SubscriptionCreate(ctx, sub); err != nil {
			b.Fatal(err)
		}
		subs[i] = sub.ID
	}
	events := max(b.N/len(subs), 1)
	b.ResetTimer()
	t0 := time.Now()
	for done := 0; done < events; done += 10 {
		var batch []store.EventWithRuns
		for range min(10, events-done) {
			ew := store.EventWithRuns{Event: &engine.Event{ID: newUUID(), Type: "post.created", Raw: []byte(`{"a":1}`), ReceivedAt: time.Now()}}
			for _, id := range subs {
				ew.Deliveries = append(ew.Deliveries, store.DeliveryCreate{ID: newUUID(), SubscriptionID: id})
			}
			batch = append(batch, ew)
		}
		if _, err := s.Accept(ctx, store.AcceptParams{Events: batch}); err != nil {
			b.Fatal(err)
		}
	}
	accept := time.Since(t0)
	var claim, complete time.Duration
	n := 0
	for {
		t1 := time.Now()
		jobs, err := s.DeliveryClaim(ctx, store.DeliveryClaimParams{Owner: "bench", Limit: 512, PerSubscription: 64})
		if err != nil {
			b.Fatal(err)
		}
		claim += time.Since(t1)
		if len(jobs) == 0 {
			break
		}
		rs := make([]store.DeliveryResult, len(jobs))
		for i, j := range jobs {
			rs[i] = store.DeliveryResult{ID: j.ID, SubscriptionID: j.Subscription.ID, Attempt: j.Attempt, Owner: "bench",
				Status: store.DeliverySucceeded, Healthy: true,
				Record: store.DeliveryAttempt{StartedAt: time.Now(), DurationMS: 1, Status: 200, Response: []byte(`{"ok":true}`)}}
		}
		t2 := time.Now()
		if _, err := s.DeliveryComplete(ctx, store.DeliveryCompleteParams{Results: rs, Owner: "bench"}); err != nil {
			b.Fatal(err)
		}
		complete += time.Since(t2)
		n += len(jobs)
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
	b.ReportMetric(per(accept), "accept-µs/delivery")
	b.ReportMetric(per(claim), "claim-µs/delivery")
	b.ReportMetric(per(complete), "complete-µs/delivery")
	b.ReportMetric(float64(n)/(accept+claim+complete).Seconds(), "deliveries/s")
}

func newUUID() string { return uuid.Must(uuid.NewV7()).String() }

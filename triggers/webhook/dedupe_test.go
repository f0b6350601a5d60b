package webhook

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestSameDeliveryIDTenTimesInARow(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil, hookWorkflow("orders", "path: orders"))
	var firstID string
	for i := range 10 {
		got := s.srv.send(t, "POST", "orders", fmt.Sprintf(`{"try":%d}`, i),
			map[string]string{"Content-Type": "application/json", "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"})
		m := got.json(t)
		switch {
		case i == 0 && got.status == 202:
			firstID = m["id"].(string)
		case i > 0 && got.status == 200 && m["id"] == firstID && m["duplicate"] == true:
		default:
			t.Fatalf("request %d: %d %s", i, got.status, got.body)
		}
	}
	if n := s.countRuns(t, "orders"); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
	ev, err := s.store.EventGet(context.Background(), firstID)
	if err != nil || ev.DedupeKey != "hook:orders:72d3162e-cc78-11e3-81ab-4c9367dc0958" {
		t.Fatalf("event %+v, %v", ev, err)
	}
}

func TestSameDeliveryIDHundredAtOnce(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil, hookWorkflow("orders", "path: orders"), hookWorkflow("audit", "path: orders"))
	const n, workers = 100, 25
	type result struct {
		rep reply
		err error
	}
	results := make(chan result, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				rep, err := s.srv.trySend("POST", "orders", fmt.Sprintf(`{"n":%d}`, i),
					map[string]string{"Content-Type": "application/json", "webhook-id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"})
				results <- result{rep, err}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(results)
	accepted, duplicates := 0, 0
	ids := map[string]bool{}
	for r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		switch r.rep.status {
		case 202:
			accepted++
		case 200:
			duplicates++
		default:
			t.Fatalf("%d %s", r.rep.status, r.rep.body)
		}
		ids[r.rep.json(t)["id"].(string)] = true
	}
	if accepted != 1 || duplicates != n-1 || len(ids) != 1 {
		t.Fatalf("%d accepted, %d duplicates, %d distinct ids; want 1, %d, 1", accepted, duplicates, len(ids), n-1)
	}
	if a, b := s.countRuns(t, "orders"), s.countRuns(t, "audit"); a != 1 || b != 1 {
		t.Fatalf("runs: orders %d, audit %d; want one each", a, b)
	}
}

func TestDedupeExpression(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil, hookWorkflow("crm", "path: crm\ndedupe: event.query.contact_id"))
	send := func(q string) reply { return s.srv.send(t, "GET", "crm?"+q, "", nil) }
	if got := send("contact_id=7&type=add"); got.status != 202 {
		t.Fatalf("%d %s", got.status, got.body)
	}
	if got := send("contact_id=7&type=update"); got.status != 200 {
		t.Fatalf("same contact: %d %s", got.status, got.body)
	}
	if got := send("contact_id=8"); got.status != 202 {
		t.Fatalf("another contact: %d %s", got.status, got.body)
	}
	// No value: stored without a key, never refused.
	for range 2 {
		if got := send("type=ping"); got.status != 202 {
			t.Fatalf("no delivery id: %d %s", got.status, got.body)
		}
	}
	// A delivery header wins over the expression.
	if got := s.srv.send(t, "GET", "crm?contact_id=7", "", map[string]string{"Idempotency-Key": "k"}); got.status != 202 {
		t.Fatalf("header id: %d %s", got.status, got.body)
	}
	if n := s.countRuns(t, "crm"); n != 5 {
		t.Fatalf("%d runs, want 5", n)
	}
}

func TestDedupeKey(t *testing.T) {
	t.Parallel()
	if got := dedupeKey("p", "abc"); got != "hook:p:abc" {
		t.Fatal(got)
	}
	long := strings.Repeat("x", maxDeliveryID+1)
	if got := dedupeKey("p", long); !strings.HasPrefix(got, "hook:p:sha256:") || len(got) != len("hook:p:sha256:")+64 {
		t.Fatal(got)
	}
	if headerDeliveryID(map[string]string{"idempotency-key": " k ", "x-shopify-webhook-id": "s"}) != "s" {
		t.Fatal("x-shopify-webhook-id comes before idempotency-key")
	}
}

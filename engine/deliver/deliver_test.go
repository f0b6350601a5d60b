package deliver

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/signature"
	"github.com/hookflow/hookflow/engine/store"
)

// TestSignedDelivery: a loopback receiver checks both signatures (SPEC
// 3.5), the body's fields and the custom headers, for JSON and form
// bodies and for plain and whsec_ secrets.
func TestSignedDelivery(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, secret, ctype string }{
		{"json plain secret", "s3cret-value", ContentJSON},
		{"json whsec secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", ContentJSON},
		{"form plain secret", "s3cret-value", ContentForm},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := openStore(t)
			var mu sync.Mutex
			var problems []string
			fail := func(msg string) { mu.Lock(); problems = append(problems, msg); mu.Unlock() }
			rc := newReceiver(t, func(_ int, r *http.Request) int { return http.StatusOK })
			d := start(t, st, nil)
			sub := addSub(t, st, rc.srv.URL+"/in", func(s *store.Subscription) {
				s.Secret, s.ContentType, s.Headers = c.secret, c.ctype, map[string]string{"X-Team": "blue"}
			})
			ids := publish(t, st, d, time.Now(), "post.created", map[string]any{"title": "Hi", "n": 2}, sub)
			waitFor(t, 5*time.Second, "the delivery", func() bool { _, ok := finished(t, st, ids[0]); return ok })
			hits := rc.got()
			if len(hits) != 1 {
				t.Fatalf("%d requests, want 1", len(hits))
			}
			h := hits[0]
			for _, scheme := range []signature.Scheme{signature.HMACSHA256, signature.StandardWebhooks} {
				v := &signature.Verifier{Scheme: scheme, Secret: c.secret}
				if err := v.Verify(h.header, h.body); err != nil {
					fail(string(scheme) + ": " + err.Error())
				}
			}
			if got := h.header.Get("webhook-id"); got != ids[0] {
				fail("webhook-id " + got + ", want the delivery id")
			}
			if h.header.Get("X-Team") != "blue" || h.header.Get("Content-Type") != c.ctype {
				fail("headers " + h.header.Get("X-Team") + " " + h.header.Get("Content-Type"))
			}
			fields := bodyFields(t, c.ctype, h.body)
			if fields["type"] != "post.created" || fields["id"] == "" || fields["data"] != `{"n":2,"title":"Hi"}` {
				fail("body fields " + strings.Join([]string{fields["id"], fields["type"], fields["data"]}, " "))
			}
			if _, err := time.Parse(time.RFC3339, fields["timestamp"]); err != nil {
				fail("timestamp: " + err.Error())
			}
			if del, _ := finished(t, st, ids[0]); del.Status != store.DeliverySucceeded {
				fail("status " + del.Status)
			}
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}

// bodyFields decodes a delivery body into id, type, timestamp and data
// (data as compact JSON text).
func bodyFields(t *testing.T, ctype string, body []byte) map[string]string {
	t.Helper()
	if ctype == ContentForm {
		v, err := url.ParseQuery(string(body))
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"id": v.Get("id"), "type": v.Get("type"), "timestamp": v.Get("timestamp"), "data": v.Get("data")}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	out := map[string]string{"data": string(m["data"])}
	for _, k := range []string{"id", "type", "timestamp"} {
		var s string
		_ = json.Unmarshal(m[k], &s)
		out[k] = s
	}
	return out
}

// TestAttemptsAreExact: a receiver that always fails gets exactly
// max_attempts requests, all with the same webhook-id, each recorded; a
// permanent failure (400) is not retried at all.
func TestAttemptsAreExact(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		status, max int
		want        int
	}{
		{"500 once", 500, 1, 1},
		{"500 three times", 500, 3, 3},
		{"503 five times", 503, 5, 5},
		{"400 is permanent", 400, 5, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := openStore(t)
			rc := newReceiver(t, func(int, *http.Request) int { return c.status })
			d := start(t, st, nil)
			sub := addSub(t, st, rc.srv.URL, func(s *store.Subscription) { s.MaxAttempts = c.max })
			id := publish(t, st, d, time.Now(), "post.created", 1, sub)[0]
			var del *store.Delivery
			waitFor(t, 10*time.Second, "the delivery to fail", func() bool { var ok bool; del, ok = finished(t, st, id); return ok })
			time.Sleep(50 * time.Millisecond) // room for an attempt too many
			hits := rc.got()
			if del.Status != store.DeliveryFailed || len(hits) != c.want || del.Attempts != c.want {
				t.Fatalf("status %s, %d requests, %d attempts; want failed after %d", del.Status, len(hits), del.Attempts, c.want)
			}
			for _, h := range hits {
				if h.header.Get("webhook-id") != id {
					t.Fatalf("webhook-id %q, want %q on every attempt", h.header.Get("webhook-id"), id)
				}
			}
			atts, err := st.DeliveryAttemptList(context.Background(), id)
			if err != nil || len(atts) != c.want || atts[0].Status != c.status || atts[0].Error == "" || string(atts[0].Response) != `{"ok":true}` {
				t.Fatalf("attempts %+v, %v", atts, err)
			}
		})
	}
}

// TestRetryThenSuccess: a receiver that fails twice then succeeds gets
// three requests, and the delivery succeeds.
func TestRetryThenSuccess(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	rc := newReceiver(t, func(n int, _ *http.Request) int {
		if n < 2 {
			return http.StatusBadGateway
		}
		return http.StatusNoContent
	})
	d := start(t, st, nil)
	sub := addSub(t, st, rc.srv.URL, func(s *store.Subscription) { s.MaxAttempts = 5 })
	id := publish(t, st, d, time.Now(), "post.created", 1, sub)[0]
	var del *store.Delivery
	waitFor(t, 10*time.Second, "the delivery", func() bool { var ok bool; del, ok = finished(t, st, id); return ok })
	if del.Status != store.DeliverySucceeded || del.Attempts != 3 || len(rc.got()) != 3 || del.LastStatus != 204 {
		t.Fatalf("delivery %+v after %d requests", del, len(rc.got()))
	}
}

// TestInactiveGetsNothing: deliveries of an inactive subscription
// wait; nothing reaches its endpoint.
func TestInactiveGetsNothing(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	rc := newReceiver(t, nil)
	d := start(t, st, nil)
	off := addSub(t, st, rc.srv.URL+"/off", func(s *store.Subscription) { s.Active = false })
	on := addSub(t, st, rc.srv.URL+"/on", nil)
	ids := publish(t, st, d, time.Now(), "post.created", 1, off, on)
	waitFor(t, 5*time.Second, "the active delivery", func() bool { _, ok := finished(t, st, ids[1]); return ok })
	time.Sleep(100 * time.Millisecond)
	for _, h := range rc.got() {
		if h.header.Get("webhook-id") == ids[0] {
			t.Fatal("an inactive subscription got a delivery")
		}
	}
	if del, _ := finished(t, st, ids[0]); del.Status != store.DeliveryPending || del.Attempts != 0 {
		t.Fatalf("the inactive subscription's delivery: %+v", del)
	}
}

// TestGoneDeactivates: a 410 answer deactivates the subscription with a
// reason and notifies once.
func TestGoneDeactivates(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	rc := newReceiver(t, func(int, *http.Request) int { return http.StatusGone })
	notices := make(chan *store.Subscription, 4)
	d := start(t, st, func(c *Config) {
		c.Notify = func(_ context.Context, s *store.Subscription) error { notices <- s; return nil }
	})
	sub := addSub(t, st, rc.srv.URL, func(s *store.Subscription) { s.MaxAttempts = 5 })
	publish(t, st, d, time.Now(), "post.created", 1, sub)
	select {
	case got := <-notices:
		if got.ID != sub.ID || got.Active || got.DisabledReason != "the endpoint answered 410 Gone" {
			t.Fatalf("notice %+v", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no notice")
	}
	waitFor(t, 5*time.Second, "the notice to be recorded", func() bool {
		s, err := st.SubscriptionGet(context.Background(), sub.ID)
		return err == nil && !s.NoticePending
	})
	publish(t, st, d, time.Now(), "post.created", 2, sub)
	time.Sleep(100 * time.Millisecond)
	if n := len(rc.got()); n != 1 {
		t.Fatalf("%d requests reached a gone endpoint, want 1", n)
	}
}

// TestDisableAfterFailingPeriod moves an injected clock: a subscription
// whose attempts all failed for DisableAfter is deactivated; one success
// restarts the clock.
func TestDisableAfterFailingPeriod(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	type step struct {
		at      time.Duration
		status  int
		disable bool
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"failing for the whole period", []step{{0, 500, false}, {4 * day, 500, false}, {5 * day, 500, true}}},
		{"a success restarts the clock", []step{{0, 500, false}, {day, 200, false}, {2 * day, 500, false},
			{6 * day, 500, false}, {7 * day, 503, true}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := openStore(t)
			clock := &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
			t0 := clock.Now()
			var status sync.Map
			rc := newReceiver(t, func(_ int, r *http.Request) int { v, _ := status.Load("s"); return v.(int) })
			notices := make(chan *store.Subscription, 4)
			d := start(t, st, func(c *Config) {
				c.Now = clock.Now
				c.Notify = func(_ context.Context, s *store.Subscription) error { notices <- s; return nil }
			})
			sub := addSub(t, st, rc.srv.URL, nil)
			for i, s := range c.steps {
				clock.Set(t0.Add(s.at))
				status.Store("s", s.status)
				id := publish(t, st, d, clock.Now(), "post.created", i, sub)[0]
				waitFor(t, 5*time.Second, "the delivery", func() bool { _, ok := finished(t, st, id); return ok })
				got, _ := st.SubscriptionGet(context.Background(), sub.ID)
				if got.Active == s.disable {
					t.Fatalf("step %d (day %v): active = %v", i, s.at/day, got.Active)
				}
			}
			select {
			case n := <-notices:
				if !strings.Contains(n.DisabledReason, "failed for 5 days") {
					t.Fatalf("reason %q", n.DisabledReason)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no notice")
			}
		})
	}
}

// TestTestSend: Test attempts at once and reports the outcome.
func TestTestSend(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	rc := newReceiver(t, func(int, *http.Request) int { return http.StatusAccepted })
	d := start(t, st, nil)
	sub := addSub(t, st, rc.srv.URL, func(s *store.Subscription) { s.Active = false })
	ev := testEvent()
	id, res, err := d.Test(context.Background(), sub, ev)
	if err != nil || res.Status != store.DeliverySucceeded || res.Record.Status != http.StatusAccepted || len(rc.got()) != 1 {
		t.Fatalf("test = %+v, %v", res, err)
	}
	if del, ok := finished(t, st, id); !ok || del.Status != store.DeliverySucceeded || del.EventType != "test" {
		t.Fatalf("stored %+v", del)
	}
}

// testEvent is a test event as the server sends it.
func testEvent() *engine.Event {
	return &engine.Event{Type: "test", Raw: []byte(`{"message":"a test event from hookflow"}`)}
}

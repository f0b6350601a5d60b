package webhook

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

// replyWorkflow answers its request from a respond step that needs an
// earlier step.
const replyWorkflow = `name: reply
on:
  webhook:
    path: reply
    respond: wait
    wait_timeout: 15s
steps:
  - id: compute
    uses: transform
    with: { values: { name: "${{ event.body.name }}" } }
  - id: answer
    uses: respond
    with:
      status: 201
      headers: { X-Answer: "yes" }
      body: { hello: "${{ steps.compute.output.name }}" }
`

// textWorkflow answers at once with a text body and its own type.
const textWorkflow = `name: text
on:
  webhook:
    path: text
    respond: wait
steps:
  - id: answer
    uses: respond
    with:
      headers: { Content-Type: "text/csv" }
      body: "a,b\n${{ event.query.n }},2"
`

// silentWorkflow waits for an answer that never comes.
const silentWorkflow = `name: silent
on:
  webhook:
    path: silent
    respond: wait
    wait_timeout: 300ms
steps:
  - id: nothing
    uses: transform
    with: { values: { x: 1 } }
`

func TestRespondWaitAnswersWithTheRespondStep(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil, replyWorkflow, textWorkflow)
	for i := range 5 {
		name := fmt.Sprintf("Ada-%d", i)
		got := s.srv.send(t, "POST", "reply", `{"name":"`+name+`"}`, map[string]string{"Content-Type": "application/json"})
		if got.status != 201 || got.header.Get("X-Answer") != "yes" || got.header.Get("Content-Type") != "application/json" {
			t.Fatalf("%d %v %s", got.status, got.header, got.body)
		}
		if m := got.json(t); m["hello"] != name || len(m) != 1 {
			t.Fatalf("body %s", got.body)
		}
	}
	got := s.srv.send(t, "GET", "text?n=7", "", nil)
	if got.status != 200 || got.body != "a,b\n7,2" || got.header.Get("Content-Type") != "text/csv" {
		t.Fatalf("%d %q %v", got.status, got.body, got.header)
	}
	for _, r := range s.in.all() {
		if r.Verdict != "accepted" || r.EventID == "" || len(r.RunIDs) != 1 {
			t.Fatalf("record %+v", r)
		}
	}
}

func TestRespondWaitTimesOutWith504(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil, silentWorkflow)
	got := s.srv.send(t, "POST", "silent", "x", nil)
	if got.status != 504 {
		t.Fatalf("%d %s", got.status, got.body)
	}
	m := got.json(t)
	if got.errorSentence(t) != "the run did not respond within 300ms" {
		t.Fatalf("body %s", got.body)
	}
	id, _ := m["id"].(string)
	if _, err := s.store.EventGet(context.Background(), id); err != nil {
		t.Fatalf("the event of a 504 must be stored: %v", err)
	}
	if r := s.in.all()[0]; r.Status != 504 || r.EventID != id || r.Verdict != "the run did not respond within 300ms" {
		t.Fatalf("record %+v", r)
	}
}

func TestRespondWaitNoticesARunThatFinishedWithoutAnswer(t *testing.T) {
	t.Parallel()
	s := newStack(t, func(o *Options, st store.Store) {
		o.RunDone = func(ctx context.Context, runID string) (bool, error) {
			r, err := st.RunGet(ctx, runID)
			if err != nil {
				return false, err
			}
			return r.FinishedAt != nil, nil
		}
	}, `name: silent
on: { webhook: { path: silent, respond: wait, wait_timeout: 1m } }
steps:
  - { id: nothing, uses: transform, with: { values: { x: 1 } } }
`)
	start := time.Now()
	got := s.srv.send(t, "POST", "silent", "x", nil)
	if got.status != 502 || got.errorSentence(t) != "the run finished without a respond step" {
		t.Fatalf("%d %s", got.status, got.body)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("took %s", d)
	}
}

func TestWaitersKeepEarlyAnswers(t *testing.T) {
	t.Parallel()
	now := testNow
	w := newWaiters(func() time.Time { return now }, time.Minute, 2, 1000)
	if w.Respond("r1", engine.Response{Status: 201}) {
		t.Fatal("nobody waits for r1 yet")
	}
	w.Respond("r1", engine.Response{Status: 500}) // the first answer wins
	ch, cancel := w.register("r1")
	if got := <-ch; got.Status != 201 {
		t.Fatalf("early answer %d, want 201", got.Status)
	}
	cancel()

	// Expired after a minute.
	w.Respond("r2", engine.Response{Status: 202})
	now = now.Add(time.Minute + time.Second)
	ch, cancel = w.register("r2")
	select {
	case got := <-ch:
		t.Fatalf("an expired answer was kept: %v", got)
	default:
	}
	// Registered: the answer goes straight to the waiter.
	if !w.Respond("r2", engine.Response{Status: 203}) {
		t.Fatal("Respond did not see the waiter")
	}
	if got := <-ch; got.Status != 203 {
		t.Fatalf("got %d", got.Status)
	}
	cancel()

	// Bounded: the oldest kept answer is dropped.
	for _, id := range []string{"a", "b", "c"} {
		w.Respond(id, engine.Response{Status: 200})
	}
	w.mu.Lock()
	_, hasA := w.early["a"]
	n := len(w.early)
	w.mu.Unlock()
	if hasA || n != 2 {
		t.Fatalf("kept %d answers, a kept: %v", n, hasA)
	}

	// Bounded in bytes: a big answer pushes the older ones out, and one
	// over the whole budget is not kept at all.
	w.Respond("big", engine.Response{Body: strings.Repeat("x", 900)})
	w.Respond("huge", engine.Response{Body: strings.Repeat("x", 2000)})
	w.mu.Lock()
	_, hasBig := w.early["big"]
	_, hasHuge := w.early["huge"]
	n, bytes := len(w.early), w.bytes
	w.mu.Unlock()
	if !hasBig || hasHuge || n != 1 || bytes != 964 {
		t.Fatalf("kept %d answers of %d bytes; big %v, huge %v", n, bytes, hasBig, hasHuge)
	}

	// A cancelled waiter is gone.
	_, cancel = w.register("gone")
	cancel()
	if w.Respond("gone", engine.Response{}) {
		t.Fatal("Respond reached a cancelled waiter")
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		10 * time.Second: "10s", 300 * time.Millisecond: "300ms", 90 * time.Second: "1m30s",
		2 * time.Minute: "2m", time.Hour: "1h", 90 * time.Minute: "1h30m",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

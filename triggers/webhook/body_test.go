package webhook

import (
	"context"
	"net/http"
	"reflect"
	"testing"
)

// echoWorkflow echoes the event's fields from a transform step.
const echoWorkflow = `name: echo
on:
  webhook:
    path: in/echo
steps:
  - id: echo
    uses: transform
    with:
      values:
        type: "${{ event.type }}"
        method: "${{ event.method }}"
        path: "${{ event.path }}"
        body: "${{ event.body }}"
        query: "${{ event.query }}"
        agent: "${{ event.headers['x-agent'] }}"
`

func TestBodiesReachEventBodyAndQuery(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil, echoWorkflow)
	tests := []struct {
		name        string
		method      string
		query       string
		contentType string
		body        string
		wantBody    any
		wantQuery   map[string]any
		bodyIsRaw   bool // stored once, as raw
	}{
		{name: "JSON", method: "POST", contentType: "application/json", body: `{"type":"purchase","total":12.5,"items":[{"sku":"a"}]}`,
			wantBody: map[string]any{"type": "purchase", "total": 12.5, "items": []any{map[string]any{"sku": "a"}}}, bodyIsRaw: true},
		{name: "JSON with a +json type", method: "POST", contentType: "application/vnd.api+json", body: `[1,2]`,
			wantBody: []any{1.0, 2.0}, bodyIsRaw: true},
		{name: "form", method: "POST", contentType: "application/x-www-form-urlencoded", body: "email=a%40b.c&tag=x&tag=y",
			wantBody: map[string]any{"email": "a@b.c", "tag": "x"}},
		{name: "text", method: "POST", contentType: "text/plain; charset=utf-8", body: "hello, wörld",
			wantBody: "hello, wörld"},
		{name: "no content type", method: "PUT", body: "<xml/>", wantBody: "<xml/>"},
		{name: "GET with only a query", method: "GET", query: "?type=add&list_id=42&firstname=Ada&type=ignored",
			wantBody: nil, wantQuery: map[string]any{"type": "add", "list_id": "42", "firstname": "Ada"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{"X-Agent": {"test"}}
			if tt.contentType != "" {
				h.Set("Content-Type", tt.contentType)
			}
			got := s.srv.sendHeader(t, tt.method, "in/echo"+tt.query, tt.body, h)
			if got.status != 202 {
				t.Fatalf("%d %s", got.status, got.body)
			}
			id := got.json(t)["id"].(string)
			ev, err := s.store.EventGet(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Type != "webhook" || ev.Method != tt.method || ev.Path != "in/echo" || string(ev.Raw) != tt.body {
				t.Fatalf("stored event %+v", ev)
			}
			if !reflect.DeepEqual(ev.Body, tt.wantBody) || ev.BodyIsRaw != tt.bodyIsRaw {
				t.Fatalf("event.body %#v (BodyIsRaw %v), want %#v (%v)", ev.Body, ev.BodyIsRaw, tt.wantBody, tt.bodyIsRaw)
			}
			runs := s.runsOf(t, id)
			r, steps := s.finished(t, runs[0])
			if r.Status != "succeeded" {
				t.Fatalf("run %s: %s", r.Status, r.Error)
			}
			out := steps["echo"].Output.(map[string]any)
			want := map[string]any{"type": "webhook", "method": tt.method, "path": "in/echo", "body": tt.wantBody, "agent": "test",
				"query": tt.wantQuery}
			if tt.wantQuery == nil {
				want["query"] = map[string]any{}
			}
			if !reflect.DeepEqual(out, want) {
				t.Fatalf("the step saw %#v, want %#v", out, want)
			}
		})
	}
}

func TestEventHeadersAndRawAreCopied(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	srv := serve(t, Options{Dispatcher: rec}, targets(t, hookWorkflow("plain", "path: a/b/c")))
	h := http.Header{"X-Multi": {"one", "two"}, "X-Single": {"v"}}
	bodies := []string{"first body AAAAAAAA", "second body BBBBBBB", "third"}
	for _, b := range bodies {
		if got := srv.sendHeader(t, "POST", "a/b/c/?q=1&q=2", b, h); got.status != 202 {
			t.Fatalf("%d %s", got.status, got.body)
		}
	}
	evs, _ := rec.stored()
	for i, ev := range evs {
		// fiber reuses its buffers: each event must keep its own bytes.
		if string(ev.Raw) != bodies[i] || ev.Body != bodies[i] {
			t.Fatalf("event %d raw %q body %v, want %q", i, ev.Raw, ev.Body, bodies[i])
		}
		if ev.Path != "a/b/c" || ev.Headers["x-multi"] != "one, two" || ev.Headers["x-single"] != "v" || ev.Query["q"] != "1" {
			t.Fatalf("event %d: path %q headers %v query %v", i, ev.Path, ev.Headers, ev.Query)
		}
		if ev.ReceivedAt != testNow {
			t.Fatalf("received at %v", ev.ReceivedAt)
		}
	}
}

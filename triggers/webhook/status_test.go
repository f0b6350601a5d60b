package webhook

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/signature"
)

// testEnv holds the secrets the test workflows read.
var testEnv = map[string]string{"SECRET": "s3cret-value-123", "TOKEN": "meta-token-456"}

// statusWorkflows are the workflows of the status-code tests, one per
// path.
func statusWorkflows(t *testing.T) []string {
	t.Helper()
	return []string{
		hookWorkflow("plain", "path: plain"),
		hookWorkflow("post-only", "path: post\nmethods: [POST]"),
		hookWorkflow("small", "path: small\nmax_body: 1KiB"),
		hookWorkflow("signed", `path: signed
verify: { scheme: hmac-sha256, secret: "${{ env.SECRET }}" }`),
		hookWorkflow("meta", `path: meta
methods: [POST]
verify_token: "${{ env.TOKEN }}"`),
	}
}

// statusCase is one request of TestStatusCodes and what it must cause.
type statusCase struct {
	name     string
	opts     func(*Options, *recorder)
	method   string
	path     string
	body     string
	headers  map[string]string
	status   int
	sentence string    // the error sentence; "" for a success
	header   [2]string // a header the answer carries
	stored   int       // events dispatched
}

func TestStatusCodes(t *testing.T) {
	t.Parallel()
	signedBody := `{"order":1}`
	tests := []statusCase{
		{name: "202 JSON", method: "POST", path: "plain", body: `{"a":1}`,
			headers: map[string]string{"Content-Type": "application/json"}, status: 202, stored: 1},
		{name: "202 GET with only a query", method: "GET", path: "plain?type=add&list_id=7", status: 202, stored: 1},
		{name: "202 signed", method: "POST", path: "signed", body: signedBody,
			headers: map[string]string{"X-Signature": signature.SignHex(testEnv["SECRET"], []byte(signedBody))}, status: 202, stored: 1},
		{name: "404 unknown path", method: "POST", path: "nope/deeper", status: 404,
			sentence: "no workflow listens on /hooks/nope/deeper"},
		{name: "405 method", method: "PUT", path: "post", status: 405,
			sentence: "method PUT is not allowed on /hooks/post: use POST", header: [2]string{"Allow", "POST"}},
		{name: "413 body over max_body", method: "POST", path: "small", body: strings.Repeat("x", 2048), status: 413,
			sentence: "the body of 2 KiB is over the limit of 1 KiB"},
		{name: "415 multipart", method: "POST", path: "plain", body: "--b\r\n\r\nx\r\n--b--\r\n",
			headers: map[string]string{"Content-Type": "multipart/form-data; boundary=b"}, status: 415,
			sentence: "content type multipart/form-data is not accepted: send JSON, a form or text"},
		{name: "415 binary body", method: "POST", path: "plain", body: "\xff\xfe\x00\x01", status: 415,
			sentence: "content type application/octet-stream is not accepted: send JSON, a form or text"},
		{name: "400 invalid JSON", method: "POST", path: "plain", body: `{"a":`,
			headers: map[string]string{"Content-Type": "application/json"}, status: 400,
			sentence: "body is not valid JSON: unexpected end of JSON input"},
		{name: "401 missing signature", method: "POST", path: "signed", body: signedBody, status: 401,
			sentence: "missing X-Signature header"},
		{name: "401 bad signature", method: "POST", path: "signed", body: signedBody,
			headers: map[string]string{"X-Signature": strings.Repeat("ab", 32)}, status: 401,
			sentence: "signature does not match"},
		{name: "403 wrong verify_token", method: "GET", path: "meta?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=42",
			status: 403, sentence: "hub.verify_token does not match"},
		{name: "503 draining", opts: func(o *Options, _ *recorder) { o.Draining = func() bool { return true } },
			method: "POST", path: "plain", body: "x", status: 503,
			sentence: "the server is shutting down; retry later", header: [2]string{"Retry-After", "5"}},
		{name: "503 storage unavailable", opts: func(_ *Options, d *recorder) { d.err = errStorage },
			method: "POST", path: "plain", body: "x", status: 503,
			sentence: "the event could not be stored; retry later", header: [2]string{"Retry-After", "5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.check(t)
		})
	}
}

// check sends the case's request to a fresh server and checks the answer,
// the events stored and the inspector's record.
func (tt statusCase) check(t *testing.T) {
	t.Helper()
	rec := &recorder{}
	in := &inspector{}
	opts := Options{Dispatcher: rec, Env: testEnv, Inspect: in.add}
	if tt.opts != nil {
		tt.opts(&opts, rec)
	}
	srv := serve(t, opts, targets(t, statusWorkflows(t)...))
	got := srv.send(t, tt.method, tt.path, tt.body, tt.headers)
	if got.status != tt.status {
		t.Fatalf("status %d %q, want %d", got.status, got.body, tt.status)
	}
	if tt.sentence != "" {
		if s := got.errorSentence(t); s != tt.sentence {
			t.Fatalf("error %q, want %q", s, tt.sentence)
		}
		if ct := got.header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
	} else if id, _ := got.json(t)["id"].(string); id != "ev1" {
		t.Fatalf("answer %q, want the event id ev1", got.body)
	}
	if tt.header[0] != "" && got.header.Get(tt.header[0]) != tt.header[1] {
		t.Fatalf("%s = %q, want %q", tt.header[0], got.header.Get(tt.header[0]), tt.header[1])
	}
	if evs, _ := rec.stored(); len(evs) != tt.stored {
		t.Fatalf("%d events stored, want %d", len(evs), tt.stored)
	}
	recs := in.all()
	if len(recs) != 1 || recs[0].Status != tt.status {
		t.Fatalf("inspector records %+v, want one with status %d", recs, tt.status)
	}
	want := "accepted"
	if tt.sentence != "" {
		want = tt.sentence
	}
	if recs[0].Verdict != want {
		t.Fatalf("verdict %q, want %q", recs[0].Verdict, want)
	}
	for _, secret := range testEnv {
		if strings.Contains(got.body, secret) || strings.Contains(got.header.Get("Allow"), secret) {
			t.Fatalf("answer holds a secret: %q", got.body)
		}
	}
}

func TestDuplicateAnswers200WithTheFirstID(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	srv := serve(t, Options{Dispatcher: rec}, targets(t, hookWorkflow("plain", "path: plain")))
	h := map[string]string{"Idempotency-Key": "k-1"}
	first := srv.send(t, "POST", "plain", "a", h)
	second := srv.send(t, "POST", "plain", "b", h)
	if first.status != 202 || second.status != 200 {
		t.Fatalf("statuses %d, %d; want 202, 200", first.status, second.status)
	}
	if m := second.json(t); m["id"] != first.json(t)["id"] || m["duplicate"] != true {
		t.Fatalf("duplicate answer %q, first %q", second.body, first.body)
	}
	evs, _ := rec.stored()
	if len(evs) != 1 || evs[0].DedupeKey != "hook:plain:k-1" {
		t.Fatalf("stored %d events, key %q", len(evs), evs[0].DedupeKey)
	}
}

func TestRateLimitPerPath(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(testNow.UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	in := &inspector{}
	srv := serve(t, Options{Dispatcher: &recorder{}, RateLimit: 0.5, RateBurst: 1, Now: clock, Inspect: in.add},
		targets(t, hookWorkflow("a", "path: a"), hookWorkflow("b", "path: b")))
	if got := srv.send(t, "POST", "a", "x", nil); got.status != 202 {
		t.Fatalf("first request: %d %s", got.status, got.body)
	}
	got := srv.send(t, "POST", "a", "x", nil)
	if got.status != 429 || got.header.Get("Retry-After") != "2" {
		t.Fatalf("second request: %d Retry-After %q, want 429 with Retry-After 2", got.status, got.header.Get("Retry-After"))
	}
	if s := got.errorSentence(t); s != "/hooks/a is over its rate limit; retry in 2 s" {
		t.Fatalf("error %q", s)
	}
	if got := srv.send(t, "POST", "b", "x", nil); got.status != 202 {
		t.Fatalf("another path shares the limit: %d", got.status)
	}
	// A reload keeps the bucket: the limit is not reset by Load.
	if err := srv.tr.Load(targets(t, hookWorkflow("a", "path: a"), hookWorkflow("b", "path: b"))); err != nil {
		t.Fatal(err)
	}
	if got := srv.send(t, "POST", "a", "x", nil); got.status != 429 {
		t.Fatalf("after a reload: %d, want 429", got.status)
	}
	now.Add(int64(2 * time.Second))
	if got := srv.send(t, "POST", "a", "x", nil); got.status != 202 {
		t.Fatalf("after the wait: %d, want 202", got.status)
	}
}

func TestInFlightBound(t *testing.T) {
	t.Parallel()
	rec := &recorder{block: make(chan struct{}), entered: make(chan struct{}, 1)}
	srv := serve(t, Options{Dispatcher: rec, MaxInFlight: 1}, targets(t, hookWorkflow("plain", "path: plain")))
	var wg sync.WaitGroup
	var first reply
	var firstErr error
	wg.Go(func() { first, firstErr = srv.trySend("POST", "plain", "x", nil) })
	select {
	case <-rec.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first request never reached Dispatch")
	}
	got := srv.send(t, "POST", "plain", "y", nil)
	close(rec.block)
	wg.Wait()
	if got.status != 503 || got.header.Get("Retry-After") != "1" {
		t.Fatalf("second request: %d Retry-After %q, want 503 with Retry-After 1", got.status, got.header.Get("Retry-After"))
	}
	if s := got.errorSentence(t); s != "too many requests are being handled; retry later" {
		t.Fatalf("error %q", s)
	}
	if firstErr != nil || first.status != 202 {
		t.Fatalf("first request: %v %d", firstErr, first.status)
	}
	if got := srv.send(t, "POST", "plain", "z", nil); got.status != 202 {
		t.Fatalf("the slot was not given back: %d", got.status)
	}
}

func TestStorageFailureWithARealStore(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil, hookWorkflow("orders", "path: orders"))
	if got := s.srv.send(t, "POST", "orders", "x", nil); got.status != 202 {
		t.Fatalf("before: %d %s", got.status, got.body)
	}
	if err := s.store.Close(); err != nil {
		t.Fatal(err)
	}
	got := s.srv.send(t, "POST", "orders", "y", nil)
	if got.status != 503 || got.header.Get("Retry-After") != "5" ||
		got.errorSentence(t) != "the event could not be stored; retry later" {
		t.Fatalf("after the store closed: %d %v %s", got.status, got.header, got.body)
	}
}

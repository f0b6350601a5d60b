package webhook

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/hookflow/hookflow/engine/signature"
)

func TestInspectSeesEveryRequestWithItsVerdict(t *testing.T) {
	t.Parallel()
	in := &inspector{}
	srv := serve(t, Options{Dispatcher: &recorder{}, Env: testEnv, Inspect: in.add}, targets(t, statusWorkflows(t)...))
	secret := testEnv["SECRET"]
	token := testEnv["TOKEN"]
	requests := []struct {
		method, path, body string
		headers            map[string]string
		status             int
		verdict            string
	}{
		{"POST", "plain", "a", map[string]string{"Idempotency-Key": "1"}, 202, "accepted"},
		{"POST", "plain", "a", map[string]string{"Idempotency-Key": "1"}, 200, "duplicate"},
		{"POST", "missing", "", nil, 404, "no workflow listens on /hooks/missing"},
		{"DELETE", "post", "", nil, 405, "method DELETE is not allowed on /hooks/post: use POST"},
		{"POST", "signed", "b", nil, 401, "missing X-Signature header"},
		{"POST", "signed", "b", map[string]string{"X-Signature": signature.SignHex(secret, []byte("b"))}, 202, "accepted"},
		{"POST", "small", strings.Repeat("z", 4096), nil, 413, "the body of 4 KiB is over the limit of 1 KiB"},
		{"POST", "plain", "{", map[string]string{"Content-Type": "application/json"}, 400, "body is not valid JSON: unexpected end of JSON input"},
		{"POST", "plain", "\xff", nil, 415, "content type application/octet-stream is not accepted: send JSON, a form or text"},
		{"GET", "meta?hub.mode=subscribe&hub.verify_token=" + token + "&hub.challenge=9", "", nil, 200, "handshake"},
		{"GET", "meta?hub.mode=subscribe&hub.verify_token=x&hub.challenge=9", "", nil, 403, "hub.verify_token does not match"},
		// Secrets sent by a confused client are hidden in the record.
		{"POST", "plain?leak=" + secret, "body with " + secret + " and " + token,
			map[string]string{"X-Gitlab-Token": secret, "Authorization": "Bearer abc", "X-Echo": "pre-" + token}, 202, "accepted"},
	}
	var answers []string
	for _, r := range requests {
		got := srv.send(t, r.method, r.path, r.body, r.headers)
		if got.status != r.status {
			t.Fatalf("%s %s: %d %s, want %d", r.method, r.path, got.status, got.body, r.status)
		}
		answers = append(answers, got.body)
	}
	recs := in.all()
	if len(recs) != len(requests) {
		t.Fatalf("%d records for %d requests", len(recs), len(requests))
	}
	for i, rec := range recs {
		r := requests[i]
		wantPath := strings.SplitN(r.path, "?", 2)[0]
		if rec.Status != r.status || rec.Verdict != r.verdict || rec.Method != r.method || rec.Path != wantPath || rec.At != testNow {
			t.Errorf("record %d: %+v, want %s %s %d %q", i, rec, r.method, wantPath, r.status, r.verdict)
		}
		if (r.verdict == "accepted" || r.verdict == "duplicate") != (rec.EventID != "") {
			t.Errorf("record %d: event id %q", i, rec.EventID)
		}
	}
	if got := recs[8].Body; got != "\uFFFD" {
		t.Errorf("the record of a body that is not UTF-8 shows %q, want the replacement character", got)
	}
	last := recs[len(recs)-1]
	if last.Headers["x-gitlab-token"] != "***" || last.Headers["authorization"] != "***" ||
		last.Headers["x-echo"] != "pre-***" || last.Query["leak"] != "***" || last.Body != "body with *** and ***" {
		t.Fatalf("secrets not hidden: %+v", last)
	}
	all, _ := json.Marshal(recs)
	for _, s := range []string{secret, token} {
		if strings.Contains(string(all), s) {
			t.Fatalf("a record holds a secret: %s", all)
		}
		for _, a := range answers {
			if strings.Contains(a, s) {
				t.Fatalf("an answer holds a secret: %s", a)
			}
		}
	}
}

func TestRecordBodyIsCapped(t *testing.T) {
	t.Parallel()
	in := &inspector{}
	srv := serve(t, Options{Dispatcher: &recorder{}, Inspect: in.add}, targets(t, hookWorkflow("plain", "path: plain")))
	if got := srv.send(t, "POST", "plain", strings.Repeat("q", 100<<10), nil); got.status != 202 {
		t.Fatalf("%d", got.status)
	}
	if n := len(in.all()[0].Body); n != MaxRecordBody {
		t.Fatalf("record body of %d bytes, want %d", n, MaxRecordBody)
	}
}

func TestLoadSwapsRoutesWhileServing(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	srv := serve(t, Options{Dispatcher: rec}, targets(t, hookWorkflow("a", "path: one"), hookWorkflow("b", "path: /two")))
	if got := srv.tr.Paths(); strings.Join(got, ",") != "one,two" {
		t.Fatalf("paths %v", got)
	}
	tgA := targets(t, hookWorkflow("a", "path: one"))
	tgB := targets(t, hookWorkflow("a", "path: one"), hookWorkflow("c", "path: three"), hookWorkflow("d", "path: three"))
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 20 {
				if (i+j)%2 == 0 {
					_ = srv.tr.Load(tgA)
				} else {
					_ = srv.tr.Load(tgB)
				}
			}
		})
		wg.Go(func() {
			for range 10 {
				rep, err := srv.trySend("POST", "one", "x", nil)
				if err != nil || rep.status != 202 {
					t.Errorf("during reloads: %v %d %s", err, rep.status, rep.body)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := srv.tr.Load(tgB); err != nil {
		t.Fatal(err)
	}
	if got := srv.tr.Paths(); strings.Join(got, ",") != "one,three" {
		t.Fatalf("paths %v", got)
	}
	if got := srv.send(t, "POST", "two", "x", nil); got.status != 404 {
		t.Fatalf("a removed path answers %d", got.status)
	}
	if got := srv.send(t, "POST", "three", "x", nil); got.status != 202 {
		t.Fatalf("%d", got.status)
	}
	if _, tgs := rec.stored(); strings.Join(tgs[len(tgs)-1], ",") != "c,d" {
		t.Fatalf("runs %v", tgs[len(tgs)-1])
	}
}

package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/signature"
	"github.com/hookflow/hookflow/engine/store"
)

const subSecret = "sub-s3cret-value-7"

// startSubsApp starts an App whose retry schedule is one millisecond.
func startSubsApp(t *testing.T, dsn string, files map[string]string, mod func(*serveConfig)) *testApp {
	t.Helper()
	return startAppWith(t, dsn, nil, files, func(c *serveConfig) {
		c.File.RetrySchedule = []duration{duration(time.Millisecond)}
		if mod != nil {
			mod(c)
		}
	})
}

// call sends an authenticated JSON request and returns the status and the
// raw answer.
func (a *testApp) call(method, path string, body any) (int, []byte) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.URL()+"/api/v1"+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// callJSON is call with the answer decoded into a map.
func (a *testApp) callJSON(method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	status, raw := a.call(method, path, body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return status, m
}

// wantStatus fails unless status is want.
func wantStatus(t *testing.T, what string, status, want int, ans any) {
	t.Helper()
	if status != want {
		t.Fatalf("%s: %d %v, want %d", what, status, ans, want)
	}
}

// subReceiver records deliveries by path and checks both signatures with
// subSecret on every request that carries them.
type subReceiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    map[string][]delivered
	status map[string]int // per path; 200 when unset
}

// delivered is one request that reached a subReceiver.
type delivered struct {
	header http.Header
	body   []byte
	sigErr error
}

func newSubReceiver(t *testing.T) *subReceiver {
	r := &subReceiver{got: map[string][]delivered{}, status: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		d := delivered{header: req.Header.Clone(), body: body}
		if req.Header.Get("X-Signature") != "" {
			for _, sc := range []signature.Scheme{signature.HMACSHA256, signature.StandardWebhooks} {
				if err := (&signature.Verifier{Scheme: sc, Secret: subSecret}).Verify(req.Header, body); err != nil {
					d.sigErr = fmt.Errorf("%s: %w", sc, err)
				}
			}
		}
		r.mu.Lock()
		r.got[req.URL.Path] = append(r.got[req.URL.Path], d)
		status := r.status[req.URL.Path]
		r.mu.Unlock()
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"seen":%q}`, req.URL.Path)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *subReceiver) at(path string) []delivered {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got[path])
}

func (r *subReceiver) setStatus(path string, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status[path] = status
}

// eventually polls cond (bounded).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// createSub creates a subscription and returns its id.
func (a *testApp) createSub(body map[string]any) string {
	a.t.Helper()
	status, ans := a.callJSON("POST", "/subscriptions", body)
	wantStatus(a.t, "create subscription", status, http.StatusCreated, ans)
	return ans["id"].(string)
}

// publishType publishes an event and returns its id.
func (a *testApp) publishType(typ string, data any) string {
	a.t.Helper()
	status, ans := a.callJSON("POST", "/events", map[string]any{"type": typ, "data": data})
	wantStatus(a.t, "publish", status, http.StatusAccepted, ans)
	return ans["id"].(string)
}

// TestSubscriptionDelivery: published events (through the API and the
// emit action) reach exactly the active subscriptions whose events match,
// signed with both schemes, as JSON or form bodies.
func TestSubscriptionDelivery(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dsn := ""
			if backend == "postgres" {
				dsn = postgresDSN(t)
			}
			rec := newSubReceiver(t)
			app := startSubsApp(t, dsn, map[string]string{"emitter.yaml": emitter}, nil)
			subs := []struct {
				path   string
				events []string
				extra  map[string]any
			}{
				{"/posts", []string{"post.*"}, nil},
				{"/created", []string{"post.created"}, map[string]any{"content_type": "application/x-www-form-urlencoded"}},
				{"/all", []string{"*"}, nil},
				{"/mixed", []string{"profile.deleted", "post.updated", "post.*"}, nil},
				{"/orders", []string{"order.*"}, nil},
				{"/off", []string{"*"}, map[string]any{"active": false}},
			}
			for _, s := range subs {
				body := map[string]any{"name": s.path, "url": rec.srv.URL + s.path, "events": s.events, "secret": subSecret}
				for k, v := range s.extra {
					body[k] = v
				}
				app.createSub(body)
			}
			cases := []struct {
				typ  string
				want []string
			}{
				{"post.created", []string{"/posts", "/created", "/all", "/mixed"}},
				{"post.updated", []string{"/posts", "/all", "/mixed"}},
				{"post.comment.added", []string{"/posts", "/all", "/mixed"}},
				{"profile.deleted", []string{"/all", "/mixed"}},
				{"stats.updated", []string{"/all"}},
				{"posts", []string{"/all"}},
			}
			want := map[string]int{}
			for _, c := range cases {
				app.publishType(c.typ, map[string]any{"type": c.typ})
				for _, p := range c.want {
					want[p]++
				}
			}
			// emit: a run publishes order.shipped.
			status, _ := app.do("POST", "/hooks/ship", []byte(`{"order":"B-2"}`), map[string]string{"Content-Type": "application/json"})
			wantStatus(t, "hook", status, http.StatusAccepted, nil)
			want["/orders"], want["/all"] = 1, want["/all"]+1
			for _, s := range subs {
				eventually(t, s.path+" deliveries", func() bool { return len(rec.at(s.path)) >= want[s.path] })
			}
			time.Sleep(50 * time.Millisecond)
			for _, s := range subs {
				checkDelivered(t, s.path, rec.at(s.path), want[s.path])
			}
		})
	}
}

// checkDelivered checks the count, signatures and body of deliveries.
func checkDelivered(t *testing.T, path string, got []delivered, want int) {
	t.Helper()
	if len(got) != want {
		t.Errorf("%s got %d deliveries, want %d", path, len(got), want)
	}
	for _, d := range got {
		if d.sigErr != nil || d.header.Get("webhook-signature") == "" {
			t.Errorf("%s: signature: %v", path, d.sigErr)
		}
		var typ, data string
		if path == "/created" {
			v, err := url.ParseQuery(string(d.body))
			if err != nil || d.header.Get("Content-Type") != "application/x-www-form-urlencoded" {
				t.Fatalf("%s: form body %q: %v", path, d.body, err)
			}
			typ, data = v.Get("type"), v.Get("data")
		} else {
			var m struct {
				ID, Type, Timestamp string
				Data                json.RawMessage
			}
			if err := json.Unmarshal(d.body, &m); err != nil || m.ID == "" || m.Timestamp == "" {
				t.Fatalf("%s: body %s: %v", path, d.body, err)
			}
			typ, data = m.Type, string(m.Data)
		}
		if typ == "" || !strings.Contains(data, `"`) {
			t.Errorf("%s: type %q data %q", path, typ, data)
		}
	}
}

// TestDeliveryLogAndRetry: a failing endpoint gets exactly max_attempts
// attempts; the log shows them; a retry starts a fresh series with the
// same webhook-id.
func TestDeliveryLogAndRetry(t *testing.T) {
	t.Parallel()
	rec := newSubReceiver(t)
	rec.setStatus("/flaky", http.StatusInternalServerError)
	app := startSubsApp(t, "", nil, nil)
	id := app.createSub(map[string]any{"name": "flaky", "url": rec.srv.URL + "/flaky", "events": []string{"post.*"},
		"max_attempts": 3, "secret": subSecret})
	app.publishType("post.created", map[string]any{"n": 1})
	var items []any
	eventually(t, "the delivery to fail", func() bool {
		_, ans := app.callJSON("GET", "/subscriptions/"+id+"/deliveries?status=failed", nil)
		items, _ = ans["items"].([]any)
		return len(items) == 1
	})
	del := items[0].(map[string]any)
	delID := del["id"].(string)
	if del["attempt_count"].(float64) != 3 || del["event_type"] != "post.created" || del["webhook_id"] != delID {
		t.Fatalf("delivery %v", del)
	}
	status, detail := app.callJSON("GET", "/deliveries/"+delID, nil)
	wantStatus(t, "get delivery", status, http.StatusOK, detail)
	atts := detail["attempts"].([]any)
	if len(atts) != 3 || atts[0].(map[string]any)["status"].(float64) != 500 ||
		!strings.Contains(atts[2].(map[string]any)["response_body"].(string), "/flaky") {
		t.Fatalf("attempts %v", atts)
	}
	if len(rec.at("/flaky")) != 3 {
		t.Fatalf("%d requests, want exactly 3", len(rec.at("/flaky")))
	}

	rec.setStatus("/flaky", http.StatusOK)
	status, ans := app.callJSON("POST", "/deliveries/"+delID+"/retry", nil)
	wantStatus(t, "retry", status, http.StatusAccepted, ans)
	eventually(t, "the retry to succeed", func() bool {
		_, d := app.callJSON("GET", "/deliveries/"+delID, nil)
		return d["status"] == "succeeded"
	})
	for _, d := range rec.at("/flaky") {
		if d.header.Get("webhook-id") != delID {
			t.Fatalf("webhook-id %q, want %q on every attempt", d.header.Get("webhook-id"), delID)
		}
	}
	_, d := app.callJSON("GET", "/deliveries/"+delID, nil)
	if d["series"].(float64) != 2 || d["attempt_count"].(float64) != 4 {
		t.Fatalf("after retry: %v", d)
	}
	if status, _ := app.callJSON("POST", "/deliveries/nope/retry", nil); status != http.StatusNotFound {
		t.Fatalf("retry of a missing delivery: %d", status)
	}
}

// TestReplayAndTestEndpoint: replay restarts the failed deliveries since a
// time; test sends a signed test event at once and answers with the
// attempt.
func TestReplayAndTestEndpoint(t *testing.T) {
	t.Parallel()
	rec := newSubReceiver(t)
	rec.setStatus("/flaky", http.StatusServiceUnavailable)
	app := startSubsApp(t, "", nil, nil)
	id := app.createSub(map[string]any{"name": "flaky", "url": rec.srv.URL + "/flaky", "events": []string{"post.*"},
		"max_attempts": 2, "secret": subSecret})
	app.publishType("post.updated", 2)
	eventually(t, "the second delivery to fail", func() bool {
		_, ans := app.callJSON("GET", "/subscriptions/"+id+"/deliveries?status=failed", nil)
		items, _ := ans["items"].([]any)
		return len(items) == 1
	})
	rec.setStatus("/flaky", http.StatusOK)
	status, ans := app.callJSON("POST", "/subscriptions/"+id+"/replay", map[string]any{"since": time.Now().Add(-time.Hour).Format(time.RFC3339)})
	wantStatus(t, "replay", status, http.StatusAccepted, ans)
	if ans["replayed"].(float64) != 1 {
		t.Fatalf("replayed %v", ans)
	}
	eventually(t, "the replay", func() bool {
		_, ans := app.callJSON("GET", "/subscriptions/"+id+"/deliveries?status=succeeded", nil)
		items, _ := ans["items"].([]any)
		return len(items) == 1
	})
	if status, _ := app.callJSON("POST", "/subscriptions/"+id+"/replay", map[string]any{"since": "yesterday"}); status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad since: %d", status)
	}

	status, ans = app.callJSON("POST", "/subscriptions/"+id+"/test", nil)
	wantStatus(t, "test", status, http.StatusOK, ans)
	if ans["succeeded"] != true || ans["status"].(float64) != 200 || ans["delivery_status"] != "succeeded" || ans["delivery_id"] == "" {
		t.Fatalf("test answer %v", ans)
	}
	got := rec.at("/flaky")
	if last := got[len(got)-1]; !strings.Contains(string(last.body), `"type":"test"`) || last.sigErr != nil {
		t.Fatalf("test body %s, signature %v", last.body, last.sigErr)
	}
	_, list := app.call("GET", "/subscriptions/"+id+"/deliveries", nil)
	_, detail := app.call("GET", "/deliveries/"+ans["delivery_id"].(string), nil)
	_, testAns := app.call("POST", "/subscriptions/"+id+"/test", nil)
	for _, raw := range [][]byte{list, detail, testAns} {
		if bytes.Contains(raw, []byte(subSecret)) || !bytes.Contains(raw, []byte(`"`)) {
			t.Fatalf("an answer holds the secret, or nothing: %s", raw)
		}
	}
}

const onDisabled = `
name: on-disabled
on:
  event: { types: [subscription.disabled] }
steps:
  - id: note
    uses: transform
    with: { values: { sub: "${{ event.body.id }}", reason: "${{ event.body.reason }}" } }
`

// TestGoneDeactivatesAndStartsWorkflow: a 410 answer deactivates the
// subscription with its reason, and the subscription.disabled event starts
// a workflow.
func TestGoneDeactivatesAndStartsWorkflow(t *testing.T) {
	t.Parallel()
	rec := newSubReceiver(t)
	rec.setStatus("/gone", http.StatusGone)
	app := startSubsApp(t, "", map[string]string{"on-disabled.yaml": onDisabled}, nil)
	id := app.createSub(map[string]any{"name": "gone", "url": rec.srv.URL + "/gone", "events": []string{"post.*"}, "max_attempts": 5})
	app.publishType("post.created", 1)
	var sub map[string]any
	eventually(t, "the deactivation", func() bool {
		_, sub = app.callJSON("GET", "/subscriptions/"+id, nil)
		return sub["active"] == false
	})
	if sub["disabled_reason"] != "the endpoint answered 410 Gone" || sub["disabled_at"] == nil {
		t.Fatalf("subscription %v", sub)
	}
	var runs []*store.Run
	eventually(t, "the on-disabled run", func() bool {
		runs, _, _ = app.store.RunList(context.Background(), store.RunListParams{Workflow: "on-disabled", Status: store.StatusSucceeded})
		return len(runs) == 1
	})
	steps, _ := app.store.StepList(context.Background(), runs[0].ID)
	out, _ := steps[0].Output.(map[string]any)
	if out["sub"] != id || out["reason"] != "the endpoint answered 410 Gone" {
		t.Fatalf("the workflow saw %v", steps[0].Output)
	}
	if n := len(rec.at("/gone")); n != 1 {
		t.Fatalf("%d attempts at a gone endpoint, want 1", n)
	}
	status, sub := app.callJSON("PATCH", "/subscriptions/"+id, map[string]any{"active": true})
	wantStatus(t, "reactivate", status, http.StatusOK, sub)
	if sub["active"] != true || sub["disabled_reason"] != "" || sub["disabled_at"] != nil {
		t.Fatalf("reactivated %v", sub)
	}
}

// TestEventTypeCatalog: declared types and every type published, the
// undeclared ones flagged.
func TestEventTypeCatalog(t *testing.T) {
	t.Parallel()
	app := startSubsApp(t, "", nil, func(c *serveConfig) {
		c.File.EventTypes = []eventTypeConfig{
			{Name: "post.created", Description: "A post was published.", Example: map[string]any{"id": 1}},
			{Name: "post.deleted", Description: "A post was removed."},
		}
	})
	app.publishType("post.created", 1)
	app.publishType("stats.updated", 2)
	app.publishType("stats.updated", 3)
	status, ans := app.callJSON("GET", "/event-types", nil)
	wantStatus(t, "event types", status, http.StatusOK, ans)
	items := ans["items"].([]any)
	got := map[string]map[string]any{}
	var names []string
	for _, it := range items {
		m := it.(map[string]any)
		got[m["name"].(string)] = m
		names = append(names, m["name"].(string))
	}
	if !slices.Equal(names, []string{"post.created", "post.deleted", "stats.updated"}) {
		t.Fatalf("names %v", names)
	}
	if c := got["post.created"]; c["declared"] != true || c["first_seen"] == nil || c["description"] != "A post was published." || c["example"] == nil {
		t.Errorf("post.created %v", c)
	}
	if d := got["post.deleted"]; d["declared"] != true || d["first_seen"] != nil {
		t.Errorf("post.deleted %v", d)
	}
	if s := got["stats.updated"]; s["declared"] != false || s["first_seen"] == nil {
		t.Errorf("stats.updated %v", s)
	}
}

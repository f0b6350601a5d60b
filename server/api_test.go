package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/store"
)

// api calls an /api/v1 route with the token and decodes the answer.
func (a *testApp) api(method, path string, body string) (int, map[string]any) {
	a.t.Helper()
	h := map[string]string{"Authorization": "Bearer " + testToken}
	if body != "" {
		h["Content-Type"] = "application/json"
	}
	return a.do(method, "/api/v1"+path, []byte(body), h)
}

// apiList calls a list route and returns the raw answer.
func (a *testApp) apiRaw(method, path, body string) (int, []byte) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.URL()+"/api/v1"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.Bytes()
}

const apiWorkflow = `
name: apiflow
on:
  webhook:
    path: api
    verify: { scheme: hmac-sha256, secret: "${{ env.HOOK_SECRET }}" }
steps:
  - id: say
    uses: transform
    with: { values: { n: "${{ event.body.n }}" } }
  - id: call
    uses: http
    needs: [say]
    with:
      url: "${{ env.TARGET }}"
      headers: { Authorization: "Bearer ${{ env.API_TOKEN }}" }
      body: { n: "${{ event.body.n }}" }
`

func TestAPIAuth(t *testing.T) {
	t.Parallel()
	app := startApp(t, "", nil, nil)
	for _, h := range []map[string]string{nil, {"Authorization": "Bearer wrong"}, {"Authorization": testToken}} {
		status, ans := app.do("GET", "/api/v1/runs", nil, h)
		if status != http.StatusUnauthorized || ans["error"] == "" {
			t.Errorf("headers %v: %d %v, want 401 with an error", h, status, ans)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, _ := app.do("GET", path, nil, nil); status != http.StatusOK {
			t.Errorf("%s: %d, want 200 without a token", path, status)
		}
	}
}

func TestAPIWorkflowsAndPositions(t *testing.T) {
	t.Parallel()
	app := startApp(t, "", nil, nil)
	status, body := app.apiRaw("PUT", "/workflows/fresh", "name: fresh\nsteps:\n  - id: a\n    uses: log\n    with: { message: hi }\n    neeeds: [b]\n")
	var problems []problem
	if status != http.StatusUnprocessableEntity || json.Unmarshal(body, &problems) != nil || len(problems) == 0 {
		t.Fatalf("PUT invalid: %d %s", status, body)
	}
	if p := problems[0]; p.Line != 6 || p.Column != 5 || !strings.Contains(p.Message, `did you mean "needs"`) {
		t.Errorf("problem = %+v, want line 6 column 5 with a suggestion", p)
	}
	src := "name: fresh\non:\n  webhook: { path: fresh }\nsteps:\n  - { id: a, uses: transform, with: { values: { v: 1 } } }\n"
	status, ans := app.api("PUT", "/workflows/fresh", src)
	if status != http.StatusOK || ans["version"] != 1.0 {
		t.Fatalf("PUT: %d %v", status, ans)
	}
	status, ans = app.api("PUT", "/workflows/fresh", strings.Replace(src, "v: 1", "v: 2", 1))
	if status != http.StatusOK || ans["version"] != 2.0 {
		t.Fatalf("second PUT: %d %v", status, ans)
	}
	if s, _ := app.do("POST", "/hooks/fresh", nil, nil); s != http.StatusAccepted {
		t.Errorf("the saved workflow's hook answers %d", s)
	}
	status, ans = app.api("GET", "/workflows/fresh", "")
	if status != http.StatusOK || !strings.Contains(ans["source"].(string), "v: 2") {
		t.Fatalf("GET: %d %v", status, ans)
	}
	status, ans = app.api("GET", "/workflows/fresh/versions", "")
	if items, _ := ans["items"].([]any); status != http.StatusOK || len(items) != 2 {
		t.Fatalf("versions: %d %v", status, ans)
	}
	if status, ans = app.api("GET", "/workflows/fresh/versions/1", ""); status != http.StatusOK || !strings.Contains(ans["source"].(string), "v: 1") {
		t.Fatalf("version 1: %d %v", status, ans)
	}
	if status, _ = app.api("POST", "/workflows/validate", "name: x\nsteps:\n  - { id: a, uses: log, with: { message: hi } }\n"); status != http.StatusOK {
		t.Errorf("validate valid: %d", status)
	}
	if status, _ = app.api("DELETE", "/workflows/fresh", ""); status != http.StatusNoContent {
		t.Errorf("DELETE: %d", status)
	}
	if s, _ := app.do("POST", "/hooks/fresh", nil, nil); s != http.StatusNotFound {
		t.Errorf("a deleted workflow's hook answers %d", s)
	}
}

func TestAPIRunsPaginationReplayCancel(t *testing.T) {
	t.Parallel()
	rec := newReceivers(t)
	env := []string{"HOOK_SECRET=hook-secret-value", "TARGET=" + rec.srv.URL + "/x", "API_TOKEN=tok-secret-value"}
	app := startApp(t, "", env, map[string]string{"api.yaml": apiWorkflow})
	var runIDs []string
	for i := range 5 {
		status, ans := app.api("POST", "/workflows/apiflow/trigger", fmt.Sprintf(`{"body":{"n":%d}}`, i))
		if status != http.StatusAccepted {
			t.Fatalf("trigger: %d %v", status, ans)
		}
		runIDs = append(runIDs, ans["run_id"].(string))
		app.waitRuns(ans["event_id"].(string), 1)
	}
	var seen []string
	cursor := ""
	for page := 0; page < 10; page++ {
		status, ans := app.api("GET", "/runs?workflow=apiflow&limit=2&cursor="+cursor, "")
		if status != http.StatusOK {
			t.Fatalf("list: %d %v", status, ans)
		}
		for _, it := range ans["items"].([]any) {
			seen = append(seen, it.(map[string]any)["id"].(string))
		}
		if cursor = ans["next_cursor"].(string); cursor == "" {
			break
		}
	}
	if len(seen) != 5 || seen[0] != runIDs[4] || seen[4] != runIDs[0] {
		t.Fatalf("pages = %v, want the 5 runs newest first", seen)
	}
	// A cursor of the (created_at, id) kind that lists had before they
	// were ordered by id.
	old := base64.RawURLEncoding.EncodeToString([]byte("1740830400000000/" + runIDs[0]))
	for _, path := range []string{"/runs?cursor=" + old, "/events?cursor=" + old, "/runs?cursor=%21%21", "/subscriptions?cursor=%21%21"} {
		if status, ans := app.api("GET", path, ""); status != http.StatusBadRequest || ans["error"] != "cursor is not one this API gave" {
			t.Errorf("GET %s: %d %v, want 400", path, status, ans)
		}
	}
	status, ans := app.api("GET", "/runs/"+runIDs[0], "")
	steps, _ := ans["steps"].([]any)
	if status != http.StatusOK || len(steps) != 2 {
		t.Fatalf("run detail: %d %v", status, ans)
	}
	call := steps[1].(map[string]any)
	attempts := call["attempt_records"].([]any)
	ex := attempts[0].(map[string]any)["exchanges"].([]any)[0].(map[string]any)
	if req := ex["request"].(map[string]any); req["url"] != rec.srv.URL+"/x" {
		t.Errorf("recorded request = %v", req)
	}
	status, ans = app.api("POST", "/runs/"+runIDs[0]+"/replay", "")
	if status != http.StatusAccepted || ans["replay_of"] != runIDs[0] {
		t.Fatalf("replay: %d %v", status, ans)
	}
	replay := app.waitRun(ans["run_id"].(string))
	if replay.ReplayOf != runIDs[0] || replay.Status != store.StatusSucceeded {
		t.Errorf("replay run = %+v", replay)
	}
	if status, _ = app.api("POST", "/runs/"+runIDs[0]+"/cancel", ""); status != http.StatusConflict {
		t.Errorf("cancel of a finished run: %d, want 409", status)
	}
	if status, _ = app.api("GET", "/runs/nope", ""); status != http.StatusNotFound {
		t.Errorf("unknown run: %d, want 404", status)
	}
	if status, _ = app.api("GET", "/runs?status=weird", ""); status != http.StatusBadRequest {
		t.Errorf("bad status filter: %d, want 400", status)
	}
	assertNoSecrets(t, app, []string{"hook-secret-value", "tok-secret-value"},
		"/runs", "/runs/"+runIDs[0], "/events", "/workflows", "/workflows/apiflow", "/requests")
}

// waitRun waits (bounded) for one run to finish.
func (a *testApp) waitRun(id string) *store.Run {
	a.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		r, err := a.store.RunGet(context.Background(), id)
		if err == nil && r.FinishedAt != nil {
			return r
		}
		time.Sleep(5 * time.Millisecond)
	}
	a.t.Fatalf("run %s did not finish", id)
	return nil
}

// assertNoSecrets checks answers of GET routes and the server's log.
func assertNoSecrets(t *testing.T, app *testApp, secrets []string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		_, body := app.apiRaw("GET", p, "")
		for _, s := range secrets {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("GET %s shows the secret %q", p, s)
			}
		}
	}
	logs := app.logs.String()
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the log shows the secret %q", s)
		}
	}
}

func TestAPICancelStopsFurtherSteps(t *testing.T) {
	t.Parallel()
	app := startApp(t, "", nil, map[string]string{"slow.yaml": `
name: slow
steps:
  - { id: wait, uses: delay, with: { duration: 1h } }
  - { id: after, uses: transform, needs: [wait], with: { values: { x: 1 } } }
`})
	status, ans := app.api("POST", "/workflows/slow/trigger", "")
	if status != http.StatusAccepted {
		t.Fatal(status)
	}
	runID := ans["run_id"].(string)
	status, ans = app.api("POST", "/runs/"+runID+"/cancel", "")
	if status != http.StatusOK || ans["status"] != store.StatusCancelled {
		t.Fatalf("cancel: %d %v", status, ans)
	}
	steps, err := app.store.StepList(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if s.Status == store.StatusSucceeded {
			t.Errorf("step %s ran after the cancel", s.StepID)
		}
	}
}

func TestAPIEventsAndInspectorStream(t *testing.T) {
	t.Parallel()
	app := startApp(t, "", []string{"HOOK_SECRET=hook-secret-value", "TARGET=http://127.0.0.1:1/x"}, map[string]string{"api.yaml": apiWorkflow})
	req, _ := http.NewRequest("GET", app.URL()+"/api/v1/requests/stream", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("stream content type %q", ct)
	}
	lines := bufio.NewScanner(resp.Body)
	lines.Scan() // the opening comment
	app.do("POST", "/hooks/api", []byte(`{"n":1}`), map[string]string{"X-Signature": "00"})
	var data string
	for lines.Scan() {
		if d, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
			data = d
			break
		}
	}
	var got inspected
	if err := json.Unmarshal([]byte(data), &got); err != nil || got.Status != http.StatusUnauthorized || got.Path != "api" {
		t.Fatalf("streamed %q (%v), want the rejected request with 401", data, err)
	}
	status, ans := app.api("GET", "/requests?limit=1", "")
	if items := ans["items"].([]any); status != http.StatusOK || len(items) != 1 {
		t.Fatalf("requests: %d %v", status, ans)
	}
	status, ans = app.api("POST", "/events", `{"type":"thing.happened","data":{"a":1}}`)
	if status != http.StatusAccepted {
		t.Fatal(status)
	}
	id := ans["id"].(string)
	if status, ans = app.api("GET", "/events/"+id, ""); status != http.StatusOK || ans["type"] != "thing.happened" {
		t.Fatalf("event: %d %v", status, ans)
	}
	if status, ans = app.api("GET", "/events?type=thing.happened", ""); status != http.StatusOK || len(ans["items"].([]any)) != 1 {
		t.Fatalf("events: %d %v", status, ans)
	}
	if status, _ = app.api("POST", "/events/"+id+"/replay", ""); status != http.StatusAccepted {
		t.Fatalf("event replay: %d", status)
	}
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	app := startApp(t, "", nil, nil)
	status, doc := app.api("GET", "/openapi.json", "")
	if status != http.StatusOK || doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi: %d %v", status, doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	n := 0
	for _, r := range app.http.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Method == "HEAD" {
			continue
		}
		n++
		ops, ok := paths[openAPIPath(r.Path)].(map[string]any)
		if !ok || ops[strings.ToLower(r.Method)] == nil {
			t.Errorf("%s %s is not described in openapi.json", r.Method, r.Path)
		}
	}
	if n < 15 {
		t.Errorf("only %d API routes found", n)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	app := startApp(t, "", nil, map[string]string{"echo.yaml": strings.Replace(echoWorkflow, "VERSION", "m", 1)})
	status, ans := app.do("POST", "/hooks/echo", []byte(`{}`), nil)
	if status != http.StatusAccepted {
		t.Fatal(status)
	}
	app.waitRuns(ans["id"].(string), 1)
	app.do("POST", "/hooks/nothing-here", nil, nil)
	resp, err := http.Get(app.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	text := buf.String()
	for _, want := range []string{
		`hookflow_http_requests_total{path="/hooks/echo",status="202"} 1`,
		`hookflow_http_requests_total{path="/hooks/*",status="404"} 1`,
		`hookflow_events_accepted_total{source="webhook"} 1`,
		`hookflow_step_duration_seconds_count{action="transform"} 1`,
		`hookflow_runs{status="succeeded"} 1`,
		"hookflow_queue_depth", "hookflow_steps_in_flight", "hookflow_deliveries_in_flight",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "hookflow_") {
			t.Errorf("series not named hookflow_…: %s", line)
			break
		}
	}
}

func TestRetentionPrunesOldRuns(t *testing.T) {
	t.Parallel()
	app := startApp(t, "", nil, map[string]string{"echo.yaml": strings.Replace(echoWorkflow, "VERSION", "r", 1)})
	status, ans := app.do("POST", "/hooks/echo", []byte(`{}`), nil)
	if status != http.StatusAccepted {
		t.Fatal(status)
	}
	id := ans["id"].(string)
	app.waitRuns(id, 1)
	if n, err := app.pruneStore(context.Background(), time.Now()); err != nil || n != 0 {
		t.Fatalf("a fresh run was pruned: %d, %v", n, err)
	}
	later := time.Now().Add(app.cfg.File.Retention.Runs.std() + time.Hour)
	if n, err := app.pruneStore(context.Background(), later); err != nil || n != 2 {
		t.Fatalf("pruned %d (%v), want the run and its event", n, err)
	}
	if status, _ := app.api("GET", "/events/"+id, ""); status != http.StatusNotFound {
		t.Errorf("the pruned event still answers %d", status)
	}
	app.inspect.now = func() time.Time { return later }
	if app.inspect.prune() == 0 {
		t.Error("old inspector entries were not pruned")
	}
}

func TestRootPagePointsToTheAPI(t *testing.T) {
	t.Parallel()
	app := startApp(t, "", nil, nil)
	resp, err := http.Get(app.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(buf.String(), "/api/v1/openapi.json") {
		t.Fatalf("GET / = %d %.200s", resp.StatusCode, buf.String())
	}
	if s, _ := app.do("GET", "/nothing-here", nil, nil); s != http.StatusNotFound {
		t.Errorf("an unknown path answers %d, want 404", s)
	}
}

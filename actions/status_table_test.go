package actions

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// statusTable is the one table of HTTP outcomes and what each means for the
// retry policy (SPEC 3.4). It runs for every HTTP-based action, so they
// cannot drift apart.
var statusTable = []struct {
	status     int
	retryAfter string        // the Retry-After header sent, if any
	outcome    string        // "ok", "retry" or "fail" (permanent)
	delay      time.Duration // the delay carried by RetryAfter, if any
}{
	{status: 200, outcome: "ok"},
	{status: 201, outcome: "ok"},
	{status: 202, outcome: "ok"},
	{status: 204, outcome: "ok"},
	{status: 299, outcome: "ok"},
	{status: 301, outcome: "fail"},
	{status: 302, outcome: "fail"},
	{status: 304, outcome: "fail"},
	{status: 307, outcome: "fail"},
	{status: 400, outcome: "fail"},
	{status: 401, outcome: "fail"},
	{status: 403, outcome: "fail"},
	{status: 404, outcome: "fail"},
	{status: 405, outcome: "fail"},
	{status: 409, outcome: "fail"},
	{status: 410, outcome: "fail"},
	{status: 413, outcome: "fail"},
	{status: 422, outcome: "fail"},
	{status: 425, outcome: "fail"},
	{status: 408, outcome: "retry"},
	{status: 429, outcome: "retry"},
	{status: 429, retryAfter: "17", outcome: "retry", delay: 17 * time.Second},
	{status: 429, retryAfter: "999999", outcome: "retry", delay: engine.MaxRetryAfter},
	{status: 429, retryAfter: "soon", outcome: "retry"},
	{status: 500, outcome: "retry"},
	{status: 501, outcome: "retry"},
	{status: 502, outcome: "retry"},
	{status: 503, outcome: "retry"},
	{status: 503, retryAfter: "5", outcome: "retry", delay: 5 * time.Second},
	{status: 504, outcome: "retry"},
	{status: 599, outcome: "retry"},
}

// TestStatusTable runs the table for http, slack, discord and teams
// against a loopback receiver answering each status.
func TestStatusTable(t *testing.T) {
	t.Parallel()
	senders := map[string]func(url string) map[string]any{
		"http":    func(url string) map[string]any { return map[string]any{"url": url, "body": map[string]any{"a": 1}} },
		"slack":   func(url string) map[string]any { return chatWith("slack", url, "x") },
		"discord": func(url string) map[string]any { return chatWith("discord", url, "x") },
		"teams":   func(url string) map[string]any { return chatWith("teams", url, "x") },
	}
	reg := Registry(testDeps)
	for action, with := range senders {
		def, ok := reg.Lookup(action)
		if !ok {
			t.Fatalf("no action %s", action)
		}
		for _, tt := range statusTable {
			t.Run(action+"/"+strconv.Itoa(tt.status)+tt.retryAfter, func(t *testing.T) {
				t.Parallel()
				rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
					if tt.retryAfter != "" {
						w.Header().Set("Retry-After", tt.retryAfter)
					}
					if tt.status >= 300 && tt.status < 400 {
						w.Header().Set("Location", "/elsewhere")
					}
					w.WriteHeader(tt.status)
				})
				p, err := def.DecodeParams(with(rc.URL + "/hook"))
				if err != nil {
					t.Fatal(err)
				}
				step := &engine.Step{Item: -1, Attempt: 1, DeliveryID: "msg_1", Params: p}
				out, err := def.Action.Run(t.Context(), step)
				outcome := "ok"
				switch {
				case engine.IsPermanent(err):
					outcome = "fail"
				case err != nil:
					outcome = "retry"
				}
				if outcome != tt.outcome {
					t.Fatalf("status %d: %s (%v), want %s", tt.status, outcome, err, tt.outcome)
				}
				d, has := engine.RetryAfterDelay(err)
				if has != (tt.delay > 0) || d != tt.delay {
					t.Fatalf("status %d: Retry-After delay %v %v, want %v", tt.status, d, has, tt.delay)
				}
				if m, _ := out.(map[string]any); m["status"] != tt.status {
					t.Fatalf("output %v, want status %d also on failure", out, tt.status)
				}
				if ex := step.Exchanges(); len(ex) != 1 || ex[0].Response == nil || ex[0].Response.Status != tt.status {
					t.Fatalf("exchanges %+v", ex)
				}
				if n := len(rc.requests()); n != 1 {
					t.Fatalf("receiver got %d requests, want 1", n)
				}
			})
		}
	}
}

package webhook

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/engine/signature"
)

func TestSlackURLVerification(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SLACK": "8f742231b10e8888abcd99yyyzzz85a5"}
	rec := &recorder{}
	in := &inspector{}
	srv := serve(t, Options{Dispatcher: rec, Env: env, Inspect: in.add}, targets(t,
		hookWorkflow("slack", `path: slack/events
verify: { scheme: slack, secret: "${{ env.SLACK }}" }`),
		hookWorkflow("plain", "path: plain"),
	))
	body := `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	sig, ts := signature.SignSlack(env["SLACK"], testNow, []byte(body))
	h := http.Header{"Content-Type": {"application/json"}, "X-Slack-Signature": {sig}, "X-Slack-Request-Timestamp": {ts}}
	got := srv.sendHeader(t, "POST", "slack/events", body, h)
	if got.status != 200 || got.json(t)["challenge"] != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" || len(got.json(t)) != 1 {
		t.Fatalf("%d %s", got.status, got.body)
	}
	// Unsigned: refused before the handshake.
	if got := srv.send(t, "POST", "slack/events", body, map[string]string{"Content-Type": "application/json"}); got.status != 401 {
		t.Fatalf("unsigned url_verification: %d %s", got.status, got.body)
	}
	// On a path without slack verification it is an ordinary event.
	if got := srv.send(t, "POST", "plain", body, map[string]string{"Content-Type": "application/json"}); got.status != 202 {
		t.Fatalf("url_verification elsewhere: %d %s", got.status, got.body)
	}
	if evs, _ := rec.stored(); len(evs) != 1 || evs[0].Path != "plain" {
		t.Fatalf("the handshake stored an event: %d", len(evs))
	}
	if recs := in.all(); len(recs) != 3 || recs[0].Verdict != "handshake" || recs[0].Status != 200 {
		t.Fatalf("records %+v", recs)
	}
}

func TestMetaHubChallenge(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	in := &inspector{}
	srv := serve(t, Options{Dispatcher: rec, Env: testEnv, Inspect: in.add}, targets(t, statusWorkflows(t)...))
	got := srv.send(t, "GET", "meta?hub.mode=subscribe&hub.verify_token=meta-token-456&hub.challenge=1158201444", "", nil)
	if got.status != 200 || got.body != "1158201444" || !strings.HasPrefix(got.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("%d %q %q", got.status, got.body, got.header.Get("Content-Type"))
	}
	if got := srv.send(t, "GET", "meta?hub.mode=subscribe&hub.verify_token=meta-token-45&hub.challenge=1", "", nil); got.status != 403 {
		t.Fatalf("wrong token: %d %s", got.status, got.body)
	}
	// The workflow takes only POST: other GETs are refused as usual…
	if got := srv.send(t, "GET", "meta?x=1", "", nil); got.status != 405 {
		t.Fatalf("GET without hub.mode: %d", got.status)
	}
	// …and hub.mode on a path without verify_token is an ordinary event.
	if got := srv.send(t, "GET", "plain?hub.mode=subscribe&hub.challenge=1", "", nil); got.status != 202 {
		t.Fatalf("hub.mode elsewhere: %d %s", got.status, got.body)
	}
	if evs, _ := rec.stored(); len(evs) != 1 {
		t.Fatalf("%d events stored, want only the ordinary one", len(evs))
	}
	recs := in.all()
	if len(recs) != 4 || recs[0].Verdict != "handshake" || recs[1].Verdict != "hub.verify_token does not match" {
		t.Fatalf("records %+v", recs)
	}
	for _, r := range recs[:2] {
		if r.Query["hub.verify_token"] != "***" {
			t.Fatalf("the record keeps the token: %v", r.Query)
		}
	}
}

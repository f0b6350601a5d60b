package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestSubscriptionValidation: each bad field is a 422 naming the field.
func TestSubscriptionValidation(t *testing.T) {
	t.Parallel()
	app := startSubsApp(t, "", nil, nil)
	good := func() map[string]any {
		return map[string]any{"name": "n", "url": "https://example.com/hook", "events": []string{"post.created"}}
	}
	cases := []struct {
		name  string
		field string
		set   map[string]any
	}{
		{"missing name", "name", map[string]any{"name": ""}},
		{"relative url", "url", map[string]any{"url": "/hook"}},
		{"ftp url", "url", map[string]any{"url": "ftp://example.com/x"}},
		{"unknown method", "method", map[string]any{"method": "FETCH"}},
		{"empty events", "events", map[string]any{"events": []string{}}},
		{"blank event", "events", map[string]any{"events": []string{"post created"}}},
		{"max_attempts 0", "max_attempts", map[string]any{"max_attempts": 0}},
		{"max_attempts 21", "max_attempts", map[string]any{"max_attempts": 21}},
		{"max_attempts text", "max_attempts", map[string]any{"max_attempts": "three"}},
		{"bad content type", "content_type", map[string]any{"content_type": "text/xml"}},
		{"reserved header", "headers", map[string]any{"headers": map[string]string{"Content-Type": "text/plain"}}},
		{"bad header name", "headers", map[string]any{"headers": map[string]string{"X Bad": "1"}}},
		{"negative rate", "rate_limit", map[string]any{"rate_limit": -1}},
		{"bad whsec secret", "secret", map[string]any{"secret": "whsec_not base64!"}},
		{"unknown field", "colour", map[string]any{"colour": "blue"}},
		{"required null", "url", map[string]any{"url": nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			body := good()
			for k, v := range c.set {
				body[k] = v
			}
			status, ans := app.callJSON("POST", "/subscriptions", body)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d %v, want 422", status, ans)
			}
			msg, _ := ans["error"].(string)
			ps, _ := ans["problems"].([]any)
			if !strings.HasPrefix(msg, c.field+": ") || len(ps) == 0 || ps[0].(map[string]any)["field"] != c.field {
				t.Fatalf("answer %v, want a problem with %s", ans, c.field)
			}
			if strings.Contains(msg, "not base64!") {
				t.Fatalf("the error quotes the secret: %s", msg)
			}
		})
	}
	status, ans := app.callJSON("POST", "/subscriptions", map[string]any{"url": "nope", "events": []string{}})
	if ps, _ := ans["problems"].([]any); status != http.StatusUnprocessableEntity || len(ps) != 3 {
		t.Fatalf("every problem at once: %d %v", status, ans)
	}
}

// TestSubscriptionCRUD: create with defaults, list, get, PATCH, PUT
// (a GET answer sent back keeps the secret), delete; the secret and
// sensitive header values never appear in an answer.
func TestSubscriptionCRUD(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dsn := ""
			if backend == "postgres" {
				dsn = postgresDSN(t)
			}
			testCRUD(t, startSubsApp(t, dsn, nil, nil))
		})
	}
}

func testCRUD(t *testing.T, app *testApp) {
	const token = "Bearer very-secret-token-42"
	var answers []string
	call := func(method, path string, body any, want int) map[string]any {
		t.Helper()
		status, raw := app.call(method, path, body)
		answers = append(answers, string(raw))
		m := map[string]any{}
		if len(raw) > 0 {
			m = decodeMap(t, raw)
		}
		wantStatus(t, method+" "+path, status, want, string(raw))
		return m
	}
	sub := call("POST", "/subscriptions", map[string]any{"name": " Orders ", "url": "https://example.com/in", "events": []string{"order.*", "order.*"},
		"secret": subSecret, "headers": map[string]string{"Authorization": token, "X-Team": "blue"}, "description": "d"}, http.StatusCreated)
	id := sub["id"].(string)
	if sub["name"] != "Orders" || sub["method"] != "POST" || sub["content_type"] != "application/json" || sub["max_attempts"].(float64) != 1 ||
		sub["active"] != true || sub["secret"] != "***" || sub["has_secret"] != true || sub["rate_limit"] != nil ||
		len(sub["events"].([]any)) != 1 {
		t.Fatalf("created %v", sub)
	}
	if h := sub["headers"].(map[string]any); h["Authorization"] != "***" || h["X-Team"] != "blue" {
		t.Fatalf("headers %v", h)
	}
	second := call("POST", "/subscriptions", map[string]any{"name": "b", "url": "http://example.com/b", "events": []string{"*"}, "active": false}, http.StatusCreated)
	page := call("GET", "/subscriptions?limit=1", nil, http.StatusOK)
	if len(page["items"].([]any)) != 1 || page["next_cursor"] == "" {
		t.Fatalf("page %v", page)
	}
	inactive := call("GET", "/subscriptions?active=false", nil, http.StatusOK)
	if items := inactive["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != second["id"] {
		t.Fatalf("inactive %v", inactive)
	}

	patched := call("PATCH", "/subscriptions/"+id, map[string]any{"max_attempts": 5, "method": "put", "rate_limit": 2.5}, http.StatusOK)
	if patched["max_attempts"].(float64) != 5 || patched["method"] != "PUT" || patched["rate_limit"].(float64) != 2.5 || patched["has_secret"] != true || patched["name"] != "Orders" {
		t.Fatalf("patched %v", patched)
	}
	got := call("GET", "/subscriptions/"+id, nil, http.StatusOK)
	got["name"] = "Orders v2"
	put := call("PUT", "/subscriptions/"+id, got, http.StatusOK)
	stored, err := app.store.SubscriptionGet(context.Background(), id)
	if err != nil || put["name"] != "Orders v2" || stored.Secret != subSecret || stored.Headers["Authorization"] != token || stored.MaxAttempts != 5 {
		t.Fatalf("put %v; stored %+v", put, stored)
	}
	cleared := call("PATCH", "/subscriptions/"+id, map[string]any{"secret": nil, "rate_limit": nil}, http.StatusOK)
	if cleared["has_secret"] != false || cleared["secret"] != "" || cleared["rate_limit"] != nil {
		t.Fatalf("cleared %v", cleared)
	}
	minimal := call("PUT", "/subscriptions/"+id, map[string]any{"name": "m", "url": "https://example.com/m", "events": []string{"a"}}, http.StatusOK)
	if minimal["method"] != "POST" || minimal["max_attempts"].(float64) != 1 || len(minimal["headers"].(map[string]any)) != 0 {
		t.Fatalf("a PUT resets what it leaves out: %v", minimal)
	}
	call("PUT", "/subscriptions/nope", map[string]any{"name": "m", "url": "https://example.com/m", "events": []string{"a"}}, http.StatusNotFound)
	call("PATCH", "/subscriptions/"+id, map[string]any{"events": []string{}}, http.StatusUnprocessableEntity)
	call("DELETE", "/subscriptions/"+id, nil, http.StatusNoContent)
	call("GET", "/subscriptions/"+id, nil, http.StatusNotFound)
	call("DELETE", "/subscriptions/"+id, nil, http.StatusNotFound)
	for _, a := range answers {
		if strings.Contains(a, subSecret) || strings.Contains(a, "very-secret-token") {
			t.Fatalf("an answer holds a secret: %s", a)
		}
	}
	doc := call("GET", "/openapi.json", nil, http.StatusOK)
	if paths := doc["paths"].(map[string]any); paths["/api/v1/subscriptions/{id}"] == nil || paths["/api/v1/deliveries/{id}/retry"] == nil {
		t.Fatal("the OpenAPI document lacks the subscription routes")
	}
}

func decodeMap(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("answer %s: %v", raw, err)
	}
	return m
}

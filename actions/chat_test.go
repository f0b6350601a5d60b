package actions

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/engine"
)

// chatHookPath is the secret part of the tests' webhook URLs, as in
// https://hooks.slack.com/services/T000/B000/XXXX.
const chatHookPath = "/services/T0000/B0000/XXXXsecretXXXX"

// runChat decodes with as the executor does and runs the named chat action
// once with testDeps.
func runChat(t *testing.T, name string, with map[string]any, dryRun bool) (*engine.Step, any, error) {
	t.Helper()
	def, ok := Registry(testDeps).Lookup(name)
	if !ok {
		t.Fatalf("no action %s", name)
	}
	p, err := def.DecodeParams(with)
	if err != nil {
		t.Fatalf("DecodeParams: %v", err)
	}
	step := &engine.Step{RunID: "run1", StepID: "notify", Attempt: 1, Item: -1, Params: p, DryRun: dryRun}
	out, err := def.Action.Run(t.Context(), step)
	return step, out, err
}

// TestChatPayloads checks each service's documented payload shape.
func TestChatPayloads(t *testing.T) {
	t.Parallel()
	blocks := []any{map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "*Order* 12"}}}
	embeds := []any{map[string]any{"title": "Order 12", "color": 5814783, "fields": []any{map[string]any{"name": "total", "value": "12.50"}}}}
	card := map[string]any{
		"type": "AdaptiveCard", "version": "1.5", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"body": []any{map[string]any{"type": "TextBlock", "text": "Order 12", "weight": "Bolder"}},
	}
	tests := []struct {
		name   string
		action string
		with   map[string]any
		want   string // the JSON body the service receives
	}{
		{name: "slack text", action: "slack", with: map[string]any{"text": "Order *12* paid"},
			want: `{"text":"Order *12* paid"}`},
		{name: "slack rich", action: "slack",
			with: map[string]any{"text": "fallback", "blocks": blocks, "username": "shop", "icon_emoji": ":moneybag:", "channel": "#sales"},
			want: `{"blocks":[{"text":{"text":"*Order* 12","type":"mrkdwn"},"type":"section"}],"channel":"#sales","icon_emoji":":moneybag:","text":"fallback","username":"shop"}`},
		{name: "slack blocks only", action: "slack", with: map[string]any{"blocks": blocks},
			want: `{"blocks":[{"text":{"text":"*Order* 12","type":"mrkdwn"},"type":"section"}]}`},
		{name: "slack number text", action: "slack", with: map[string]any{"text": 12},
			want: `{"text":"12"}`},
		{name: "discord content", action: "discord", with: map[string]any{"content": "Order 12 <paid> & shipped"},
			want: `{"content":"Order 12 <paid> & shipped"}`},
		{name: "discord rich", action: "discord",
			with: map[string]any{"content": "new order", "embeds": embeds, "username": "shop", "avatar_url": "https://example.com/a.png"},
			want: `{"avatar_url":"https://example.com/a.png","content":"new order","embeds":[{"color":5814783,"fields":[{"name":"total","value":"12.50"}],"title":"Order 12"}],"username":"shop"}`},
		{name: "teams text", action: "teams", with: map[string]any{"text": "Order **12** paid"},
			want: `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"Order **12** paid","wrap":true}]}}]}`},
		{name: "teams card", action: "teams", with: map[string]any{"card": card},
			want: `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":` + mustJSON(t, card) + `}]}`},
		{name: "teams whole message", action: "teams",
			with: map[string]any{"card": map[string]any{"type": "message", "attachments": []any{}}},
			want: `{"type":"message","attachments":[]}`},
		{name: "teams legacy MessageCard", action: "teams",
			with: map[string]any{"card": map[string]any{"@type": "MessageCard", "@context": "https://schema.org/extensions", "text": "hi"}},
			want: `{"@context":"https://schema.org/extensions","@type":"MessageCard","text":"hi"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
			tt.with["webhook_url"] = rc.URL + chatHookPath
			step, out, err := runChat(t, tt.action, tt.with, false)
			if err != nil {
				t.Fatal(err)
			}
			if !equalJSON(out, map[string]any{"status": 204}) {
				t.Fatalf("output %v", out)
			}
			got := rc.only(t)
			if got.Method != "POST" || got.Path != chatHookPath || got.Header.Get("Content-Type") != "application/json" ||
				got.Header.Get("User-Agent") != "hookflow/test" {
				t.Fatalf("request %s %s %v", got.Method, got.Path, got.Header)
			}
			if !sameJSON(t, got.Body, tt.want) {
				t.Fatalf("payload\n got %s\nwant %s", got.Body, tt.want)
			}
			ex := step.Exchanges()
			if len(ex) != 1 || ex[0].Request.URL != rc.URL+"/***" || ex[0].Request.Body != string(got.Body) || ex[0].Response.Status != 204 {
				t.Fatalf("exchanges %+v", ex)
			}
		})
	}
}

// TestChatInvalid checks the parameters refused before anything is sent.
func TestChatInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		action string
		with   map[string]any
		want   string
	}{
		{"slack", map[string]any{"webhook_url": "https://hooks.example/x"}, "slack: text or blocks is required"},
		{"discord", map[string]any{"webhook_url": "https://hooks.example/x"}, "discord: content or embeds is required"},
		{"teams", map[string]any{"webhook_url": "https://hooks.example/x"}, "teams: text or card is required"},
		{"teams", map[string]any{"webhook_url": "https://hooks.example/x", "text": "a", "card": map[string]any{}}, "teams: set text or card, not both"},
		{"slack", map[string]any{"text": "a"}, "slack: webhook_url is required"},
		{"slack", map[string]any{"text": "a", "webhook_url": "ftp://hooks.example/s3cr3tpath"}, "slack: webhook_url must be an https (or http) URL"},
		{"discord", map[string]any{"content": "a", "webhook_url": "https:///s3cr3tpath"}, "discord: webhook_url has no host"},
		{"teams", map[string]any{"text": "a", "webhook_url": "https://h ost/s3cr3tpath"}, "teams: webhook_url is not a valid URL"},
	}
	for _, tt := range tests {
		_, _, err := runChat(t, tt.action, tt.with, false)
		if !engine.IsPermanent(err) || err.Error() != tt.want {
			t.Errorf("%s %v: error %v, want %q (permanent)", tt.action, tt.with, err, tt.want)
		}
	}
}

// TestChatErrorsHideTheURL checks that failures name the service's host
// but never the webhook's secret path.
func TestChatErrorsHideTheURL(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/gone"):
			w.Header().Set("Location", "https://elsewhere.example"+chatHookPath)
			w.WriteHeader(http.StatusMovedPermanently)
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, "no_service\nmore lines")
		}
	})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String()
	ln.Close()
	tests := []struct {
		url, want string
		permanent bool
	}{
		{rc.URL + chatHookPath, "POST " + rc.URL + "/***: 404 Not Found: no_service", true},
		{rc.URL + chatHookPath + "/gone", "POST " + rc.URL + "/***: 301 Moved Permanently (redirect to https://elsewhere.example/*** not followed)", true},
		{closed + chatHookPath, "POST " + closed + "/***: dial tcp " + strings.TrimPrefix(closed, "http://") + ": connect: connection refused", false},
		{"http://10.0.0.1" + chatHookPath, "POST http://10.0.0.1/***: refused to connect to 10.0.0.1 (private)" + refusalHint, true},
	}
	for _, tt := range tests {
		for _, action := range []string{"slack", "discord", "teams"} {
			_, _, err := runChat(t, action, chatWith(action, tt.url, "x"), false)
			if err == nil || err.Error() != tt.want || engine.IsPermanent(err) != tt.permanent {
				t.Errorf("%s %s:\n got %v\nwant %s (permanent %v)", action, tt.url, err, tt.want, tt.permanent)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("%s: error shows the webhook path: %v", action, err)
			}
		}
	}
}

func TestChatDryRun(t *testing.T) {
	t.Parallel()
	for _, action := range []string{"slack", "discord", "teams"} {
		rc := newReceiver(t, nil)
		step, out, err := runChat(t, action, chatWith(action, rc.URL+chatHookPath, "hi"), true)
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		if n := len(rc.requests()); n != 0 {
			t.Fatalf("%s: dry run sent %d requests", action, n)
		}
		if !equalJSON(out, map[string]any{"status": 200, "dry_run": true}) {
			t.Fatalf("%s: output %v", action, out)
		}
		ex := step.Exchanges()
		if len(ex) != 1 || ex[0].Response != nil || ex[0].Request.URL != rc.URL+"/***" ||
			ex[0].Request.Method != "POST" || !strings.Contains(ex[0].Request.Body, `"hi"`) {
			t.Fatalf("%s: exchanges %+v", action, ex)
		}
	}
}

// chatWith returns the with: of a chat action posting text to webhookURL.
func chatWith(action, webhookURL, text string) map[string]any {
	key := "text"
	if action == "discord" {
		key = "content"
	}
	return map[string]any{"webhook_url": webhookURL, key: text}
}

// mustJSON encodes v.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sameJSON reports whether got and want are the same JSON value.
func sameJSON(t *testing.T, got []byte, want string) bool {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	return equalJSON(a, b)
}

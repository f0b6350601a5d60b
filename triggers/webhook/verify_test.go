package webhook

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/signature"
)

func TestEverySchemeAcceptsSignedAndRefusesTampered(t *testing.T) {
	t.Parallel()
	secrets := map[signature.Scheme]string{
		signature.HMACSHA256:       "hmac-secret-1",
		signature.GitHub:           "It's a Secret to Everybody",
		signature.Stripe:           "whsec_stripe_test_secret",
		signature.Shopify:          "shopify-secret-2",
		signature.Slack:            "8f742231b10e8888abcd99yyyzzz85a5",
		signature.StandardWebhooks: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	}
	body := []byte(`{"id":"evt_1","amount":1299}`)
	for _, scheme := range signature.Schemes() {
		t.Run(string(scheme), func(t *testing.T) {
			t.Parallel()
			secret := secrets[scheme]
			env := map[string]string{"HOOK_SECRET": secret}
			src := hookWorkflow("signed", fmt.Sprintf("path: signed\nverify: { scheme: %s, secret: \"${{ env.HOOK_SECRET }}\" }", scheme))
			rec := &recorder{}
			in := &inspector{}
			srv := serve(t, Options{Dispatcher: rec, Env: env, Inspect: in.add}, targets(t, src))
			v := &signature.Verifier{Scheme: scheme, Secret: secret}
			h, err := v.Sign("msg_1", testNow, body)
			if err != nil {
				t.Fatal(err)
			}
			h.Set("Content-Type", "application/json")
			if got := srv.sendHeader(t, "POST", "signed", string(body), h); got.status != 202 {
				t.Fatalf("signed request: %d %s", got.status, got.body)
			}
			tampered := strings.Replace(string(body), "1299", "1", 1)
			got := srv.sendHeader(t, "POST", "signed", tampered, h)
			if got.status != 401 {
				t.Fatalf("tampered body: %d %s, want 401", got.status, got.body)
			}
			if s := got.errorSentence(t); s != "signature does not match" {
				t.Fatalf("tampered body: %q", s)
			}
			if got := srv.send(t, "POST", "signed", string(body), nil); got.status != 401 ||
				!strings.HasPrefix(got.errorSentence(t), "missing ") {
				t.Fatalf("unsigned request: %d %s, want 401 missing …", got.status, got.body)
			}
			evs, _ := rec.stored()
			if len(evs) != 1 || string(evs[0].Raw) != string(body) {
				t.Fatalf("stored %d events", len(evs))
			}
			for _, r := range in.all() {
				if strings.Contains(fmt.Sprint(r), secret) {
					t.Fatalf("a record holds the secret: %+v", r)
				}
			}
		})
	}
}

func TestTimestampOutsideToleranceIsRefused(t *testing.T) {
	t.Parallel()
	env := map[string]string{"S": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
	srv := serve(t, Options{Dispatcher: &recorder{}, Env: env},
		targets(t, hookWorkflow("sw", `path: sw
verify: { scheme: standard-webhooks, secret: "${{ env.S }}" }`)))
	v := &signature.Verifier{Scheme: signature.StandardWebhooks, Secret: env["S"]}
	h, _ := v.Sign("msg_1", testNow.Add(-5*time.Minute-time.Second), []byte("x"))
	got := srv.sendHeader(t, "POST", "sw", "x", h)
	if got.status != 401 || !strings.Contains(got.errorSentence(t), "outside the 5m0s tolerance") {
		t.Fatalf("old timestamp: %d %s", got.status, got.body)
	}
}

func TestInvalidVerifySettingsFailClosed(t *testing.T) {
	t.Parallel()
	tr := New(Options{Dispatcher: &recorder{}, Env: map[string]string{}})
	err := tr.Load(targets(t,
		hookWorkflow("unset", `path: unset
verify: { secret: "${{ env.NOT_SET }}" }`),
		hookWorkflow("badtoken", `path: badtoken
verify_token: "${{ env.NOT_SET }}"`),
	))
	if err == nil {
		t.Fatal("Load accepted a secret that evaluates to nothing")
	}
	for _, want := range []string{
		"workflow unset: on.webhook.verify.secret is empty: is its environment variable set?",
		"workflow badtoken: on.webhook.verify_token is empty: is its environment variable set?",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("Load error %q lacks %q", err, want)
		}
	}
	srv := serveTrigger(t, tr)
	if got := srv.send(t, "POST", "unset", "x", nil); got.status != 401 ||
		got.errorSentence(t) != "the signature cannot be checked: the workflow's verify settings are invalid" {
		t.Fatalf("unsigned request to a misconfigured workflow: %d %s", got.status, got.body)
	}
	// A signature made with the empty secret is refused as well.
	if got := srv.send(t, "POST", "unset", "x", map[string]string{"X-Signature": signature.SignHex("", []byte("x"))}); got.status != 401 {
		t.Fatalf("signed with an empty secret: %d", got.status)
	}
	if got := srv.send(t, "GET", "badtoken?hub.mode=subscribe&hub.verify_token=&hub.challenge=1", "", nil); got.status != 403 {
		t.Fatalf("handshake with an empty token: %d %s", got.status, got.body)
	}
	if !slices.Equal(tr.Paths(), []string{"badtoken", "unset"}) {
		t.Fatalf("paths %v", tr.Paths())
	}
}

func TestSeveralWorkflowsOnOnePath(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SECRET": "shared-path-secret"}
	rec := &recorder{}
	srv := serve(t, Options{Dispatcher: rec, Env: env}, targets(t,
		hookWorkflow("open", "path: shared"),
		hookWorkflow("posts", "path: shared\nmethods: [POST]"),
		hookWorkflow("signed", `path: shared
verify: { secret: "${{ env.SECRET }}" }`),
		hookWorkflow("small", "path: shared\nmax_body: 1KiB"),
	))
	sig := func(b string) map[string]string {
		return map[string]string{"X-Signature": signature.SignHex(env["SECRET"], []byte(b))}
	}
	big := strings.Repeat("y", 2000)
	for _, c := range []struct {
		method, body string
		headers      map[string]string
		want         []string
	}{
		{"POST", "x", sig("x"), []string{"open", "posts", "signed", "small"}},
		{"POST", "x", nil, []string{"open", "posts", "small"}},
		{"PUT", "x", sig("x"), []string{"open", "signed", "small"}},
		{"POST", big, sig(big), []string{"open", "posts", "signed"}},
	} {
		if got := srv.send(t, c.method, "shared", c.body, c.headers); got.status != 202 {
			t.Fatalf("%s: %d %s", c.method, got.status, got.body)
		}
		evs, tgs := rec.stored()
		if last := tgs[len(tgs)-1]; !slices.Equal(last, c.want) {
			t.Fatalf("%s %d bytes signed=%v: runs of %v, want %v", c.method, len(c.body), c.headers != nil, last, c.want)
		}
		if n := len(evs); n != len(tgs) {
			t.Fatalf("%d events for %d dispatches", n, len(tgs))
		}
	}
}

func TestSeveralWorkflowsNoneVerifies(t *testing.T) {
	t.Parallel()
	env := map[string]string{"A": "secret-aaaa", "B": "secret-bbbb"}
	rec := &recorder{}
	srv := serve(t, Options{Dispatcher: rec, Env: env}, targets(t,
		hookWorkflow("a", `path: both
verify: { secret: "${{ env.A }}" }`),
		hookWorkflow("b", `path: both
verify: { scheme: github, secret: "${{ env.B }}" }`),
	))
	got := srv.send(t, "POST", "both", "x", map[string]string{"X-Signature": signature.SignHex("wrong", []byte("x"))})
	if got.status != 401 || got.errorSentence(t) != "signature does not match" {
		t.Fatalf("%d %s", got.status, got.body)
	}
	got = srv.send(t, "POST", "both", "x", map[string]string{http.CanonicalHeaderKey("X-Hub-Signature-256"): signature.SignGitHub(env["B"], []byte("x"))})
	if got.status != 202 {
		t.Fatalf("%d %s", got.status, got.body)
	}
	if _, tgs := rec.stored(); len(tgs) != 1 || !slices.Equal(tgs[0], []string{"b"}) {
		t.Fatalf("runs %v, want [[b]]", tgs)
	}
}

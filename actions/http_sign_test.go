package actions

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/signature"
)

// fixedClock is a clock that tests move by hand.
type fixedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fixedClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// signedDeps is testDeps with a clock.
func signedDeps(clock *fixedClock) Deps {
	d := testDeps
	d.Now = clock.Now
	return d
}

// phpSignature is what a PHP receiver computes over the raw request body:
// hash_hmac('sha256', file_get_contents('php://input'), $secret).
func phpSignature(secret string, raw []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(raw)
	return hex.EncodeToString(m.Sum(nil))
}

// verifyAll checks one received request with three independent verifiers:
// hookflow's own (both schemes), the Standard Webhooks reference library,
// and the PHP recomputation. now is the receiver's clock.
func verifyAll(t *testing.T, secret string, got received, now time.Time) {
	t.Helper()
	clock := func() time.Time { return now }
	for _, scheme := range []signature.Scheme{signature.HMACSHA256, signature.StandardWebhooks} {
		v := &signature.Verifier{Scheme: scheme, Secret: secret, Now: clock}
		if err := v.Verify(got.Header, got.Body); err != nil {
			t.Errorf("signature.Verifier %s: %v", scheme, err)
		}
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if strings.HasPrefix(secret, "whsec_") {
		if err != nil {
			t.Fatalf("standardwebhooks.NewWebhook: %v", err)
		}
	} else {
		wh, err = standardwebhooks.NewWebhookRaw([]byte(secret))
		if err != nil {
			t.Fatalf("standardwebhooks.NewWebhookRaw: %v", err)
		}
	}
	if err := wh.VerifyIgnoringTimestamp(got.Body, got.Header); err != nil {
		t.Errorf("Standard Webhooks reference library: %v", err)
	}
	if want := phpSignature(secret, got.Body); got.Header.Get("X-Signature") != want {
		t.Errorf("X-Signature %q, want hash_hmac's %q", got.Header.Get("X-Signature"), want)
	}
}

func TestHTTPSigning(t *testing.T) {
	t.Parallel()
	secrets := []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "plain secret, used as its bytes"}
	const received = `{ "b": "x<y",  "a": [1, "é"] }`
	bodies := []struct {
		name string
		with map[string]any
		body string
		// raw, when set, is the event's body as received: with's body is
		// decoded from it, and the engine hands it to the step, for the
		// decoded value itself or (copy) for an equal value.
		raw  string
		copy bool
	}{
		{name: "event body as received", raw: received, body: received},
		{name: "equal to the event body", raw: received, copy: true, body: `{"a":[1,"é"],"b":"x<y"}`},
		{name: "json", with: map[string]any{"body": map[string]any{"b": "x<y", "a": []any{1, "é"}}}, body: `{"a":[1,"é"],"b":"x<y"}`},
		{name: "raw string", with: map[string]any{"body": `{"test": 2432232314}`}, body: `{"test": 2432232314}`},
		{name: "form", with: map[string]any{"content_type": "application/x-www-form-urlencoded", "body": map[string]any{"k": "a b"}}, body: "k=a+b"},
		{name: "text", with: map[string]any{"content_type": "text/plain", "body": "line one\r\nline two\n"}, body: "line one\r\nline two\n"},
		{name: "no body", with: map[string]any{"method": "GET"}, body: ""},
	}
	for _, secret := range secrets {
		for _, b := range bodies {
			t.Run(b.name+"/"+secret[:5], func(t *testing.T) {
				t.Parallel()
				clock := &fixedClock{now: time.Unix(1_700_000_000, 0)}
				rc := newReceiver(t, nil)
				with := map[string]any{"url": rc.URL + "/in", "secret": secret}
				for k, v := range b.with {
					with[k] = v
				}
				var decoded, other any
				if b.raw != "" {
					_ = json.Unmarshal([]byte(b.raw), &decoded)
					_ = json.Unmarshal([]byte(b.raw), &other)
					with["body"] = decoded
				}
				def := HTTP(signedDeps(clock))
				p, err := def.DecodeParams(with)
				if err != nil {
					t.Fatal(err)
				}
				step := &engine.Step{Item: -1, Attempt: 1, DeliveryID: "msg_delivery1", Params: p}
				switch {
				case b.copy:
					step.SetRawJSON(other, []byte(b.raw))
				case b.raw != "":
					step.SetRawJSON(decoded, []byte(b.raw))
				}
				if _, err := def.Action.Run(t.Context(), step); err != nil {
					t.Fatal(err)
				}
				got := rc.only(t)
				if string(got.Body) != b.body {
					t.Fatalf("sent %q, want %q", got.Body, b.body)
				}
				if got.Header.Get("webhook-id") != "msg_delivery1" || got.Header.Get("webhook-timestamp") != "1700000000" {
					t.Fatalf("headers %v", got.Header)
				}
				verifyAll(t, secret, got, clock.Now())
				// The record shows the body that was signed and sent, and the signature headers.
				rec := step.Exchanges()[0].Request
				if rec.Body != b.body || rec.Headers["x-signature"] != got.Header.Get("X-Signature") ||
					rec.Headers["webhook-signature"] != got.Header.Get("webhook-signature") {
					t.Fatalf("record %+v", rec)
				}
			})
		}
	}
}

// TestHTTPSigningVector sends the Standard Webhooks specification's
// published example through the http action.
func TestHTTPSigningVector(t *testing.T) {
	t.Parallel()
	const (
		secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		msgID  = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		body   = `{"test": 2432232314}`
	)
	clock := &fixedClock{now: time.Unix(1614265330, 0)}
	rc := newReceiver(t, nil)
	def := HTTP(signedDeps(clock))
	p, _ := def.DecodeParams(map[string]any{"url": rc.URL, "secret": secret, "body": body})
	if _, err := def.Action.Run(t.Context(), &engine.Step{Item: -1, Attempt: 1, DeliveryID: msgID, Params: p}); err != nil {
		t.Fatal(err)
	}
	got := rc.only(t)
	want := map[string]string{
		"webhook-id":        msgID,
		"webhook-timestamp": "1614265330",
		"webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
		"X-Signature":       "80ec8a89ce3cd22133a1066caecb4d04fea7467657c8514d717ec42c38a5c94c",
		"Content-Type":      "application/json",
	}
	for name, v := range want {
		if got.Header.Get(name) != v {
			t.Errorf("%s = %q, want %q", name, got.Header.Get(name), v)
		}
	}
	if string(got.Body) != body {
		t.Fatalf("body %q", got.Body)
	}
	verifyAll(t, secret, got, clock.Now())
}

// TestHTTPSigningAttempts sends one delivery twice, as a retry does: the
// webhook-id stays, the timestamp is each attempt's, both verify.
func TestHTTPSigningAttempts(t *testing.T) {
	t.Parallel()
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	clock := &fixedClock{now: time.Unix(1_700_000_000, 0)}
	fail := true
	var mu sync.Mutex
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			fail = false
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	def := HTTP(signedDeps(clock))
	p, _ := def.DecodeParams(map[string]any{"url": rc.URL, "secret": secret, "body": map[string]any{"n": 1}})
	for attempt := 1; attempt <= 2; attempt++ {
		_, err := def.Action.Run(t.Context(), &engine.Step{Item: -1, Attempt: attempt, DeliveryID: "msg_same", Params: p})
		if (err != nil) != (attempt == 1) || engine.IsPermanent(err) {
			t.Fatalf("attempt %d: %v", attempt, err)
		}
		clock.Add(90 * time.Second)
	}
	reqs := rc.requests()
	if len(reqs) != 2 {
		t.Fatalf("receiver got %d requests", len(reqs))
	}
	for i, got := range reqs {
		ts := strconv.FormatInt(time.Unix(1_700_000_000, 0).Add(time.Duration(i)*90*time.Second).Unix(), 10)
		if got.Header.Get("webhook-id") != "msg_same" || got.Header.Get("webhook-timestamp") != ts {
			t.Errorf("attempt %d: webhook-id %q, timestamp %q (want msg_same, %s)", i+1,
				got.Header.Get("webhook-id"), got.Header.Get("webhook-timestamp"), ts)
		}
		verifyAll(t, secret, got, clock.Now())
	}
	if reqs[0].Header.Get("webhook-signature") == reqs[1].Header.Get("webhook-signature") {
		t.Error("two attempts at different times carry the same webhook-signature")
	}
}

func TestHTTPSigningEdges(t *testing.T) {
	t.Parallel()
	// Outside the executor there is no delivery id: one is made up.
	rc := newReceiver(t, nil)
	def := HTTP(testDeps)
	p, _ := def.DecodeParams(map[string]any{"url": rc.URL, "secret": "k3y-value", "body": "x"})
	if _, err := def.Action.Run(t.Context(), &engine.Step{Item: -1, Params: p}); err != nil {
		t.Fatal(err)
	}
	got := rc.only(t)
	if id := got.Header.Get("webhook-id"); !strings.HasPrefix(id, "msg_") || len(id) != 36 {
		t.Fatalf("webhook-id %q", id)
	}
	verifyAll(t, "k3y-value", got, time.Now())

	// A whsec_ secret that is not base64 fails at once, sends nothing and
	// does not repeat the secret.
	rc2 := newReceiver(t, nil)
	p, _ = def.DecodeParams(map[string]any{"url": rc2.URL, "secret": "whsec_not*base64!"})
	_, err := def.Action.Run(t.Context(), &engine.Step{Item: -1, DeliveryID: "msg_x", Params: p})
	if !engine.IsPermanent(err) || strings.Contains(err.Error(), "not*base64") ||
		err.Error() != "secret: signature secret starts with whsec_ but is not base64 after it" {
		t.Fatalf("error %v", err)
	}
	if n := len(rc2.requests()); n != 0 {
		t.Fatalf("sent %d requests", n)
	}

	// Without a secret nothing is signed; webhook-id still names the
	// delivery, so receivers can drop duplicates (SPEC 6).
	rc3 := newReceiver(t, nil)
	p, _ = def.DecodeParams(map[string]any{"url": rc3.URL, "body": "x"})
	if _, err := def.Action.Run(t.Context(), &engine.Step{Item: -1, DeliveryID: "msg_x", Params: p}); err != nil {
		t.Fatal(err)
	}
	gotHeader := rc3.only(t).Header
	for _, h := range []string{"X-Signature", "webhook-timestamp", "webhook-signature"} {
		if v := gotHeader.Get(h); v != "" {
			t.Errorf("unsigned request carries %s: %s", h, v)
		}
	}
	if gotHeader.Get("webhook-id") != "msg_x" {
		t.Errorf("unsigned request has webhook-id %q, want the delivery id", gotHeader.Get("webhook-id"))
	}

	// The secret is declared secret, so the executor redacts it.
	f, _ := reflect.TypeFor[HTTPParams]().FieldByName("Secret")
	if f.Tag.Get("secret") != "true" {
		t.Fatal(`HTTPParams.Secret is not tagged secret:"true"`)
	}
}
